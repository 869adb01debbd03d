from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.notice import (
    Notice,
    RetryPolicy,
    SendResult,
    backoff_delay,
    classify_status,
    judge_attempt,
    parse_retry_after,
    wants,
)

POLICY = RetryPolicy(initial=2.0, factor=2.0, maximum=300.0, jitter=0.2)


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert backoff_delay(1, POLICY, 0.5) == 2.0
    assert backoff_delay(2, POLICY, 0.5) == 4.0
    assert backoff_delay(3, POLICY, 0.0) == pytest.approx(8.0 * 0.8)
    assert backoff_delay(3, POLICY, 0.999999) == pytest.approx(8.0 * 1.2, rel=1e-5)
    assert backoff_delay(40, POLICY, 0.999) == 300.0


def test_retry_after_wins_when_longer_but_not_past_the_cap() -> None:
    assert backoff_delay(1, POLICY, 0.5, retry_after=30) == 30
    assert backoff_delay(5, POLICY, 0.5, retry_after=1) == 32.0
    assert backoff_delay(1, POLICY, 0.5, retry_after=10_000) == 300.0


@given(st.integers(1, 200), st.floats(0, 0.9999), st.one_of(st.none(), st.floats(0, 1e6)))
def test_backoff_is_always_within_bounds(attempt: int, rand: float, retry_after: float | None) -> None:
    assert 0 <= backoff_delay(attempt, POLICY, rand, retry_after) <= POLICY.maximum


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        backoff_delay(0, POLICY, 0.5)


@pytest.mark.parametrize(("status", "kind"), [
    (200, "delivered"), (202, "delivered"), (204, "delivered"),
    (408, "retry"), (425, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"),
    (400, "permanent"), (401, "permanent"), (403, "permanent"), (404, "permanent"), (410, "permanent"),
    (301, "permanent"), (302, "permanent"),
])
def test_classify_status(status: int, kind: str) -> None:
    assert classify_status(status) == kind


def _judge(result: SendResult | None, failure: str = "", attempt: int = 1, expires: float = 1e9):
    return judge_attempt(result=result, failure=failure, attempt=attempt, now=1000.0, expires=expires,
                         policy=POLICY, rand=0.5)


def test_judge_delivered_failed_and_retried() -> None:
    assert _judge(SendResult(202)).state == "delivered"
    failed = _judge(SendResult(400, error="Event object is invalid"))
    assert failed.state == "failed" and "HTTP 400: Event object is invalid" in failed.reason
    retry = _judge(SendResult(503), attempt=2)
    assert retry.state == "pending" and retry.next_at == 1004.0
    limited = _judge(SendResult(429, retry_after=60))
    assert limited.next_at == 1060.0


def test_a_transport_failure_is_retried_until_the_message_expires() -> None:
    v = _judge(None, "cannot reach it: ConnectError", attempt=3)
    assert v.state == "pending" and v.next_at == 1008.0 and "ConnectError" in v.reason
    gone = _judge(None, "cannot reach it", attempt=3, expires=1005.0)
    assert gone.state == "expired" and "gave up after 3 attempts" in gone.reason


def test_severity_filter() -> None:
    assert wants("info", "critical") and wants("warning", "warning")
    assert not wants("error", "warning")
    with pytest.raises(ValueError):
        wants("loud", "info")


def test_notice_validation_and_summary() -> None:
    n = Notice(id="abcdef0123456789", site="sjc1", severity="critical", text="BGP down\nmore detail",
               created=0.0)
    assert n.summary == "[sjc1] BGP down"
    long = Notice(id="abcdef0123456789", site="s", severity="info", text="x" * 2000, created=0.0)
    assert len(long.summary) == 1024
    for bad in ({"id": "NO SPACES!"}, {"severity": "loud"}, {"text": "  "}):
        kwargs = {"id": "abcdef0123456789", "site": "s", "severity": "info", "text": "t", "created": 0.0, **bad}
        with pytest.raises(ValueError):
            Notice(**kwargs)  # type: ignore[arg-type]


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
