from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from oob_console.adapters.audit_jsonl import AuditFile
from oob_console.adapters.audit_key_ed25519 import AuditKey, check_signature, create_key
from oob_console.errors import AuditWriteError, ConflictError


def test_file_is_created_0600_and_entries_chain(tmp_path: Path) -> None:
    log = AuditFile(tmp_path / "a" / "audit.jsonl")
    for i in range(5):
        log.append(actor="user:bob", action="note", details={"text": str(i)})
    assert stat.S_IMODE((tmp_path / "a" / "audit.jsonl").stat().st_mode) == 0o600
    report = log.verify()
    assert report.ok and report.entries == 5


def test_torn_tail_is_kept_and_recorded_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditFile(path)
    for i in range(3):
        log.append(actor="a", action="note", details={"text": str(i)})
    data = path.read_bytes()
    path.write_bytes(data[:-25])  # a crash mid-write of entry 3
    before = log.verify()
    assert before.problem and "truncated" in before.problem.reason and before.problem.line == 3
    entry = log.append(actor="a", action="note", details={"text": "after crash"})
    assert entry["seq"] == 4  # seq 3 is the audit.torn-tail record that accounts for the torn line
    after = log.verify()
    assert after.ok and after.torn_recovered == [3]
    raw = path.read_bytes()
    assert data[:-25] in raw  # the torn bytes were not dropped nor overwritten
    actions = [e["action"] for e in log.entries()]
    assert actions == ["note", "note", "audit.torn-tail", "note"]


def test_two_torn_lines_in_a_row_are_recorded_together(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditFile(path)
    log.append(actor="a", action="note")
    with open(path, "ab") as f:
        f.write(b'{"action":"note","act\n{"action":"aud')
    log.append(actor="a", action="note")
    assert log.verify().torn_recovered == [2, 3]


def test_checkpoints_are_signed_and_verified(tmp_path: Path) -> None:
    key_path = tmp_path / "k"
    public = create_key(key_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    with pytest.raises(ConflictError):
        create_key(key_path)
    key = AuditKey(key_path)
    log = AuditFile(tmp_path / "audit.jsonl", checkpoint_every=3, signer=key.sign)
    for _ in range(7):
        log.append(actor="a", action="note")
    report = log.verify(check_signature=check_signature, trusted_keys=frozenset({public}))
    # checkpoints count as entries: 1 2 3 [4] 5 6 [7] 8 9 [10]
    assert report.ok and report.checkpoints_verified == 3 and report.entries == 10
    other = create_key(tmp_path / "k2")
    wrong = log.verify(check_signature=check_signature, trusted_keys=frozenset({other}))
    assert wrong.problem and "not this site's" in wrong.problem.reason


def test_unwritable_log_fails_closed(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/version")  # not writable even for root
    else:
        target = tmp_path / "ro" / "audit.jsonl"
        target.parent.mkdir()
        target.parent.chmod(0o500)
    with pytest.raises(AuditWriteError) as info:
        AuditFile(target).append(actor="a", action="note")
    assert info.value.hint and "not run" in info.value.hint


def _writer(path: str, n: int) -> None:
    log = AuditFile(Path(path))
    for i in range(n):
        log.append(actor=f"proc{os.getpid()}", action="note", details={"i": i})


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), 40)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    report = AuditFile(path).verify()
    assert report.ok and report.entries == 160
