"""The sealing writer: seals where the policy says, key rotation that survives a crash at either step."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.audit_jsonl import AuditFile
from oob_console.adapters.audit_key_ed25519 import SealKey, check_signature
from oob_console.errors import AuditWriteError
from oob_console.wiring.audit import build_audit_of_file


def _log(tmp_path: Path, every: int = 3) -> tuple[AuditFile, str]:
    log = AuditFile(tmp_path / "audit.jsonl", checkpoint_every=every, checkpoint_interval=3600.0,
                    seal_key=tmp_path / "seal.key")
    genesis = log.start_sealing(actor="a", site="s")
    return log, genesis["details"]["verify_key"]


def _proven(log: AuditFile, key: str) -> None:
    from oob_console.services.audit import AuditService

    AuditService(log, "a", check_signature=check_signature).verify(verify_key=key)  # raises on any problem


def test_seals_every_n_entries_and_the_old_key_is_gone(tmp_path: Path) -> None:
    log, key = _log(tmp_path)
    before = (tmp_path / "seal.key").read_bytes()
    for i in range(7):
        log.append(actor="a", action="note", details={"i": i})
    actions = [e["action"] for e in log.entries()]
    assert actions.count("audit.seal") == 3  # genesis's, and after every 3 entries
    state = SealKey.load(tmp_path / "seal.key")
    assert state is not None and state.epoch == 3 and state.pending_public is None
    assert state.public_key != key and b'"private_key"' in before
    assert before.split(b'"private_key":')[1][:50] not in (tmp_path / "seal.key").read_bytes()
    _proven(log, key)


def test_crash_before_the_seal_reached_the_log_keeps_the_current_key(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    log, key = _log(tmp_path)
    monkeypatch.setattr(AuditFile, "_write", _fail_on_seal(AuditFile._write))
    for i in range(2):
        log.append(actor="a", action="note", details={"i": i})
    with pytest.raises(AuditWriteError):
        log.append(actor="a", action="note", details={"i": 2})  # the entry is written, its seal is not
    monkeypatch.undo()
    assert SealKey.load(tmp_path / "seal.key").pending_public is not None  # type: ignore[union-attr]
    log.append(actor="a", action="note", details={"i": 3})  # abandons the prepared key, seals first, then writes
    state = SealKey.load(tmp_path / "seal.key")
    assert state is not None and state.pending_public is None and state.epoch == 2
    _proven(log, key)


def _fail_on_seal(write):  # type: ignore[no-untyped-def]
    def wrapped(self, fd, data):  # type: ignore[no-untyped-def]
        if b'"action":"audit.seal"' in data:
            raise OSError(5, "injected crash before the seal")
        return write(self, fd, data)
    return wrapped


def test_crash_after_the_seal_before_the_key_rotated_is_finished_by_the_next_append(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log, key = _log(tmp_path)
    real = SealKey.commit

    def crash(self: SealKey, seal: dict) -> None:  # type: ignore[type-arg]
        raise OSError(5, "injected crash after the seal")

    monkeypatch.setattr(SealKey, "commit", crash)
    for i in range(2):
        log.append(actor="a", action="note", details={"i": i})
    with pytest.raises(AuditWriteError):
        log.append(actor="a", action="note", details={"i": 2})
    monkeypatch.setattr(SealKey, "commit", real)
    log.append(actor="a", action="note", details={"i": 3})
    state = SealKey.load(tmp_path / "seal.key")
    assert state is not None and state.pending_public is None and state.epoch == 2
    _proven(log, key)
    report = build_audit_of_file(log.path).verify(verify_key=key)
    assert report.seals_verified == 2


def _sealed_writer(path: str, key: str, n: int) -> None:
    log = AuditFile(Path(path), checkpoint_every=3, checkpoint_interval=3600.0, seal_key=Path(key))
    for i in range(n):
        log.append(actor="proc", action="note", details={"i": i})


def test_concurrent_sealed_writers_keep_one_sealed_chain(tmp_path: Path) -> None:
    import multiprocessing

    log, key = _log(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_sealed_writer, args=(str(log.path), str(tmp_path / "seal.key"), 15))
             for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    report = build_audit_of_file(log.path).verify(verify_key=key)
    assert report.ok and sum(1 for e in log.entries() if e["action"] == "note") == 45
    assert report.seals_verified == 1 + 45 // 3
    _proven(log, key)
