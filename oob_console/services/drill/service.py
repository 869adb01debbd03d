"""`oob drill`: run every recovery path end to end, time each step, keep a report.

The service expands a plan into steps through the registered step kinds
(``services.drill_steps`` and whatever other services register in bootstrap),
runs them one after another with a per-step timeout, audits every step and
writes a Markdown and a JSON report. A kind with no registered runner is
reported ``missing`` with what it needs: never skipped silently, never faked.
"""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from oob_console.core.counting import counted
from oob_console.core.drill import (
    KINDS,
    Plan,
    Step,
    StepResult,
    build_report,
    iso,
    render_markdown,
    report_id,
)
from oob_console.errors import NotFoundError, OobError
from oob_console.services.audit.service import AuditService
from oob_console.services.drill.ports import Operator, Outcome, ReportStore, StepKind
from oob_console.services.notify.service import NotifyService

DAY = 86400.0


@dataclass
class DrillService:
    kinds: Mapping[str, StepKind]
    needs: Mapping[str, str]  # kind -> what this build lacks to drill it
    reports: ReportStore
    audit: AuditService
    notify: NotifyService | None
    site: str
    step_timeout: float = 60.0
    clock: Callable[[], float] = time.time

    def expand(self, plan: Plan) -> list[Step]:
        """The concrete steps of ``plan``; reads config only.

        Raises:
            NotFoundError: a plan step names a target that is not configured.
        """
        steps = []
        for spec in plan.steps:
            timeout = spec.timeout or self.step_timeout
            kind = self.kinds.get(spec.kind)
            if kind is None:
                steps.append(Step(spec.kind, ", ".join(spec.targets), timeout))
                continue
            targets = kind.targets(spec)
            steps += [Step(spec.kind, t, timeout) for t in targets] or [Step(spec.kind, "", timeout)]
        return steps

    def _needs(self, kind: str) -> str:
        return self.needs.get(kind, "no runner for this kind is registered in this build")

    def _run_step(self, step: Step, operator: Operator | None) -> StepResult:
        started = self.clock()
        kind = self.kinds.get(step.kind)
        if kind is None:
            return StepResult(step.kind, step.target, "missing", 0.0, f"not drilled: {self._needs(step.kind)}",
                              iso(started))
        if not step.target:
            return StepResult(step.kind, "", "skipped", 0.0, "nothing of this kind is configured", iso(started))
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                box["outcome"] = kind.run(step, operator)
            except OobError as exc:
                box["outcome"] = Outcome("fail", exc.one_line())
            except BaseException as exc:  # a bug: carried to the caller's thread, not swallowed  # noqa: BLE001
                box["bug"] = exc

        t0 = time.monotonic()
        worker = threading.Thread(target=work, name=f"drill-{step.kind}", daemon=True)
        worker.start()
        worker.join(step.timeout)
        seconds = time.monotonic() - t0
        if "bug" in box:
            raise box["bug"]
        outcome: Outcome = box.get("outcome") or Outcome("fail", f"did not finish within {step.timeout:g} s")
        return StepResult(step.kind, step.target, outcome.status, round(seconds, 4), outcome.detail, iso(started),
                          outcome.data)

    def _planned(self, s: Step) -> StepResult:
        if s.kind not in self.kinds:
            return StepResult(s.kind, s.target, "missing", 0.0, f"not drilled: {self._needs(s.kind)}")
        if not s.target:
            return StepResult(s.kind, "", "skipped", 0.0, "nothing of this kind is configured")
        return StepResult(s.kind, s.target, "planned", 0.0, KINDS[s.kind])

    def dry_run(self, plan: Plan, source: str) -> dict[str, Any]:
        """What a run of ``plan`` would do; touches nothing (no audit, no report, no network)."""
        now = self.clock()
        results = [self._planned(s) for s in self.expand(plan)]
        return build_report(drill_id=report_id(now) + "-dry-run", site=self.site, actor=self.audit.actor, plan=plan,
                            plan_source=source, started=now, finished=now, results=results, needs=dict(self.needs))

    def run(self, plan: Plan, source: str, *, on_step: Callable[[StepResult], None] | None = None,
            operator: Operator | None = None) -> dict[str, Any]:
        """Run ``plan`` now; the report is written and audited before this returns.

        ``operator`` is the person at the console (None: unattended; steps that
        need a person, like touching keys, report their targets untested).

        Raises:
            AuditWriteError: the drill (or a step) could not be audited; the drill stopped there.
            StorageError: the report could not be written (recorded as a failed drill.finish).
            NotFoundError: a plan step names a target that is not configured.
        """
        steps = self.expand(plan)
        started = self.clock()
        drill_id = self._unique_id(started)
        self.audit.record("drill.start", target=drill_id, details={"plan": plan.name, "source": source,
                                                                   "steps": [s.label for s in steps]})
        self._notice(f"break-glass drill {drill_id} started: {counted(len(steps), 'step')}", "info")
        results: list[StepResult] = []
        for step in steps:
            result = self._run_step(step, operator)
            self.audit.record("drill.step", target=drill_id, outcome=result.status,
                              details={"kind": step.kind, "target": step.target, "seconds": result.seconds,
                                       "detail": result.detail})
            results.append(result)
            if on_step is not None:
                on_step(result)
        report = build_report(drill_id=drill_id, site=self.site, actor=self.audit.actor, plan=plan,
                              plan_source=source, started=started, finished=self.clock(), results=results,
                              needs=dict(self.needs))
        try:
            report["files"] = self.reports.write(drill_id, render_markdown(report), report)
        except OobError as exc:
            self.audit.record("drill.finish", target=drill_id, outcome="failed",
                              details={"verdict": report["verdict"], "error": exc.message})
            raise
        self.audit.record("drill.finish", target=drill_id, outcome=report["verdict"],
                          details={"counts": report["counts"], "files": report["files"]})
        level = "info" if report["verdict"] == "pass" else "warning"
        c = report["counts"]
        self._notice(f"break-glass drill {drill_id}: {report['verdict']} ({c['pass']} passed, {c['fail']} failed, "
                     f"{c['missing']} missing, {c['skipped']} skipped)", level)
        return report

    def _unique_id(self, started: float) -> str:
        base = report_id(started)
        taken = set(self.reports.names())
        n, name = 1, base
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        return name

    def _notice(self, text: str, severity: str) -> None:
        if self.notify is not None:
            self.notify.auto("drill", text, severity=severity)

    def list_reports(self) -> list[dict[str, Any]]:
        """A summary per report, newest first."""
        out: list[dict[str, Any]] = []
        for name in reversed(self.reports.names()):
            try:
                _, data = self.reports.read(name)
            except OobError as exc:
                out.append({"id": name, "verdict": "unreadable", "error": exc.message})
                continue
            out.append({k: data.get(k) for k in ("id", "verdict", "started", "seconds", "counts", "plan")})
        return out

    def report(self, name: str | None = None) -> tuple[str, dict[str, Any]]:
        """One report (the newest when ``name`` is None).

        Raises:
            NotFoundError: there is none.
        """
        if name is None:
            names = self.reports.names()
            if not names:
                raise NotFoundError("no drill has been run on this site", hint="run 'oob drill run'")
            name = names[-1]
        return self.reports.read(name)

    def last_passing(self) -> dict[str, Any] | None:
        """The newest passing drill with its age in days (for the dashboard and doctor), or None."""
        for summary in self.list_reports():
            if summary.get("verdict") == "pass" and isinstance(summary.get("started"), str):
                started = calendar.timegm(time.strptime(summary["started"], "%Y-%m-%dT%H:%M:%SZ"))
                return {**summary, "started_ts": started, "days_ago": round((self.clock() - started) / DAY, 1)}
        return None
