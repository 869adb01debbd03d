"""The pure sealing rules of the audit chain: genesis, seals where the policy says, epochs, anchors, the clock."""

from __future__ import annotations

from typing import Any

import pytest

from oob_console.core.audit.chain import GENESIS, build_entry, verify_lines
from oob_console.core.audit.seal import (
    GENESIS_ACTION,
    SEAL_ACTION,
    anchor_of,
    parse_anchor,
    seal_due_after,
    seal_due_before,
    seal_message,
)


# A toy signature scheme for the pure layer: "sig(key, message)" is valid for exactly that key and message.
def _sign(key: str, message: bytes) -> str:
    return f"{key}|{message.hex()}"


def _check(key: str, message: bytes, sig: str) -> bool:
    return sig == _sign(key, message)


class Log:
    def __init__(self, every: int = 3, interval: float = 0) -> None:
        self.lines: list[bytes] = []
        self.prev, self.seq, self.epoch, self.key = GENESIS, 0, 0, "K0"
        self.put(GENESIS_ACTION, {"site": "s", "verify_key": "K0", "checkpoint_every": every,
                                  "checkpoint_interval": interval, "unsealed_before": 0})
        self.seal()

    def put(self, action: str, details: dict[str, Any], time: str = "2026-01-01T00:00:00.000000Z") -> None:
        self.seq += 1
        entry, line = build_entry(seq=self.seq, time=time, actor="a", action=action, target="", outcome="ok",
                                  details=details, prev=self.prev)
        self.prev = entry["hash"]
        self.lines.append(line)

    def seal(self, time: str = "2026-01-01T00:00:00.000000Z", epoch: int | None = None) -> None:
        nxt = f"K{self.epoch + 1}"
        e = self.epoch if epoch is None else epoch
        self.put(SEAL_ACTION, {"epoch": e, "covers_seq": self.seq, "covers_hash": self.prev, "next_key": nxt,
                               "signature": _sign(self.key, seal_message(e, self.seq, self.prev, nxt))}, time)
        self.epoch, self.key = self.epoch + 1, nxt

    def verify(self, **kw: Any) -> Any:
        return verify_lines(self.lines, check_signature=_check, verify_key="K0", **kw)


def test_a_well_sealed_log_verifies_and_reports_the_unsealed_tail() -> None:
    log = Log()
    for _ in range(3):
        log.put("note", {})
    log.seal()
    log.put("note", {})
    report = log.verify()
    assert report.ok and report.seals_verified == 2 and report.sealed_through == 5 and report.last_seq == 7


def test_too_many_entries_between_seals_is_a_removed_seal() -> None:
    log = Log(every=3)
    for _ in range(4):
        log.put("note", {})
    report = log.verify()
    assert report.problem and report.problem.seq == 6 and "no seal within 3 entries" in report.problem.reason


def test_an_entry_long_after_the_last_seal_without_an_idle_seal_fails_the_clock_rule() -> None:
    log = Log(every=100, interval=60)
    log.put("note", {}, time="2026-01-01T00:00:59.000000Z")
    assert log.verify().ok
    log.put("note", {}, time="2026-01-01T00:01:01.000000Z")
    report = log.verify()
    assert report.problem and "checkpoint_interval" in report.problem.reason
    ok = Log(every=100, interval=60)
    ok.seal(time="2026-01-01T00:05:00.000000Z")  # the idle seal the writer makes first
    ok.put("note", {}, time="2026-01-01T00:05:00.000000Z")
    assert ok.verify().ok


def test_wrong_epoch_wrong_key_second_genesis_and_unknown_verification_key() -> None:
    log = Log()
    log.seal(epoch=5)
    assert "epoch 5 where epoch 1 was due" in log.verify().problem.reason
    forged = Log()
    forged.key = "stolen"
    forged.seal()
    assert "not signed by that epoch's key" in forged.verify().problem.reason
    twice = Log()
    twice.put(GENESIS_ACTION, {"site": "s", "verify_key": "K9", "checkpoint_every": 3, "checkpoint_interval": 0})
    assert "second genesis" in twice.verify().problem.reason
    other = verify_lines(Log().lines, check_signature=_check, verify_key="KX")
    assert other.problem and "another verification key" in other.problem.reason
    empty = verify_lines([], check_signature=_check, verify_key="K0")
    assert empty.problem and "no sealed genesis" in empty.problem.reason


def test_anchors_must_be_found_with_their_hash() -> None:
    log = Log()
    log.put("note", {})
    report = log.verify()
    head = anchor_of("s", report.last_seq, report.last_hash)
    assert parse_anchor(head.code) == head and log.verify(anchors=(head,)).anchors_matched == [3]
    cut = verify_lines(log.lines[:-1], check_signature=_check, verify_key="K0", anchors=(head,))
    assert cut.problem and "below the head seq 3" in cut.problem.reason
    wrong = anchor_of("s", 2, "f" * 64)
    assert "not the head witnessed" in log.verify(anchors=(wrong,)).problem.reason
    with pytest.raises(ValueError, match="oob-audit:SITE:SEQ:HASH"):
        parse_anchor("seq 3 abc")


def test_when_seals_are_due() -> None:
    assert seal_due_after(10, 7, 3) and not seal_due_after(9, 7, 3)
    assert seal_due_before("2026-01-01T01:00:01.000000Z", "2026-01-01T00:00:00.000000Z", 3600) == 3601
    assert seal_due_before("2026-01-01T00:59:59.000000Z", "2026-01-01T00:00:00.000000Z", 3600) is None
    assert seal_due_before("2026-01-01T05:00:00.000000Z", "2026-01-01T00:00:00.000000Z", 0) is None
