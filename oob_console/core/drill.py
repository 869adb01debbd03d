"""The break-glass drill as values: the plan, each step's result, the verdict, the report.

A plan names step *kinds* in order; the drill service expands each into one
step per target (every channel, every console port, ...) and runs them. A kind
this build cannot drill is never faked: its step is ``missing`` and the report
says what it needs. The verdict is ``pass`` only when every planned step
passed; ``fail`` when any failed; otherwise ``incomplete``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

StepStatus = Literal["pass", "fail", "skipped", "missing", "planned"]
Verdict = Literal["pass", "fail", "incomplete", "planned"]

# Every kind of recovery path a drill exercises, in the default order, and what it proves.
KINDS: dict[str, str] = {
    "doctor": "nothing the console needs crosses production (oob doctor)",
    "uplink": "the OOB uplink carries TCP to each uplink target",
    "console-ports": "each console-server port wakes up and shows a prompt",
    "ssh-devices": "each device answers over SSH with its pinned host key",
    "keys": "each enrolled hardware key signs when its holder touches it",
    "bgp-sessions": "each BGP session to an upstream is established",
    "bgp-drill-prefix": "the drill prefix is announced and withdrawn through each backend, confirmed upstream",
    "comms": "a test message reaches each comms channel",
    "freshness": "store, VRP file, inventory and runbooks are fresh",
}


@dataclass(frozen=True)
class PlanStep:
    """One entry of a plan file (``[[steps]]``)."""

    kind: str
    targets: tuple[str, ...] = ()  # only these (channel names, device names, HOST:PORT); empty = all
    timeout: float = field(default=0.0, metadata={"min": 0, "max": 3600})  # 0 = drill.step_timeout

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} is not one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Plan:
    name: str = "break-glass drill"
    steps: tuple[PlanStep, ...] = ()

    def validate(self) -> None:
        if not self.steps:
            raise ValueError("steps: a plan needs at least one [[steps]] table")


def default_plan() -> Plan:
    return Plan("break-glass drill (every step)", tuple(PlanStep(kind) for kind in KINDS))


@dataclass(frozen=True)
class Step:
    """One concrete step: a kind and one target."""

    kind: str
    target: str
    timeout: float

    @property
    def label(self) -> str:
        return f"{self.kind} {self.target}".strip()


@dataclass(frozen=True)
class StepResult:
    kind: str
    target: str
    status: StepStatus
    seconds: float
    detail: str
    started: str = ""  # ISO time
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def verdict(results: list[StepResult]) -> Verdict:
    statuses = {r.status for r in results}
    if not results or statuses == {"planned"}:
        return "planned"
    if "fail" in statuses:
        return "fail"
    return "pass" if statuses == {"pass"} else "incomplete"


def counts(results: list[StepResult]) -> dict[str, int]:
    return {s: sum(1 for r in results if r.status == s) for s in ("pass", "fail", "skipped", "missing")}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_id(started: float) -> str:
    return "drill-" + datetime.fromtimestamp(started, UTC).strftime("%Y%m%dT%H%M%SZ")


def build_report(*, drill_id: str, site: str, actor: str, plan: Plan, plan_source: str, started: float,
                 finished: float, results: list[StepResult], needs: dict[str, str]) -> dict[str, Any]:
    """The JSON report (the Markdown is rendered from it)."""
    planned = {s.kind for s in plan.steps}
    missing = {r.kind for r in results if r.status == "missing"}
    return {
        "id": drill_id, "site": site, "actor": actor, "plan": plan.name, "plan_source": plan_source,
        "started": iso(started), "finished": iso(finished), "seconds": round(finished - started, 3),
        "verdict": verdict(results), "counts": counts(results),
        "steps": [r.to_json() for r in results],
        "missing": {k: needs.get(k, "not in this build") for k in KINDS if k in missing},
        "not_in_plan": [k for k in KINDS if k not in planned],
    }


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_markdown(report: dict[str, Any]) -> str:
    c = report["counts"]
    lines = [
        f"# Break-glass drill, site {report['site']}: {report['verdict'].upper()}",
        "",
        f"- drill: `{report['id']}`",
        f"- plan: {report['plan']} ({report['plan_source']})",
        f"- run by: {report['actor']}",
        f"- started {report['started']}, finished {report['finished']} ({report['seconds']:.1f} s)",
        f"- steps: {c['pass']} passed, {c['fail']} failed, {c['skipped']} skipped, {c['missing']} missing",
        "",
        "| # | step | target | result | time | detail |",
        "|---|---|---|---|---|---|",
    ]
    for i, s in enumerate(report["steps"], start=1):
        lines.append(f"| {i} | {s['kind']} | {_cell(s['target']) or '-'} | {s['status']} | {duration(s['seconds'])} "
                     f"| {_cell(s['detail'])} |")
    failed = [s for s in report["steps"] if s["status"] == "fail"]
    if failed:
        lines += ["", "## Failed", ""]
        lines += [f"- **{s['kind']} {s['target']}**: {s['detail']}" for s in failed]
    if report["missing"]:
        lines += ["", "## Not drilled: this build cannot do it yet", ""]
        lines += [f"- **{k}** ({KINDS[k]}): {why}" for k, why in report["missing"].items()]
    if report["not_in_plan"]:
        lines += ["", "## Not in this plan", ""]
        lines += [f"- {k}: {KINDS[k]}" for k in report["not_in_plan"]]
    return "\n".join(lines) + "\n"
