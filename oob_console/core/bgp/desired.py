"""Desired state: which routes should be out there now, and what to change to get there.

The journal holds one :class:`RouteRow` per (upstream, prefix). Every change to
a row bumps its ``generation``, so a speaker that re-sends the row, or a stage
recorded for it, always refers to one exact version. A row whose lease has
passed is no longer desired, even if nothing has withdrawn it yet (the console
was down): that is what makes leases hold across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from oob_console.core.bgp.intent import RouteSpec
from oob_console.core.bgp.stages import Stage

Desired = Literal["announced", "withdrawn"]
Key = tuple[str, str]  # (upstream, prefix)


@dataclass(frozen=True)
class RouteRow:
    upstream: str
    prefix: str
    desired: Desired
    route: RouteSpec
    intent_id: str
    generation: int
    changed_at: float  # unix time of the change (the stage clock starts here)
    lease_expires: float | None = None
    stages: Mapping[str, Stage] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.upstream, self.prefix)

    def live(self, now: float) -> bool:
        """Should this route be announced at ``now``?"""
        return self.desired == "announced" and (self.lease_expires is None or self.lease_expires > now)

    def to_json(self) -> dict[str, Any]:
        return {"upstream": self.upstream, "prefix": self.prefix, "desired": self.desired,
                "route": self.route.to_json(), "intent_id": self.intent_id, "generation": self.generation,
                "changed_at": self.changed_at, "lease_expires": self.lease_expires,
                "stages": {k: v.to_json() for k, v in self.stages.items()}}


@dataclass(frozen=True)
class Change:
    op: Literal["announce", "withdraw"]
    upstream: str
    route: RouteSpec
    generation: int


def expired(rows: Iterable[RouteRow], now: float) -> list[RouteRow]:
    """Announced rows whose lease has run out."""
    return [r for r in rows if r.desired == "announced" and r.lease_expires is not None and r.lease_expires <= now]


def speaker_changes(rows: Iterable[RouteRow], sent: Mapping[Key, tuple[int, RouteSpec]], now: float) -> list[Change]:
    """What a speaker must send so that what it has out matches ``rows``.

    ``sent`` is what this speaker process has announced (generation, route) and
    not withdrawn since it started. A fresh speaker has sent nothing, so every
    live row is announced again: the journal re-applied.
    """
    changes: list[Change] = []
    seen: set[Key] = set()
    for row in rows:
        seen.add(row.key)
        have = sent.get(row.key)
        if row.live(now):
            if have is None or have[0] != row.generation or have[1] != row.route:
                changes.append(Change("announce", row.upstream, row.route, row.generation))
        elif have is not None:
            changes.append(Change("withdraw", row.upstream, row.route, row.generation))
    for key, (gen, route) in sent.items():
        if key not in seen:  # a row that vanished from the journal is not desired
            changes.append(Change("withdraw", key[0], route, gen))
    return changes
