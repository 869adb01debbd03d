"""Ports of the notify service: the durable outbox and the channels it delivers to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from oob_console.core.notice import DeliveryState, Notice, SendResult


@dataclass(frozen=True)
class Claim:
    """One delivery (a notice to one channel) taken for one attempt."""

    notice: Notice
    channel: str
    attempt: int  # 1 for the first try
    expires: float


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as the status view shows it."""

    message_id: str
    channel: str
    state: DeliveryState
    attempts: int
    created: float
    next_at: float | None
    last_error: str
    remote_id: str
    done_at: float | None
    severity: str
    kind: str
    text: str


class Outbox(Protocol):
    def add(self, notice: Notice, channels: Sequence[str], expires: float) -> None:
        """Store the notice and one pending delivery per channel, durably, before returning.

        Raises:
            StorageError: nothing was stored.
        """
        ...

    def claim_due(self, now: float, lease: float, *, message_id: str | None = None, limit: int = 16) -> list[Claim]:
        """Take up to ``limit`` pending deliveries due at ``now`` (not held by another process) for ``lease`` s.

        The attempt is counted when it is claimed, so a crash mid-send still
        counts as one. Raises:
            StorageError: the outbox cannot be read or written.
        """
        ...

    def settle(
        self, claim: Claim, state: DeliveryState, *, now: float, next_at: float | None, error: str, remote_id: str
    ) -> None:
        """Record the outcome of an attempt and release the claim.

        Raises:
            StorageError: the outcome was not recorded (the delivery stays claimed until its lease ends).
        """
        ...

    def rows(self, *, include_done: bool, limit: int) -> list[DeliveryRow]:
        """Deliveries, newest message first.

        Raises:
            StorageError: the outbox cannot be read.
        """
        ...

    def next_due(self, *, message_id: str | None = None) -> float | None:
        """When the earliest pending delivery (of ``message_id``) may next be tried (None: nothing pending).

        Raises:
            StorageError: the outbox cannot be read.
        """
        ...


class Channel(Protocol):
    name: str
    kind: str
    min_severity: str

    def send(self, notice: Notice) -> SendResult:
        """Deliver ``notice`` once, using ``notice.id`` as the channel's idempotency key.

        Returns whatever HTTP status the far end answered. Raises:
            UnavailableError: no answer (refused, reset, unreachable); retried.
            DeadlineError: no answer in time; retried.
            ConfigError: the channel's secret cannot be read; retried until it can.
        """
        ...

    def endpoint(self) -> str:
        """The URL this channel sends to, without secrets (for status and doctor).

        Raises:
            ConfigError: the URL is a secret that cannot be read.
        """
        ...
