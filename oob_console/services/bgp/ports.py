"""Ports of the emergency BGP service: what it needs from the outside world.

Adapters implement these (``adapters/bgp/*``, ``adapters/providers/*``); the
service and the supervisor only see the Protocols. Every method that talks to
something names the errors it raises; none lets a library exception through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from oob_console.core.bgp.desired import Change, Key, RouteRow
from oob_console.core.bgp.intent import BgpIntent
from oob_console.core.bgp.preflight import VrpSnapshot
from oob_console.core.bgp.stages import Stage

IntentStatus = Literal["pending", "executing", "done", "failed", "refused", "expired", "cancelled"]
OPEN_STATUSES: tuple[IntentStatus, ...] = ("pending", "executing")


@dataclass(frozen=True)
class IntentRecord:
    intent: BgpIntent
    status: IntentStatus
    ticket: str  # the intent's ID in the approvals store, equal to intent.id ("" when no approvals are required)
    created: float
    updated: float
    preflight: dict[str, Any] = field(default_factory=dict)  # the report shown when it was planned
    result: dict[str, Any] = field(default_factory=dict)  # what execution did

    def to_json(self) -> dict[str, Any]:
        return {"id": self.intent.id, "status": self.status, "ticket": self.ticket or None,
                "summary": self.intent.summary(), "digest": self.intent.digest(),
                "intent": self.intent.payload(), "created": self.created, "updated": self.updated,
                "preflight": self.preflight, "result": self.result}


@dataclass(frozen=True)
class ApprovalStatus:
    ticket: str
    state: str  # pending | approved | expired | cancelled | executing | executed | failed
    have: int = 0
    need: int = 0
    approvers: tuple[str, ...] = ()
    detail: str = ""

    @property
    def approved(self) -> bool:
        return self.state == "approved"

    @property
    def quorum_met(self) -> bool:
        """Approved, or already taken to run (by the supervisor, or another console)."""
        return self.state in ("approved", "executing", "executed", "failed")

    @property
    def closed(self) -> bool:
        """No approval can change it any more."""
        return self.state not in ("pending",)


NO_QUORUM = ApprovalStatus("", "approved")  # bgp.approvals_required = 0 (labs and drills)


@dataclass(frozen=True)
class SessionInfo:
    upstream: str
    peer: str
    state: str  # "up", "connected", "down", "unknown", or a provider/router's own word
    since: float | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"upstream": self.upstream, "peer": self.peer, "state": self.state, "since": self.since,
                "detail": self.detail}


class BgpJournal(Protocol):
    """Durable intents and desired routes (survives kill -9 and power loss)."""

    def add_intent(self, record: IntentRecord) -> None:
        """Store a new intent.

        Raises:
            ConflictError: an intent with this id exists.
            StorageError: not written.
        """
        ...

    def intent(self, intent_id: str) -> IntentRecord:
        """Raises:
        NotFoundError: no such intent.
        StorageError: unreadable.
        """
        ...

    def intents(self, statuses: Sequence[IntentStatus] | None = None) -> list[IntentRecord]:
        """Newest first. Raises StorageError."""
        ...

    def transition(self, intent_id: str, allowed: Sequence[IntentStatus], to: IntentStatus, *,
                   result: dict[str, Any] | None = None) -> bool:
        """Move to ``to`` only from one of ``allowed`` (atomic); False if it was not there.

        Raises:
            StorageError: not written.
        """
        ...

    def apply(self, intent: BgpIntent, now: float) -> list[RouteRow]:
        """Make the intent the desired state of its (upstream, prefix) rows; new generations.

        Raises:
            StorageError: not written (nothing changed).
        """
        ...

    def routes(self) -> list[RouteRow]:
        """Every desired-route row. Raises StorageError."""
        ...

    def record_stage(self, key: Key, generation: int, stage: Stage) -> bool:
        """Record a stage of this generation; never downgrades a done stage. Raises StorageError."""
        ...

    def expire(self, now: float) -> list[RouteRow]:
        """Mark announced rows whose lease passed as withdrawn (atomic); the new rows. Raises StorageError."""
        ...

    def last_calls(self) -> dict[str, float]:
        """Upstream -> unix time of the last provider call. Raises StorageError."""
        ...

    def note_call(self, upstream: str, when: float) -> None:
        """Raises StorageError."""
        ...


class Approvals(Protocol):
    """The quorum: fresh hardware-key approvals over an action's exact bytes (the credential store)."""

    def open(self, *, action: str, params: dict[str, Any], lifetime: float) -> str:
        """Ask for approvals of ``action`` with ``params`` (its exact bytes are what approvers sign).

        Returns the ticket (the approvals' intent id).

        Raises:
            UsageError: the action or params are not acceptable.
            StorageError / AuditWriteError: nothing was requested.
        """
        ...

    def status(self, ticket: str) -> ApprovalStatus:
        """Raises:
        NotFoundError: unknown ticket.
        StorageError: unreadable.
        """
        ...

    def resolve(self, ref: str) -> str:
        """The short ID of the intent ``ref`` (a short ID or the full hash) names.

        Raises:
            NotFoundError: no such intent.
        """
        ...

    def claim(self, ticket: str) -> dict[str, Any]:
        """Start executing a BGP intent, once ever, re-checking that the approvers are still valid.

        Returns the params the approvers signed (the BGP intent's payload).

        Raises:
            RefusedError: not approved, expired, not a BGP action, or already claimed.
        """
        ...

    def finish(self, ticket: str, *, ok: bool, result: dict[str, Any]) -> None:
        """Record the outcome on the ticket. Raises ConflictError, StorageError."""
        ...

    def cancel(self, ticket: str) -> None:
        """Close an open ticket. Raises ConflictError (no longer open), AuthError, StorageError."""
        ...


