"""The drill's step kinds for what this build can do: doctor, uplink, comms, freshness.

Other services register their own kinds (console ports, SSH devices, keys,
BGP) in bootstrap as they land; until then the drill reports them missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oob_console.core.doctor import DataItem, judge_data
from oob_console.core.drill import PlanStep, Step
from oob_console.errors import NotFoundError
from oob_console.services.doctor.ports import TcpProbe
from oob_console.services.doctor.service import DoctorService
from oob_console.services.drill.ports import Operator, Outcome
from oob_console.services.notify.service import NotifyService


def narrow(available: Sequence[str], spec: PlanStep) -> list[str]:
    """``available``, or only those ``spec.targets`` names (each must exist)."""
    if not spec.targets:
        return list(available)
    unknown = [t for t in spec.targets if t not in available]
    if unknown:
        raise NotFoundError(f"drill plan step {spec.kind} names {', '.join(unknown)}, which is not configured",
                            where=f"steps kind={spec.kind}", hint=f"configured: {', '.join(available) or 'none'}")
    return list(spec.targets)


@dataclass
class DoctorStep:
    doctor: DoctorService
    kind: str = "doctor"

    def targets(self, spec: PlanStep) -> list[str]:
        return ["this host"]

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        report = self.doctor.run()
        c = report.counts
        summary = f"{c['critical']} critical, {c['warning']} warning, {c['ok']} ok"
        bad = [f for f in report.findings if f.level in ("critical", "warning")]
        data = {"counts": c, "findings": [f.to_json() for f in bad]}
        if report.critical:
            crit = "; ".join(f"{f.group} {f.subject}" for f in bad if f.level == "critical")
            return Outcome("fail", f"{summary}: crosses production or unreachable: {crit}", data)
        return Outcome("pass", summary, data)


@dataclass
class UplinkStep:
    tcp: TcpProbe
    endpoints: Callable[[], list[str]]  # HOST:PORT
    connect_timeout: float = 10.0
    kind: str = "uplink"

    def targets(self, spec: PlanStep) -> list[str]:
        return narrow(self.endpoints(), spec)

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        host, _, port = step.target.rpartition(":")
        seconds = self.tcp.connect(host.strip("[]"), int(port), min(self.connect_timeout, step.timeout))
        return Outcome("pass", f"TCP connect in {seconds * 1000:.1f} ms", {"connect_seconds": round(seconds, 4)})


@dataclass
class CommsStep:
    notify: NotifyService
    kind: str = "comms"

    def targets(self, spec: PlanStep) -> list[str]:
        return narrow(list(self.notify.channels), spec)

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        text = f"break-glass drill: test message from {self.notify.site} over the out-of-band uplink; no action needed"
        result = self.notify.send(text, severity="info", channels=[step.target], wait=max(0.0, step.timeout - 1),
                                  kind="drill-test")
        last = result["deliveries"][step.target]
        data = {"message_id": result["id"], "attempts": len(result["attempts"])}
        if last and last["state"] == "delivered":
            remote = f" ({last['remote_id']})" if last["remote_id"] else ""
            return Outcome("pass", f"delivered on try {last['attempt']}{remote}", data)
        reason = last["reason"] if last else "not tried"
        return Outcome("fail", f"not delivered: {reason} (message {result['id']} stays queued)", data)


@dataclass
class FreshnessStep:
    data: Callable[[], list[DataItem]]
    clock: Callable[[], float]
    kind: str = "freshness"

    def targets(self, spec: PlanStep) -> list[str]:
        return ["local data"]

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        items = [d for d in self.data() if d.name != "last passing drill"]  # a drill does not judge itself
        findings = judge_data(items, self.clock())
        seen = ", ".join(f"{f.subject} {f.path.rsplit('(', 1)[-1].rstrip(')')}" if f.level == "ok" else
                         f"{f.subject}: {f.problem}" for f in findings)
        stale = [f for f in findings if f.level in ("warning", "critical")]
        data = {"findings": [f.to_json() for f in findings]}
        if stale:
            return Outcome("fail", f"stale or missing: {'; '.join(f'{f.subject} {f.problem}' for f in stale)}", data)
        return Outcome("pass", seen or "no local data configured", data)
