from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.core.audit.chain import (
    CHECKPOINT_ACTION,
    GENESIS,
    TORN_ACTION,
    build_entry,
    checkpoint_message,
    verify_lines,
)


def chain(n: int, details: dict[str, object] | None = None) -> list[bytes]:
    prev, lines = GENESIS, []
    for seq in range(1, n + 1):
        entry, line = build_entry(seq=seq, time=f"2026-11-21T15:{seq % 60:02d}:00.000000Z", actor="user:alice",
                                  action="note", target="sjc1", outcome="ok",
                                  details=details if details is not None else {"text": f"step {seq} ü \"q\""},
                                  prev=prev)
        prev = entry["hash"]
        lines.append(line)
    return lines


def test_intact_chain_verifies() -> None:
    report = verify_lines(chain(50))
    assert report.ok and report.entries == 50 and report.last_seq == 50


def test_edited_field_is_detected_at_its_line() -> None:
    lines = chain(10)
    lines[4] = lines[4].replace(b"step 5", b"step 6")
    report = verify_lines(lines)
    assert report.problem and report.problem.line == 5 and "edited" in report.problem.reason


def test_deleted_line_is_detected() -> None:
    lines = chain(10)
    del lines[3]
    report = verify_lines(lines)
    assert report.problem and report.problem.line == 4 and report.problem.seq == 5


def test_reordered_lines_are_detected() -> None:
    lines = chain(10)
    lines[6], lines[7] = lines[7], lines[6]
    report = verify_lines(lines)
    assert report.problem and report.problem.line == 7


def test_truncated_last_line_is_detected() -> None:
    lines = chain(5)
    lines[-1] = lines[-1][:40]
    report = verify_lines(lines)
    assert report.problem and report.problem.line == 5 and "truncated" in report.problem.reason


def test_rehashed_but_non_canonical_line_is_detected() -> None:
    # A line whose content and hash agree but is not the canonical form the writer emits.
    lines = chain(3)
    entry, _ = build_entry(seq=3, time="t", actor="a", action="note", target="", outcome="ok",
                           details={"text": "x"}, prev=verify_lines(lines[:2]).last_hash)
    lines[2] = b'{"action": "note", ' + _canonical_rest(entry)
    report = verify_lines(lines)
    assert report.problem and report.problem.line == 3


def _canonical_rest(entry: dict[str, object]) -> bytes:
    from oob_console.core.canonical import canonical_bytes

    return canonical_bytes(entry)[len(b'{"action":"note",'):] + b"\n"


def test_recorded_torn_write_is_accepted_and_reported() -> None:
    lines = chain(3)
    torn = lines[2][:30]
    good = verify_lines(lines[:2])
    _entry, rec = build_entry(seq=3, time="t", actor="a", action=TORN_ACTION, target="f", outcome="recovered",
                             details={"torn": [{"length": len(torn), "sha256": hashlib.sha256(torn).hexdigest()}]},
                             prev=good.last_hash)
    report = verify_lines([*lines[:2], torn + b"\n", rec])
    assert report.ok and report.torn_recovered == [3] and report.entries == 3


def test_unreadable_line_not_accounted_for_is_detected() -> None:
    lines = chain(4)
    lines.insert(2, b"garbage\n")
    report = verify_lines(lines)
    assert report.problem and report.problem.line == 3


def test_checkpoints_need_a_valid_signature_from_a_trusted_key() -> None:
    lines = chain(4)
    head = verify_lines(lines)
    msg = checkpoint_message(head.last_seq, head.last_hash)

    def make(key: str, sig: str) -> bytes:
        _, line = build_entry(seq=5, time="t", actor="a", action=CHECKPOINT_ACTION, target="f", outcome="ok",
                              details={"covers_seq": 4, "covers_hash": head.last_hash, "public_key": key,
                                       "signature": sig}, prev=head.last_hash)
        return line

    def check(key: str, message: bytes, sig: str) -> bool:
        return key == "K" and message == msg and sig == "good"

    assert verify_lines([*lines, make("K", "good")], check_signature=check, trusted_keys=frozenset({"K"})).ok
    bad_sig = verify_lines([*lines, make("K", "bad")], check_signature=check, trusted_keys=frozenset({"K"}))
    assert bad_sig.problem and "invalid" in bad_sig.problem.reason
    other = verify_lines([*lines, make("X", "good")], check_signature=check, trusted_keys=frozenset({"K"}))
    assert other.problem and "not this site's" in other.problem.reason
    unchecked = verify_lines([*lines, make("K", "good")])
    assert unchecked.ok and unchecked.checkpoints_unchecked == 1


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_single_byte_change_is_detected(data: st.DataObject) -> None:
    lines = chain(6)
    i = data.draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    pos = data.draw(st.integers(0, len(line) - 2))  # keep the newline
    new = data.draw(st.integers(0, 255).filter(lambda b: b != line[pos] and b != 0x0A))
    lines[i] = line[:pos] + bytes([new]) + line[pos + 1:]
    assert not verify_lines(lines).ok


@given(st.dictionaries(st.text(max_size=8), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c, max_size=3)
    | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=8), max_size=4))
def test_fast_and_full_paths_agree_on_arbitrary_details(details: dict[str, object]) -> None:
    lines = chain(3, details=details)
    assert verify_lines(lines).ok