class RouteBackend(Protocol):
    """Carries desired rows out to one kind of upstream and reports the stages it can see."""

    kind: str

    def apply(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        """Announce or withdraw each row (as ``row.desired`` says); the accepted stage of each.

        A row that could not be carried out gets a ``failed`` stage with the reason,
        never an exception, so one bad upstream does not stop the others.
        """
        ...

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        """Whether each row has reached the peer now: done, pending or failed."""
        ...

    def sessions(self) -> list[SessionInfo]:
        """What the backend knows about its sessions or provider state."""
        ...


class LookingGlass(Protocol):
    def visible(self, prefix: str, origin_as: int) -> tuple[bool, str]:
        """Is the prefix seen with this origin, and the evidence.

        Raises:
            UnavailableError: the looking glass gave no usable answer (DeadlineError: it timed out).
            ConfigError: its URL is malformed.
        """
        ...


SourceKind = Literal["upstream", "collector", "feed"]
# Strongest first: the upstream's own view, public route collectors, a second upstream's feed.
SOURCE_KINDS: tuple[SourceKind, ...] = ("upstream", "collector", "feed")
SOURCE_TITLES = {"upstream": "the upstream's own view", "collector": "route collector", "feed": "feed via"}


@dataclass(frozen=True)
class ConfirmSource:
    """Where evidence that an upstream took (or dropped) our route can come from."""

    name: str
    kind: SourceKind
    source: LookingGlass

    @property
    def title(self) -> str:
        return f"{SOURCE_TITLES[self.kind]} {self.name}"


@dataclass(frozen=True)
class FeedRoutes:
    """What one of our sessions received for one prefix: the session's state and the AS path, if any."""

    upstream: str
    up: bool
    detail: str  # the session's state in words
    path: tuple[int, ...] | None  # None: not received (or withdrawn)


class ReceivedRoutes(Protocol):
    """The routes our ExaBGP sessions receive (the supervisor keeps them; the CLI asks it)."""

    def received(self, upstream: str, prefix: str) -> FeedRoutes:
        """What ``upstream``'s session received for ``prefix`` now.

        Raises:
            UnavailableError: nobody can tell (the speaker is not running, or does not watch that session).
        """
        ...


class VrpSource(Protocol):
    def load(self, now: float) -> VrpSnapshot:
        """The VRP snapshot, or why it is unusable (never raises)."""
        ...


class Speaker(Protocol):
    """The managed BGP speaker process, seen from the supervisor."""

    def ensure_running(self) -> str | None:
        """Start it if it is not running; a sentence saying what happened, or None.

        Raises:
            UnavailableError: it cannot be started (the supervisor retries).
        """
        ...

    def generation(self) -> int:
        """Bumps every time a new speaker process starts (what it has sent is gone)."""
        ...

    def send(self, changes: Sequence[Change]) -> dict[Key, Stage]:
        """Send changes one by one and read every acknowledgement; accepted stage per key."""
        ...

    def sessions(self) -> list[SessionInfo]:
        ...

    def received(self, upstream: str, prefix: str) -> FeedRoutes:
        """What ``upstream``'s session received for ``prefix`` (sessions named as feeds only).

        Raises:
            UnavailableError: that session's received routes are not watched.
        """
        ...

    def adj_rib_out(self) -> set[Key]:
        """(upstream, prefix) in the speaker's adj-RIB-out now.

        Raises:
            UnavailableError: the speaker did not answer.
        """
        ...

    def stop(self) -> None:
        ...
