"""The audit log attacked as an intruder with write access to the site directory would.

Each attack edits the files with plain Python (json, hashlib, cryptography for
the intruder's own key); the project is used only to set the site up (`oob
init`, `oob note`) and to judge (`oob audit verify --verify-key KEY [--anchor
CODE]`). Tampering must exit 4 naming what is wrong; the intact log exits 0.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import run_oob

pytestmark = pytest.mark.lab
EVERY = 4


def _site(tmp_path: Path, notes: int = 10) -> tuple[Path, str]:
    home = tmp_path / "site"
    proc = run_oob("init", "--home", str(home), "--name", "sjc1", "--checkpoint-every", str(EVERY), "--json")
    assert proc.returncode == 0, proc.stderr
    key = json.loads(proc.stdout)["result"]["verify_key"]
    for i in range(notes):
        assert run_oob("note", f"step {i}", home=home).returncode == 0
    return home, key


def _verify(home: Path, key: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_oob("audit", "verify", "--verify-key", key, *extra, home=home)


def _lines(home: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(raw) for raw in (home / "audit.jsonl").read_bytes().splitlines()]


def _canon(obj: object) -> bytes:  # what anyone reading the format would write
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _rechain(entries: list[dict]) -> bytes:  # type: ignore[type-arg]
    """Renumber and re-hash a list of entries into a chain that is internally consistent."""
    prev, out = "0" * 64, b""
    for seq, entry in enumerate(entries, start=1):
        entry = {k: v for k, v in entry.items() if k != "hash"}
        entry.update(seq=seq, prev=prev)
        if entry["action"] == "audit.seal":
            entry["details"] = {**entry["details"], "covers_seq": seq - 1, "covers_hash": prev}
        entry["hash"] = hashlib.sha256(_canon(entry)).hexdigest()
        prev = entry["hash"]
        out += _canon(entry) + b"\n"
    return out


def _fails(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 4, (proc.returncode, proc.stdout, proc.stderr)
    for word in words:
        assert word in proc.stderr, proc.stderr


def test_intact_log_is_proven(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    proc = _verify(home, key, "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["result"]
    assert result["proven"] and result["seals_verified"] >= 3 and result["sealed"]
    assert run_oob("audit", "verify", home=home).returncode == 12  # no key: consistent, not proven


def test_edit_then_rehash_without_the_seals(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    entries = [e for e in _lines(home) if e["action"] != "audit.seal"]
    for e in entries:
        if e["details"].get("text") == "step 2":
            e["details"]["text"] = "nothing happened"
    (home / "audit.jsonl").write_bytes(_rechain(entries))
    _fails(_verify(home, key), "genesis is not followed by its seal")


def test_edit_then_rehash_dropping_later_seals_only(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    entries = _lines(home)
    first_seal = next(i for i, e in enumerate(entries) if e["action"] == "audit.seal")
    kept = entries[: first_seal + 1] + [e for e in entries[first_seal + 1 :] if e["action"] != "audit.seal"]
    (home / "audit.jsonl").write_bytes(_rechain(kept))
    _fails(_verify(home, key), f"no seal within {EVERY} entries")


def test_edit_then_reseal_with_the_stolen_current_key(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    stolen = json.loads((home / "audit-sealing.key").read_text())
    current = Ed25519PrivateKey.from_private_bytes(base64.b64decode(stolen["private_key"]))
    entries = _lines(home)
    for e in entries:
        if e["details"].get("text") == "step 1":
            e["details"]["text"] = "nothing happened"
    # re-chain, then sign every seal with the one private key the host still has
    prev = "0" * 64
    out = b""
    for epoch_seen, entry in enumerate(entries):
        del epoch_seen
        body = {k: v for k, v in entry.items() if k != "hash"}
        body["prev"] = prev
        if body["action"] == "audit.seal":
            d = body["details"]
            d.update(covers_hash=prev)
            msg = f"oob-console audit seal v1\n{d['epoch']}\n{d['covers_seq']}\n{prev}\n{d['next_key']}\n".encode()
            d["signature"] = base64.b64encode(current.sign(msg)).decode()
        body["hash"] = hashlib.sha256(_canon(body)).hexdigest()
        prev = body["hash"]
        out += _canon(body) + b"\n"
    (home / "audit.jsonl").write_bytes(out)
    _fails(_verify(home, key), "is not signed by that epoch's key")


def test_emptied_log_fails_refuses_actions_until_acknowledged(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    (home / "audit.jsonl").write_bytes(b"")
    _fails(_verify(home, key), "no sealed genesis")
    refused = run_oob("note", "after the wipe", home=home)
    assert refused.returncode == 4 and "acknowledge-reset" in refused.stderr, refused.stderr
    assert (home / "audit.jsonl").read_bytes() == b""  # nothing appended
    ack = run_oob("audit", "acknowledge-reset", "--reason", "INC-7: log wiped, old copy with the NOC",
                  "--json", home=home)
    assert ack.returncode == 0, ack.stderr
    new_key = json.loads(ack.stdout)["result"]["verify_key"]
    assert new_key != key
    assert run_oob("note", "after the reset", home=home).returncode == 0
    proven = _verify(home, new_key, "--json")
    assert proven.returncode == 0, proven.stderr
    reset = json.loads(proven.stdout)["result"]["reset"]
    assert reset["reason"].startswith("INC-7") and "empty" in reset["found"]
    _fails(_verify(home, key), "another verification key")  # the old key still says: not that chain
    again = run_oob("audit", "acknowledge-reset", "--reason", "x", home=home)
    assert again.returncode == 9  # nothing to acknowledge now


def test_deleted_log_fails_and_the_next_action_is_refused(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    (home / "audit.jsonl").unlink()
    _fails(_verify(home, key), "the audit log is gone")
    refused = run_oob("note", "x", home=home)
    assert refused.returncode == 4 and "empty or gone" in refused.stderr
    assert not (home / "audit.jsonl").exists() or (home / "audit.jsonl").stat().st_size == 0


def test_deleted_log_and_key_together_are_refused_not_restarted_unsealed(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    (home / "audit.jsonl").unlink()
    (home / "audit-sealing.key").unlink()
    refused = run_oob("note", "x", home=home)
    assert refused.returncode == 4 and "so is its sealing key" in refused.stderr, refused.stderr
    _fails(_verify(home, key), "no sealed genesis")
    ack = run_oob("audit", "acknowledge-reset", "--reason", "INC-9: host wiped", "--json", home=home)
    assert ack.returncode == 0, ack.stderr
    assert _verify(home, json.loads(ack.stdout)["result"]["verify_key"]).returncode == 0


def test_restarted_log_with_its_own_genesis(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    other = tmp_path / "other"
    assert run_oob("init", "--home", str(other), "--name", "sjc1").returncode == 0
    shutil.copy(other / "audit.jsonl", home / "audit.jsonl")
    _fails(_verify(home, key), "another verification key")
    assert run_oob("note", "x", home=home).returncode == 4


def test_tail_cut_after_the_last_seal_is_caught_by_an_anchor(tmp_path: Path) -> None:
    home, key = _site(tmp_path, notes=9)
    code = json.loads(run_oob("audit", "anchor", "--json", home=home).stdout)["result"]["code"]
    entries = _lines(home)
    last_seal = max(i for i, e in enumerate(entries) if e["action"] == "audit.seal")
    assert last_seal < len(entries) - 1  # there is an unsealed tail to cut
    raw = (home / "audit.jsonl").read_bytes().splitlines(keepends=True)
    (home / "audit.jsonl").write_bytes(b"".join(raw[: last_seal + 1]))
    _fails(_verify(home, key, "--anchor", code), "below the head", "witnessed off the host")
    # a cut back to an earlier seal, the host's key state rolled back too: still the anchor
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(b"".join(raw[: last_seal + 1]))
    _fails(run_oob("audit", "verify", "--log", str(copy), "--verify-key", key, "--anchor", code), "below the head")


def test_deleted_sealing_key(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    (home / "audit-sealing.key").unlink()
    _fails(_verify(home, key), "sealing key is missing")
    refused = run_oob("note", "x", home=home)
    assert refused.returncode == 4 and "deleted" in refused.stderr


def test_replaced_sealing_key(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    state = json.loads((home / "audit-sealing.key").read_text())
    mine = Ed25519PrivateKey.generate()
    raw = mine.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    pub = mine.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    state.update(private_key=base64.b64encode(raw).decode(), public_key=base64.b64encode(pub).decode())
    (home / "audit-sealing.key").write_text(json.dumps(state))
    _fails(_verify(home, key), "it was replaced")
    # seals made with it afterwards are not certified by the chain: a copy (no host key) proves it too
    for i in range(EVERY):
        run_oob("note", f"later {i}", home=home)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes((home / "audit.jsonl").read_bytes())
    _fails(run_oob("audit", "verify", "--log", str(copy), "--verify-key", key), "not signed by that epoch's key")


def test_sealing_key_replaced_with_garbage(tmp_path: Path) -> None:
    home, key = _site(tmp_path)
    (home / "audit-sealing.key").write_bytes(b"not a key at all\n")
    _fails(_verify(home, key), "sealing key is damaged or was replaced")
    refused = run_oob("note", "x", home=home)
    assert refused.returncode == 4 and "acknowledge-reset" in refused.stderr
    ack = run_oob("audit", "acknowledge-reset", "--reason", "INC-11: key file overwritten", home=home)
    assert ack.returncode == 0, ack.stderr
    assert run_oob("note", "after", home=home).returncode == 0


def test_symlinked_or_group_writable_log_and_key_are_refused(tmp_path: Path) -> None:
    home, key = _site(tmp_path, notes=1)
    log, seal = home / "audit.jsonl", home / "audit-sealing.key"
    elsewhere = tmp_path / "elsewhere.jsonl"
    os.rename(log, elsewhere)
    log.symlink_to(elsewhere)
    for proc in (run_oob("note", "x", home=home), _verify(home, key)):
        assert proc.returncode in (4, 11) and "symlink" in proc.stderr, proc.stderr
    log.unlink()
    os.rename(elsewhere, log)
    log.chmod(0o660)
    proc = run_oob("note", "x", home=home)
    assert proc.returncode == 11 and "other users can read or write" in proc.stderr, proc.stderr
    log.chmod(0o600)
    seal.chmod(0o620)
    proc = run_oob("note", "x", home=home)
    assert proc.returncode == 11 and "other users can read or write" in proc.stderr, proc.stderr
    seal.chmod(0o600)
    home.chmod(0o770)
    proc = run_oob("note", "x", home=home)
    assert proc.returncode == 11 and "writable by group or other" in proc.stderr, proc.stderr
    home.chmod(0o700)
    assert _verify(home, key).returncode == 0


def test_copy_verifies_elsewhere_with_the_key_and_a_pasted_anchor(tmp_path: Path) -> None:
    home, key = _site(tmp_path, notes=6)
    code = json.loads(run_oob("audit", "anchor", "--json", home=home).stdout)["result"]["code"]
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    copy = laptop / "evidence.jsonl"
    shutil.copy(home / "audit.jsonl", copy)
    copy.chmod(0o644)  # a copy is proven by the key, not by its mode
    proc = run_oob("audit", "verify", "--log", str(copy), "--verify-key", key, "--anchor", code, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["result"]["anchors_matched"] == [int(code.rsplit(":", 2)[1])]


def test_an_unsealed_log_stays_readable_as_its_own_era(tmp_path: Path) -> None:
    from oob_console.adapters.audit_jsonl import AuditFile

    home, _ = _site(tmp_path, notes=0)
    (home / "audit-sealing.key").unlink()
    (home / "audit.jsonl").unlink()
    old = AuditFile(home / "audit.jsonl")  # a log as written before sealing existed
    for i in range(3):
        old.append(actor="local:root", action="note", details={"text": f"old {i}"})
    assert run_oob("note", "still unsealed", home=home).returncode == 0
    plain = run_oob("audit", "verify", "--json", home=home)
    assert plain.returncode == 12 and "not sealed" in " ".join(json.loads(plain.stdout)["result"]["not_proven"])
    started = run_oob("audit", "start-sealing", "--reason", "upgrade", "--json", home=home)
    assert started.returncode == 0, started.stderr
    key = json.loads(started.stdout)["result"]["verify_key"]
    assert run_oob("note", "sealed now", home=home).returncode == 0
    proc = _verify(home, key, "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["result"]
    assert result["unsealed_through_seq"] == 4 and result["sealed"]
    assert run_oob("audit", "start-sealing", home=home).returncode == 9  # once
