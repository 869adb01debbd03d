"""The drill runner: expansion, timing, timeouts, missing kinds, audit, reports."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from oob_console.adapters.drill_reports_files import ReportFiles
from oob_console.core.drill import Plan, PlanStep, Step
from oob_console.errors import NotFoundError, UnavailableError
from oob_console.services.drill.ports import Outcome
from oob_console.services.drill.service import DrillService
from oob_console.services.drill.steps import narrow
from oob_console.wiring import Services


class Kind:
    def __init__(self, kind: str, targets: list[str], behaviour: str = "pass", sleep: float = 0.0) -> None:
        self.kind, self.available, self.behaviour, self.sleep = kind, targets, behaviour, sleep
        self.ran: list[str] = []

    def targets(self, spec: PlanStep) -> list[str]:
        return narrow(self.available, spec)

    def run(self, step: Step, operator: object = None) -> Outcome:
        self.ran.append(step.target)
        time.sleep(self.sleep)
        if self.behaviour == "raise":
            raise UnavailableError("refused", where=step.target)
        return Outcome(self.behaviour, f"{self.behaviour} {step.target}")  # type: ignore[arg-type]


def service(site: Path, *kinds: Kind, timeout: float = 5.0) -> DrillService:
    app = Services.from_config(str(site / "config.toml"))
    return DrillService(kinds={k.kind: k for k in kinds}, needs={"keys": "no key store in this build"},
                        reports=ReportFiles(site / "reports"), audit=app.audit, notify=None, site="test",
                        step_timeout=timeout)


PLAN = Plan("t", (PlanStep("doctor"), PlanStep("comms"), PlanStep("keys"), PlanStep("uplink")))


def test_a_run_times_every_step_reports_missing_kinds_and_writes_the_report(site: Path) -> None:
    doctor, comms = Kind("doctor", ["this host"], sleep=0.2), Kind("comms", ["a", "b"])
    svc = service(site, doctor, comms, Kind("uplink", []))
    report = svc.run(PLAN, "test")
    steps = [(s["kind"], s["target"], s["status"]) for s in report["steps"]]
    assert steps == [("doctor", "this host", "pass"), ("comms", "a", "pass"), ("comms", "b", "pass"),
                     ("keys", "", "missing"), ("uplink", "", "skipped")]
    assert report["steps"][0]["seconds"] >= 0.2
    assert report["verdict"] == "incomplete" and report["missing"] == {"keys": "no key store in this build"}
    md, data = svc.report()
    assert data["id"] == report["id"] and "no key store in this build" in md
    for f in report["files"]:
        assert Path(f).stat().st_mode & 0o777 == 0o600
    actions = [(e["action"], e["outcome"]) for e in svc.audit.show(action="drill.")]
    assert actions[0] == ("drill.start", "ok") and actions[-1] == ("drill.finish", "incomplete")
    assert ("drill.step", "missing") in actions and len(actions) == 2 + 5


def test_failures_exceptions_and_timeouts_fail_their_step_only(site: Path) -> None:
    svc = service(site, Kind("doctor", ["x"], "raise"), Kind("comms", ["slow"], sleep=2), Kind("uplink", ["u"]),
                  timeout=0.5)
    report = svc.run(Plan("t", (PlanStep("doctor"), PlanStep("comms"), PlanStep("uplink"))), "test")
    assert [s["status"] for s in report["steps"]] == ["fail", "fail", "pass"]
    assert report["steps"][0]["detail"] == "refused (x)"
    assert report["steps"][1]["detail"] == "did not finish within 0.5 s" and report["steps"][1]["seconds"] < 1.5
    assert report["verdict"] == "fail"
    assert svc.last_passing() is None


def test_dry_run_touches_nothing(site: Path) -> None:
    comms = Kind("comms", ["a"])
    svc = service(site, comms)
    before = (site / "audit.jsonl").read_bytes()
    report = svc.dry_run(PLAN, "test")
    assert [s["status"] for s in report["steps"]] == ["missing", "planned", "missing", "missing"]
    assert service(site, Kind("uplink", [])).dry_run(Plan("t", (PlanStep("uplink"),)), "t")["steps"][0][
        "status"] == "skipped"
    assert comms.ran == [] and (site / "audit.jsonl").read_bytes() == before
    assert not list((site / "reports").iterdir())


def test_plan_targets_must_exist(site: Path) -> None:
    svc = service(site, Kind("comms", ["a"]))
    with pytest.raises(NotFoundError):
        svc.run(Plan("t", (PlanStep("comms", targets=("zz",)),)), "test")


def test_last_passing_and_unique_report_names(site: Path) -> None:
    svc = service(site, Kind("comms", ["a"]))
    plan = Plan("t", (PlanStep("comms"),))
    first, second = svc.run(plan, "test"), svc.run(plan, "test")
    assert first["id"] != second["id"] and first["verdict"] == "pass"
    last = svc.last_passing()
    assert last is not None and last["id"] == second["id"] and last["days_ago"] == 0.0
    assert [r["id"] for r in svc.list_reports()] == [second["id"], first["id"]]
