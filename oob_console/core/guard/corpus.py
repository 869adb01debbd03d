"""The guard drill: judge a labelled corpus and fail on anything judged too leniently.

A case is a command or block for one platform, the devices it targets, and
the verdict it must get at least (its label). A case judged *less* strict than
its label fails the drill; one judged stricter is reported (over-blocking has
a cost too) but does not fail it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from oob_console.core.devices.inventory import Inventory
from oob_console.core.guard.decision import Decision, GuardRequest, Verdict

Outcome = Literal["pass", "stricter", "fail"]


@dataclass(frozen=True)
class Case:
    id: str
    platform: str
    label: Verdict
    text: str
    devices: tuple[str, ...] = ()
    family: str = ""
    note: str = ""
    where: str = ""  # file and line, for the report


@dataclass(frozen=True)
class Corpus:
    cases: tuple[Case, ...]
    inventory: Inventory
    where: str = ""
    configs: Mapping[str, str] = field(default_factory=dict)  # device -> last-known-good config (configs/)


@dataclass(frozen=True)
class CaseResult:
    case: Case
    decision: Decision

    @property
    def outcome(self) -> Outcome:
        if self.decision.verdict < self.case.label:
            return "fail"
        return "stricter" if self.decision.verdict > self.case.label else "pass"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.case.id, "platform": self.case.platform, "where": self.case.where,
                "label": self.case.label.label, "verdict": self.decision.verdict.label, "outcome": self.outcome,
                "family": self.case.family, "devices": list(self.case.devices),
                "checkers": [r.to_json() for r in self.decision.reports]}


@dataclass(frozen=True)
class DrillReport:
    results: tuple[CaseResult, ...]
    where: str = ""

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if r.outcome == "fail")

    @property
    def stricter(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if r.outcome == "stricter")

    def by_platform(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = {}
        for r in self.results:
            row = table.setdefault(r.case.platform, {"cases": 0, "pass": 0, "stricter": 0, "fail": 0})
            row["cases"] += 1
            row[r.outcome] += 1
        return dict(sorted(table.items()))

    def to_json(self) -> dict[str, Any]:
        return {"corpus": self.where, "cases": len(self.results), "failed": len(self.failed),
                "stricter": len(self.stricter), "by_platform": self.by_platform(),
                "failures": [r.to_json() for r in self.failed],
                "stricter_cases": [r.to_json() for r in self.stricter]}


def run_drill(corpus: Corpus, judge: Callable[[GuardRequest], Decision]) -> DrillReport:
    """Judge every case of ``corpus`` with ``judge`` (the same path a real command takes).

    Raises:
        KeyError: a case names a device the corpus inventory does not have (readers check this first).
    """
    results = []
    for case in corpus.cases:
        devices = tuple(corpus.inventory.get(name) for name in case.devices)
        if any(d is None for d in devices):
            raise KeyError(f"{case.where}: unknown device in {case.devices}")
        configs = {name: corpus.configs[name] for name in case.devices if name in corpus.configs}
        request = GuardRequest(case.platform, case.text, tuple(d for d in devices if d is not None),
                               corpus.inventory, configs)
        results.append(CaseResult(case, judge(request)))
    return DrillReport(tuple(results), corpus.where)
