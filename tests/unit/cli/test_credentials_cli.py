"""The credential, login, approval and bundle commands, driven as an operator would (subprocesses)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from oob_console.wiring import init_site
from tests.conftest import genesis_verify_key, run_oob

ALLOW = "\n[auth]\nallow_software_keys = true\n"


def oob_json(*args: str, home: Path, env: dict[str, str] | None = None, input: str | None = None,
             code: int = 0) -> dict[str, object]:
    done = run_oob(*args, "--json", home=home, env=env, input=input)
    assert done.returncode == code, (args, done.stdout, done.stderr)
    out = json.loads(done.stdout)
    assert isinstance(out, dict)
    return out


@pytest.fixture
def demo_site(tmp_path: Path) -> Path:
    home = tmp_path / "site"
    init_site(home, name="cli")
    with open(home / "config.toml", "a", encoding="utf-8") as f:
        f.write(ALLOW + "[approvals.default]\nquorum = 2\nroles = [\"approver\"]\n")
    return home


def test_config_check_warns_loudly_when_software_keys_are_allowed(demo_site: Path) -> None:
    done = run_oob("config", "check", home=demo_site)
    assert done.returncode == 0 and "WARNING: [auth] allow_software_keys = true" in done.stdout
    warnings = oob_json("config", "check", home=demo_site)["result"]["warnings"]  # type: ignore[index]
    assert any("SOFTWARE keys" in w for w in warnings)


def test_a_software_key_is_refused_in_one_line_on_a_site_that_does_not_allow_them(tmp_path: Path) -> None:
    home = tmp_path / "prod"
    init_site(home, name="prod")
    assert run_oob("user", "add", "alice", "--role", "admin", home=home).returncode == 0
    run_oob("softkey", "init", str(tmp_path / "k"))
    done = run_oob("key", "enroll", "--user", "alice", home=home, env={"OOB_SOFT_KEY": str(tmp_path / "k")})
    assert done.returncode == 7
    assert done.stderr.count("\n") == 1 and "does not allow software keys" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_software_ssh_key_is_refused_at_add_ssh_on_a_site_that_does_not_allow_them(tmp_path: Path) -> None:
    home = tmp_path / "prod"
    init_site(home, name="prod")
    assert run_oob("user", "add", "carol", "--role", "approver", home=home).returncode == 0
    run_oob("softkey", "init", str(tmp_path / "k"))
    made = run_oob("softkey", "ssh-keygen", "--key", str(tmp_path / "k"), "-f", str(tmp_path / "sk"), "--json")
    pub = json.loads(made.stdout)["result"]["public_key"]
    done = run_oob("key", "add-ssh", "--user", "carol", "-", home=home, input=pub)
    assert done.returncode == 7 and "does not allow software keys" in done.stderr
    assert done.stderr.count("\n") == 1
    assert json.loads(run_oob("key", "list", "--json", home=home).stdout)["result"] == []
    # a site that allows them lists it as what it is
    with open(home / "config.toml", "a", encoding="utf-8") as f:
        f.write(ALLOW)
    added = oob_json("key", "add-ssh", "--user", "carol", "-", home=home, input=pub)
    assert added["result"]["software"] is True  # type: ignore[index]


def test_enroll_login_request_approve_from_the_cli(demo_site: Path, tmp_path: Path) -> None:
    keys = {name: str(tmp_path / f"{name}.key") for name in ("alice", "bob", "carol")}
    (tmp_path / "pin").write_text("2468\n")
    (tmp_path / "pin").chmod(0o600)
    for name, path in keys.items():
        run_oob("softkey", "init", path, *(["--pin", f"file:{tmp_path / 'pin'}"] if name == "bob" else []))
    oob_json("user", "add", "alice", "--role", "operator", home=demo_site)
    oob_json("user", "add", "bob", "--role", "approver", "--role", "admin", home=demo_site)
    oob_json("user", "add", "carol", "--role", "approver", home=demo_site)
    enrolled = oob_json("key", "enroll", "--user", "alice", home=demo_site, env={"OOB_SOFT_KEY": keys["alice"]})
    assert enrolled["result"]["software"] is True  # type: ignore[index]
    bob = oob_json("key", "enroll", "--user", "bob", "--pin", "env:BOB_PIN", home=demo_site,
                   env={"OOB_SOFT_KEY": keys["bob"], "BOB_PIN": "2468"})
    assert bob["result"]["uv_required"] is True  # type: ignore[index]  # admin is in uv_roles
    pub = oob_json("softkey", "ssh-keygen", "--key", keys["carol"], "-f", str(tmp_path / "carol_sk"),
                   "-C", "carol@laptop", home=demo_site)["result"]["public_key"]  # type: ignore[index]
    oob_json("key", "add-ssh", "--user", "carol", "-", home=demo_site, input=str(pub))

    login = oob_json("login", "--user", "alice", home=demo_site, env={"OOB_SOFT_KEY": keys["alice"]})
    session = {"OOB_SESSION": login["result"]["session"]}  # type: ignore[index]
    assert oob_json("whoami", home=demo_site, env=session)["result"]["actor"] == "user:alice"  # type: ignore[index]
    denied = run_oob("user", "add", "mallory", "--role", "admin", home=demo_site, env=session)
    assert denied.returncode == 5 and "may not add users" in denied.stderr

    intent = oob_json("intent", "request", "drill", "--note", "Q3", home=demo_site, env=session)["result"]
    intent_id = intent["id"]  # type: ignore[index]
    canonical = run_oob("intent", "show", intent_id, home=demo_site).stdout
    assert hashlib.sha256(canonical.encode()).hexdigest() == intent["hash"]  # type: ignore[index]

    # The remote approver: intent bytes -> sk signature -> approve (here the laptop's key is the soft key).
    sig = run_oob("softkey", "sign", "--key", keys["carol"], "-f", str(tmp_path / "carol_sk"), "-n", "oob-console",
                  input=canonical).stdout
    first = oob_json("approve", intent_id, "--sshsig", "-", home=demo_site, input=sig)
    assert first["result"]["state"] == "pending" and first["result"]["approvals_have"] == 1  # type: ignore[index]
    again = run_oob("approve", intent_id, "--sshsig", "-", home=demo_site, input=sig)
    assert again.returncode == 5 and "already approved" in again.stderr  # the same signature replayed

    refused = run_oob("approve", intent_id, "--local-key", home=demo_site, env={"OOB_SOFT_KEY": keys["alice"]})
    assert refused.returncode == 5  # alice is not an approver (and is the requester)
    done = oob_json("approve", intent_id, "--local-key", "--pin", "env:BOB_PIN", home=demo_site,
                    env={"OOB_SOFT_KEY": keys["bob"], "BOB_PIN": "2468"})
    assert done["result"]["state"] == "executed"  # type: ignore[index]  # a drill completes as a no-op
    status = oob_json("intent", "status", intent_id, home=demo_site)["result"]
    assert [a["user"] for a in status["approvals"]] == ["carol", "bob"]  # type: ignore[index]

    audit = oob_json("audit", "show", "--action", "intent.", home=demo_site)["result"]
    seen = {(e["actor"], e["action"], e["outcome"]) for e in audit}  # type: ignore[union-attr]
    assert {("user:alice", "intent.request", "ok"), ("user:carol", "intent.approve", "ok"),
            ("user:bob", "intent.approve", "ok")} <= seen
    assert any(e["outcome"] == "refused" and e["actor"] == "user:carol"  # the replay, a verified signature
               for e in audit)  # type: ignore[union-attr]
    assert run_oob("audit", "verify", "--verify-key", genesis_verify_key(demo_site), home=demo_site).returncode == 0
    listed = run_oob("key", "list", home=demo_site).stdout.splitlines()
    assert listed[0].split()[:3] == ["KEY", "ID", "USER"] and "LAST USED" in listed[0]
    carol = next(line for line in listed if " carol " in line)
    assert "never used" not in carol  # carol's key approved the intent: that is a use
    assert run_oob("logout", home=demo_site, env=session).returncode == 0
    assert run_oob("whoami", home=demo_site, env=session).returncode == 5


def test_a_stock_openssh_plain_key_signature_is_refused(demo_site: Path, tmp_path: Path) -> None:
    intent_id = oob_json("intent", "request", "drill", home=demo_site)["result"]["id"]  # type: ignore[index]
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    shown = run_oob("intent", "show", intent_id, home=demo_site).stdout
    sig = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "oob-console", "-f", str(key)], input=shown.encode(),
                         capture_output=True, check=True).stdout
    (tmp_path / "sig").write_bytes(sig)
    done = run_oob("approve", intent_id, "--sshsig", str(tmp_path / "sig"), home=demo_site)
    assert done.returncode == 5 and "not a security key" in done.stderr


def test_a_corrupted_store_is_a_clear_error_and_is_left_alone(demo_site: Path) -> None:
    store = demo_site / "store.db"
    store.write_bytes(b"this is not sqlite" * 100)
    store.chmod(0o600)
    before = store.read_bytes()
    done = run_oob("user", "list", home=demo_site)
    assert done.returncode == 11 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the store is not a readable database") and str(store) in done.stderr
    assert store.read_bytes() == before


def test_a_bogus_session_never_falls_back_to_the_local_account(demo_site: Path) -> None:
    done = run_oob("user", "add", "x", "--role", "admin", home=demo_site, env={"OOB_SESSION": "forged"})
    assert done.returncode == 5 and "unknown or was closed" in done.stderr


def test_a_missing_pin_without_a_terminal_says_how_to_give_one(demo_site: Path, tmp_path: Path) -> None:
    run_oob("softkey", "init", str(tmp_path / "k"), "--pin", "env:P", env={"P": "1357"})
    oob_json("user", "add", "root2", "--role", "admin", home=demo_site)
    env = {"OOB_SOFT_KEY": str(tmp_path / "k")}
    done = run_oob("key", "enroll", "--user", "root2", home=demo_site, env=env, input="")
    assert done.returncode == 5 and "--pin" in done.stderr and "1357" not in done.stderr + done.stdout


def test_bundles_move_between_sites_from_the_cli(demo_site: Path, tmp_path: Path) -> None:
    key = tmp_path / "fleet"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    oob_json("user", "add", "alice", "--role", "approver", home=demo_site)
    bundle = run_oob("store", "export", "--sign-with", str(key), "--serial", "7", home=demo_site).stdout
    host = tmp_path / "host"
    init_site(host, name="host")
    pub = Path(f"{key}.pub").read_text().strip()
    with open(host / "config.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[fleet]\nbundle_signers = ["{pub}"]\n')
    (tmp_path / "bundle").write_text(bundle)
    result = oob_json("store", "import", str(tmp_path / "bundle"), home=host)["result"]
    assert result["serial"] == 7 and result["users"] == 1  # type: ignore[index]
    assert run_oob("store", "import", str(tmp_path / "bundle"), home=host).returncode == 9  # not newer
    (tmp_path / "cut").write_text(bundle[: len(bundle) // 2])
    cut = run_oob("store", "import", str(tmp_path / "cut"), home=host)
    assert cut.returncode == 4 and "bundle refused" in cut.stderr
    assert oob_json("store", "status", home=host)["result"]["imported_serial"] == 7  # type: ignore[index]
    assert os.stat(host / "store.db").st_mode & 0o777 == 0o600


def test_demo_runs_login_and_a_quorum_drill_on_software_keys() -> None:
    done = run_oob("demo")
    assert done.returncode == 0, done.stderr
    assert "SOFTWARE keys, demo only" in done.stdout and "executed: bob, carol approved" in done.stdout


def test_an_intent_shown_to_approvers_carries_no_terminal_control_characters(demo_site: Path) -> None:
    # A requester's free text must not be able to repaint what an approver reads before touching a key:
    # ESC sequences (erase line, cursor up) and a right-to-left override stay visible as escapes.
    note = "harmless drill\x1b[2K\x1b[1A\rprefix 0.0.0.0/0 \u202eevil"
    made = oob_json("intent", "request", "drill", "--note", note, home=demo_site)
    intent_id = made["result"]["id"]  # type: ignore[index]
    for args in (("intent", "request", "drill", "--note", note), ("intent", "status", str(intent_id))):
        done = run_oob(*args, home=demo_site)
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "\u202e" not in done.stdout and "\r" not in done.stdout
        assert "^[[2K" in done.stdout and "<U+202E>" in done.stdout


def test_pins_and_session_tokens_never_reach_the_audit_log_the_store_or_any_output(demo_site: Path,
                                                                                   tmp_path: Path) -> None:
    pin, wrong = "pin-Zq8x-secret", "pin-Wr0ng-guess"
    key = str(tmp_path / "root.key")
    (tmp_path / "pin").write_text(pin + "\n")
    (tmp_path / "pin").chmod(0o600)
    seen: list[str] = []

    def oob(*args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
        done = run_oob(*args, home=demo_site, env={"OOB_SOFT_KEY": key, "THE_PIN": pin, "WRONG_PIN": wrong,
                                                   **(env or {})})
        assert done.returncode == code, (args, done.stdout, done.stderr)
        seen.extend((done.stdout, done.stderr))
        return done.stdout

    oob("softkey", "init", key, "--pin", f"file:{tmp_path / 'pin'}", "--json")
    oob("user", "add", "root2", "--role", "admin", "--role", "approver")
    oob("key", "enroll", "--user", "root2", "--pin", "env:THE_PIN", "--json")  # admin: UV required
    oob("login", "--user", "root2", "--pin", "env:WRONG_PIN", code=5)
    oob("login", "--user", "root2", "--pin", "env:WRONG_PIN", "--json", code=5)
    oob("user", "unlock", "root2")
    token = json.loads(oob("login", "--user", "root2", "--pin", "env:THE_PIN", "--json"))["result"]["session"]
    drill = json.loads(oob("intent", "request", "drill", "--json", env={"OOB_SESSION": token}))["result"]["id"]
    oob("approve", drill, "--local-key", "--pin", f"file:{tmp_path / 'pin'}", code=5)  # the requester: refused
    oob("approve", drill, "--local-key", "--pin", "env:THE_PIN", "--json", code=5)
    oob("whoami", "--json", env={"OOB_SESSION": token})
    oob("audit", "show", "--json")
    stored = b"".join(p.read_bytes() for p in demo_site.iterdir() if p.is_file())
    for secret in (pin, wrong):
        assert not any(secret in text for text in seen), secret
        assert secret.encode() not in stored, secret
    # `oob login --json` hands the token to its caller; nothing else shows or stores it.
    assert [text for text in seen if token in text] == [text for text in seen if '"session": "' in text]
    assert token.encode() not in stored


def test_eval_of_oob_login_sets_the_session(demo_site: Path, tmp_path: Path) -> None:
    """`eval "$(oob login)"` in a real shell: stdout is only the export; the human line is on stderr."""
    import shlex
    import sys

    key = str(tmp_path / "alice")
    run_oob("softkey", "init", key)
    oob_json("user", "add", "alice", "--role", "operator", home=demo_site)
    oob_json("key", "enroll", "--user", "alice", home=demo_site, env={"OOB_SOFT_KEY": key})
    oob = f"{shlex.quote(sys.executable)} -m oob_console"
    env = {**os.environ, "OOB_HOME": str(demo_site), "OOB_SOFT_KEY": key}
    done = subprocess.run(["sh", "-ec", f'eval "$({oob} login --user alice)"; {oob} whoami'],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("user:alice") and "logged in" in done.stderr.lower()
