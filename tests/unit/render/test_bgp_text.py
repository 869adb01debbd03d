"""BGP text: what an execution did, and the drill's failure detail built from the same stages."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from oob_console.core.bgp.stages import Stage, unfinished
from oob_console.render.bgp import execution_lines
from oob_console.services.bgp import Execution
from oob_console.services.drill.bgp_steps import BgpDrillPrefixStep


def execution(stages: dict[tuple[str, str], dict[str, Stage]]) -> Execution:
    intent = SimpleNamespace(id="bgp-1", summary=lambda: "announce 203.0.113.0/24 origin AS64500 via bird")
    return Execution(record=SimpleNamespace(intent=intent, status="failed"), rows=[],  # type: ignore[arg-type]
                     stages=stages)


MIXED = execution({
    ("bird", "203.0.113.0/24"): {"accepted": Stage("accepted", "done", 0.01, 1),
                                 "advertised": Stage("advertised", "timeout", 15.0, 2, "not in the adj-RIB-out")},
    ("aws", "203.0.113.0/24"): {"accepted": Stage("accepted", "failed", 0.5, 10, "denied"),
                                "advertised": Stage("advertised", "skipped", None, 0, "n/a"),
                                "visible": Stage("visible", "pending")},
})


def test_execution_lines_show_every_stage_a_missing_one_pending() -> None:
    lines = execution_lines(MIXED)
    assert lines[0] == "bgp-1 NOT ACCEPTED: announce 203.0.113.0/24 origin AS64500 via bird"
    assert lines[1:5] == ["  bird 203.0.113.0/24", "    " + MIXED.stages[("bird", "203.0.113.0/24")]["accepted"].line(),
                          "    " + MIXED.stages[("bird", "203.0.113.0/24")]["advertised"].line(),
                          "    accepted by upstream     PENDING"]


def test_the_outcome_is_done_only_on_evidence_from_the_upstream_side() -> None:
    def one(state: str, proof: str = "") -> Execution:
        return execution({("bird", "203.0.113.0/24"): {
            "accepted": Stage("accepted", "done", 0.01, 1, proof="ExaBGP's ack"),
            "advertised": Stage("advertised", "done", 0.02, 2, proof="our session's adj-RIB-out (ExaBGP)"),
            "visible": Stage("visible", state, 1.0, 10, "evidence", proof=proof)}})

    done = one("done", "the upstream's own view lg")
    assert done.ok and done.outcome == "DONE"
    assert "ACCEPTED" in execution_lines(done)[1] and "[by the upstream's own view lg]" in execution_lines(done)[4]
    for state, outcome in (("rejected", "NOT ACCEPTED"), ("unconfirmed", "UNCONFIRMED"), ("skipped", "INCOMPLETE"),
                           ("timeout", "INCOMPLETE")):
        ex = one(state)
        assert not ex.ok and ex.outcome == outcome, state


def test_unfinished_stages_are_the_lines_the_drill_reports() -> None:
    # What the drill step once picked out of the rendered lines by their words, it now takes by state.
    by_words = [line.strip() for line in execution_lines(MIXED)
                if "FAILED" in line or "TIMEOUT" in line or "PENDING" in line]
    by_state = [line.strip() for stages in MIXED.stages.values() for line in unfinished(stages)]
    assert by_state == by_words and len(by_state) == 4


def test_the_drill_step_names_the_first_three_unfinished_stages() -> None:
    done = execution({("bird", "192.0.2.0/24"): {n: Stage(n, "done", 0.1, 1) for n in ("accepted", "advertised",
                                                                                       "visible")}})
    svc: Any = SimpleNamespace(settings=SimpleNamespace(drill_prefix="192.0.2.0/24"),
                               drill=lambda target: (MIXED, done))
    outcome = BgpDrillPrefixStep(lambda: svc).run(SimpleNamespace(target="bird"))  # type: ignore[arg-type]
    by_words = [line.strip() for line in execution_lines(MIXED)
                if "FAILED" in line or "TIMEOUT" in line or "PENDING" in line]
    assert outcome.status == "fail" and outcome.detail == "; ".join(by_words[:3])
