"""The drill's BGP steps: every session to an upstream is up; the drill prefix goes out and comes back.

``bgp-sessions`` asks the supervisor (our ExaBGP sessions): one target per
ExaBGP upstream. ``bgp-drill-prefix`` announces ``bgp.drill_prefix`` through one
upstream (any backend), waits for every stage, withdraws it and waits again:
the whole emergency path, on a prefix nothing depends on, without a quorum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oob_console.core.bgp.stages import unfinished
from oob_console.core.drill import PlanStep, Step
from oob_console.services.bgp.service import BgpService
from oob_console.services.drill.ports import Operator, Outcome
from oob_console.services.drill.steps import narrow


@dataclass
class BgpSessionsStep:
    bgp: Callable[[], BgpService]
    kind: str = "bgp-sessions"

    def targets(self, spec: PlanStep) -> list[str]:
        ours = [u.name for u in self.bgp().settings.upstreams.values() if u.backend == "exabgp"]
        return narrow(ours, spec)

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        sessions = {s.upstream: s for s in self.bgp().sessions()}
        s = sessions.get(step.target)
        if s is None:
            return Outcome("fail", "the speaker reports no such session")
        data = {"peer": s.peer, "state": s.state, "detail": s.detail}
        if s.state != "up":
            return Outcome("fail", f"session to {s.peer} is {s.state}" + (f": {s.detail}" if s.detail else ""), data)
        return Outcome("pass", f"session to {s.peer} is established", data)


@dataclass
class BgpDrillPrefixStep:
    bgp: Callable[[], BgpService]
    kind: str = "bgp-drill-prefix"

    def targets(self, spec: PlanStep) -> list[str]:
        svc = self.bgp()
        return narrow(sorted(svc.settings.upstreams), spec) if svc.settings.drill_prefix else []

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        svc = self.bgp()
        if operator is not None:
            operator.say(f"announcing drill prefix {svc.settings.drill_prefix} via {step.target}, then withdrawing")
        announced, withdrawn = svc.drill(step.target)
        data = {"announce": announced.to_json(), "withdraw": withdrawn.to_json()}
        if announced.ok and withdrawn.ok:
            return Outcome("pass", f"{svc.settings.drill_prefix} announced and withdrawn via {step.target}, "
                                   "every stage confirmed", data)
        failed = [line.strip() for ex in (announced, withdrawn) for stages in ex.stages.values()
                  for line in unfinished(stages)]
        return Outcome("fail", "; ".join(failed[:3]) or "not every stage completed", data)
