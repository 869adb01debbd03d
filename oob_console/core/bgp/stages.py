"""Staged confirmation: accepted by the backend, advertised to the peer, visible upstream.

Each stage has an expected time per backend (seconds for a BGP session, minutes
for a provider API) and a deadline after which it is reported as *not done in
time*, never as success. A stage that cannot be checked (no looking glass
configured) is ``skipped``, which is not ``done`` either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from oob_console.core.bgp.intent import format_seconds

StageName = Literal["accepted", "advertised", "visible"]
STAGES: tuple[StageName, ...] = ("accepted", "advertised", "visible")
StageState = Literal["done", "pending", "timeout", "failed", "skipped"]

STAGE_TITLES = {
    "accepted": "accepted by the backend",
    "advertised": "advertised to the peer",
    "visible": "visible upstream",
}

# Seconds: what to expect (shown next to the elapsed time) and when to give up.
# BGP sessions: in the lab ExaBGP acks in 1-2 ms and the route is in BIRD ~10 ms
# later (docs/development.md, "BGP upstreams: BIRD, FRR and our ExaBGP").
# Cloudflare documents 2-7 minutes to advertise (15 to withdraw); AWS "a few
# minutes" of BGP propagation.
EXPECTED: dict[str, dict[str, float]] = {
    "exabgp": {"accepted": 1, "advertised": 2, "visible": 10},
    "router": {"accepted": 30, "advertised": 60, "visible": 120},
    "cloudflare": {"accepted": 10, "advertised": 420, "visible": 900},
    "aws": {"accepted": 10, "advertised": 300, "visible": 900},
}
DEADLINE: dict[str, dict[str, float]] = {
    "exabgp": {"accepted": 5, "advertised": 15, "visible": 120},
    "router": {"accepted": 90, "advertised": 180, "visible": 600},
    "cloudflare": {"accepted": 60, "advertised": 900, "visible": 1800},
    "aws": {"accepted": 60, "advertised": 900, "visible": 1800},
}


@dataclass(frozen=True)
class Stage:
    """One stage of one (upstream, prefix) change."""

    name: str
    state: StageState
    elapsed: float | None = None  # seconds since the change was sent, when it completed or gave up
    expected: float = 0.0
    detail: str = ""
    at: float | None = None  # unix time it reached this state

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state,
                "elapsed_s": None if self.elapsed is None else round(self.elapsed, 3),
                "expected_s": self.expected, "detail": self.detail, "at": self.at}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stage:
        return cls(str(data["name"]), data["state"], data.get("elapsed_s"), float(data.get("expected_s", 0)),
                   str(data.get("detail", "")), data.get("at"))

    def line(self) -> str:
        took = "" if self.elapsed is None else f" after {format_seconds(self.elapsed)}"
        detail = f": {self.detail}" if self.detail else ""
        return (f"{STAGE_TITLES.get(self.name, self.name):<24} {self.state.upper():<8}{took} "
                f"(expected ~{format_seconds(self.expected)}){detail}")


def stage_line(name: str, stage: Stage | None) -> str:
    """``stage``'s line, or ``PENDING`` under the stage's title when it has not been reached at all."""
    return stage.line() if stage is not None else f"{STAGE_TITLES[name]:<24} PENDING"


def unfinished(stages: dict[str, Stage]) -> list[str]:
    """The lines of the stages not done in order (failed, timed out, pending, or never reached)."""
    return [stage_line(n, stages.get(n)) for n in STAGES
            if stages.get(n) is None or stages[n].state in ("failed", "timeout", "pending")]


def pending(name: str, backend: str, expected: float | None = None) -> Stage:
    return Stage(name, "pending", expected=expected if expected is not None else EXPECTED[backend][name])


def all_done(stages: dict[str, Stage]) -> bool:
    """True when every stage is done, or skipped because it cannot be checked."""
    return all(stages.get(n) is not None and stages[n].state in ("done", "skipped") for n in STAGES)


def worst(stages: dict[str, Stage]) -> StageState:
    """The state that sums up a change: failed > timeout > pending > skipped > done."""
    order: tuple[StageState, ...] = ("failed", "timeout", "pending", "skipped", "done")
    present = {s.state for s in stages.values()} or {"pending"}
    return next(s for s in order if s in present)
