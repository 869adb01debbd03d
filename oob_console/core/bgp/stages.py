"""Staged confirmation: taken by our speaker/backend, sent on our session, accepted by the upstream.

Each stage has an expected time per backend (seconds for a BGP session, minutes
for a provider API) and a deadline after which it is reported as *not done in
time*, never as success, and each says what proved it. The last stage
(``visible``) is the one that counts: only evidence from the upstream's side
makes it ``done`` (ACCEPTED): the upstream's own view (its looking glass or
route-server API), public route collectors, a feed carrying the prefix back.
``rejected`` (NOT ACCEPTED): the upstream's own view shows it absent after its
expected time. ``unconfirmed`` (UNCONFIRMED): no source can tell, because none
is configured or none answered by the deadline. Neither is ``done``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from oob_console.core.bgp.intent import format_seconds

StageName = Literal["accepted", "advertised", "visible"]
STAGES: tuple[StageName, ...] = ("accepted", "advertised", "visible")
StageState = Literal["done", "pending", "timeout", "failed", "skipped", "rejected", "unconfirmed"]

STAGE_TITLES = {
    "accepted": "taken by our speaker",
    "advertised": "sent on our session",
    "visible": "accepted by upstream",
}
# What proves the first two stages, per backend (the last stage names its source itself).
PROOF: dict[str, dict[str, str]] = {
    "exabgp": {"accepted": "ExaBGP's ack", "advertised": "our session's adj-RIB-out (ExaBGP)"},
    "router": {"accepted": "the router's commit", "advertised": "the router's own BGP table"},
    "cloudflare": {"accepted": "Cloudflare's API answer", "advertised": "Cloudflare's advertisement status"},
    "aws": {"accepted": "the AWS API answer", "advertised": "AWS's BYOIP CIDR state"},
}
# What the route's outcome is called, from its last stage's state.
OUTCOME = {"done": "ACCEPTED", "rejected": "NOT ACCEPTED", "unconfirmed": "UNCONFIRMED"}

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
    proof: str = ""  # what proved it: "ExaBGP's ack", "upstream's own view: lg-a", "route collector: ris"...

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state,
                "elapsed_s": None if self.elapsed is None else round(self.elapsed, 3),
                "expected_s": self.expected, "detail": self.detail, "at": self.at, "proof": self.proof}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stage:
        return cls(str(data["name"]), data["state"], data.get("elapsed_s"), float(data.get("expected_s", 0)),
                   str(data.get("detail", "")), data.get("at"), str(data.get("proof", "")))

    def line(self) -> str:
        took = "" if self.elapsed is None else f" after {format_seconds(self.elapsed)}"
        detail = f": {self.detail}" if self.detail else ""
        proof = f" [by {self.proof}]" if self.proof else ""
        word = OUTCOME.get(self.state, self.state.upper()) if self.name == "visible" else self.state.upper()
        return (f"{STAGE_TITLES.get(self.name, self.name):<24} {word:<8}{took} "
                f"(expected ~{format_seconds(self.expected)}){proof}{detail}")


def stage_line(name: str, stage: Stage | None) -> str:
    """``stage``'s line, or ``PENDING`` under the stage's title when it has not been reached at all."""
    return stage.line() if stage is not None else f"{STAGE_TITLES[name]:<24} PENDING"


def unfinished(stages: dict[str, Stage]) -> list[str]:
    """The lines of the stages not done in order (failed, timed out, pending, or never reached)."""
    return [stage_line(n, stages.get(n)) for n in STAGES
            if stages.get(n) is None or stages[n].state in ("failed", "timeout", "pending", "rejected",
                                                            "unconfirmed")]


def pending(name: str, backend: str, expected: float | None = None) -> Stage:
    return Stage(name, "pending", expected=expected if expected is not None else EXPECTED[backend][name])


def all_done(stages: dict[str, Stage]) -> bool:
    """True when every stage is done: the upstream's side confirmed it (skipped or unconfirmed is not done)."""
    return all(stages.get(n) is not None and stages[n].state == "done" for n in STAGES)


def worst(stages: dict[str, Stage]) -> StageState:
    """The state that sums up a change: failed > rejected > timeout > pending > unconfirmed > skipped > done."""
    order: tuple[StageState, ...] = ("failed", "rejected", "timeout", "pending", "unconfirmed", "skipped", "done")
    present = {s.state for s in stages.values()} or {"pending"}
    return next(s for s in order if s in present)
