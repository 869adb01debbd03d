"""Out-of-band notices as values: what a message is, and what to do after a send.

A notice is accepted once into the durable outbox and then delivered to each
channel on its own schedule. This module decides, from an HTTP status (or a
transport failure), whether a delivery is done, should be retried and when
(exponential back-off with jitter, honouring ``Retry-After``), or has failed
for good. The outbox and the HTTP clients do the I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "error", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error", "critical")

DeliveryState = Literal["pending", "delivered", "failed", "expired"]

_ID = re.compile(r"[0-9a-z-]{8,64}")


def severity_rank(severity: str) -> int:
    """0 for info up to 3 for critical; ValueError for anything else."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(f"{severity!r} is not a severity ({', '.join(SEVERITIES)})") from None


def wants(min_severity: str, severity: str) -> bool:
    """Does a channel that takes ``min_severity`` and up take this notice?"""
    return severity_rank(severity) >= severity_rank(min_severity)


@dataclass(frozen=True)
class Notice:
    """One message for the outside world. ``id`` is the idempotency key on every channel."""

    id: str
    site: str
    severity: Severity
    text: str
    created: float  # Unix time
    kind: str = "manual"  # manual, drill, announce, withdraw, approval-requested, ...
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _ID.fullmatch(self.id):
            raise ValueError(f"notice id {self.id!r} must be 8-64 of [0-9a-z-]")
        severity_rank(self.severity)
        if not self.text.strip():
            raise ValueError("a notice needs some text")

    @property
    def audit_head(self) -> str:
        """The audit log's head when the notice was accepted (an anchor code; '' if none): a witness off the host."""
        head = self.details.get("audit_head")
        return head if isinstance(head, str) else ""

    @property
    def text_with_head(self) -> str:
        """The text, then the audit head on its own line, for chat channels that show only text."""
        return f"{self.text}\naudit head: {self.audit_head}" if self.audit_head else self.text

    @property
    def summary(self) -> str:
        """One line for channels with a short title (PagerDuty allows 1024 characters)."""
        first = self.text.strip().splitlines()[0]
        line = f"[{self.site}] {first}"
        return line if len(line) <= 1024 else line[:1023] + "…"


@dataclass(frozen=True)
class SendResult:
    """What the far end answered (any HTTP status); transport failures are exceptions instead."""

    status: int
    retry_after: float | None = None  # seconds, from a Retry-After header
    remote_id: str = ""  # event id, dedup key: whatever the channel gives back
    error: str = ""  # the far end's complaint, shortened, for the status view


@dataclass(frozen=True)
class RetryPolicy:
    initial: float = 2.0  # seconds before the 2nd attempt
    factor: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.2  # +/- this fraction, so a fleet of outboxes does not retry in step


@dataclass(frozen=True)
class Verdict:
    """What to do with a delivery after one attempt."""

    state: DeliveryState
    next_at: float | None = None  # when to try again (pending only)
    reason: str = ""


def backoff_delay(attempt: int, policy: RetryPolicy, rand: float, retry_after: float | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    ``rand`` in [0, 1) is passed in so this stays pure; a server's
    ``Retry-After`` wins when it asks for longer (capped at ``maximum``).
    """
    if attempt < 1:
        raise ValueError("attempts count from 1")
    base = min(policy.maximum, policy.initial * policy.factor ** (attempt - 1))
    delay = base * (1 + policy.jitter * (2 * rand - 1))
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return max(0.0, min(policy.maximum, delay))


def classify_status(status: int) -> Literal["delivered", "retry", "permanent"]:
    """2xx done; 408/425/429/5xx worth retrying; any other answer will not change by itself."""
    if 200 <= status < 300:
        return "delivered"
    if status in (408, 425, 429) or 500 <= status < 600:
        return "retry"
    return "permanent"


def judge_attempt(
    *,
    result: SendResult | None,
    failure: str = "",
    attempt: int,
    now: float,
    expires: float,
    policy: RetryPolicy,
    rand: float,
) -> Verdict:
    """Decide after one attempt: ``result`` is the answer, or ``failure`` says why there was none.

    A transport failure (refused, timed out, secret unreadable) is always
    retried: the message was accepted and must not be lost while the uplink is
    down. It expires only when its next try would fall after ``expires``.
    """
    if result is not None:
        kind = classify_status(result.status)
        if kind == "delivered":
            return Verdict("delivered", reason=f"HTTP {result.status}")
        reason = f"HTTP {result.status}" + (f": {result.error}" if result.error else "")
        if kind == "permanent":
            return Verdict("failed", reason=reason + " (not retried: fix the channel and resend)")
        retry_after = result.retry_after
    else:
        reason, retry_after = failure or "no answer", None
    next_at = now + backoff_delay(attempt, policy, rand, retry_after)
    if next_at > expires:
        return Verdict("expired", reason=f"{reason}; gave up after {attempt} attempts (message expired)")
    return Verdict("pending", next_at=next_at, reason=reason)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (HTTP dates are ignored)."""
    if value is None:
        return None
    text = value.strip()
    return float(text) if text.isdigit() else None
