"""The labelled corpus: its coverage, the drill passing on it, and the drill being able to fail."""

from __future__ import annotations

from collections import Counter

import pytest

from oob_console.core.guard import CheckerReport, GuardPolicy, GuardRequest, Verdict, default_checkers, evaluate
from oob_console.core.guard.blast import BlastChecker
from oob_console.core.guard.corpus import run_drill
from oob_console.core.guard.rules import RuleChecker
from tests.guard_support import POLICY, corpus

PLATFORMS = {"frr", "ios", "iosxr", "junos", "eos"}
# Case families the issue asks for, and the platforms each must cover.
REQUIRED = {
    "2021": PLATFORMS, "lag": PLATFORMS, "no-router-bgp": PLATFORMS, "routing-instance": PLATFORMS,
    "clear-bgp": PLATFORMS, "reload": PLATFORMS - {"frr"}, "commit": PLATFORMS - {"frr", "ios"},
    "paste": PLATFORMS, "abbrev": PLATFORMS, "whitespace": PLATFORMS, "lookalike": PLATFORMS,
}


class ReadOnly:
    def __init__(self, name: str) -> None:
        self.name = name

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        return CheckerReport(self.name, Verdict.READ_ONLY, ("always read-only",))


def _drill(*checkers: object):  # type: ignore[no-untyped-def]
    return run_drill(corpus(), lambda req: evaluate(req, POLICY, checkers))  # type: ignore[arg-type]


def test_size_and_platforms() -> None:
    cases = corpus().cases
    assert len(cases) >= 300
    per_platform = Counter(c.platform for c in cases)
    assert set(per_platform) == PLATFORMS and min(per_platform.values()) >= 50
    assert Counter(c.label for c in cases)[Verdict.DANGEROUS] >= 100


@pytest.mark.parametrize("family", sorted(REQUIRED))
def test_every_required_family_is_covered(family: str) -> None:
    platforms = {c.platform for c in corpus().cases if c.family == family}
    assert REQUIRED[family] <= platforms


def test_the_drill_passes() -> None:
    report = _drill(*default_checkers())
    assert not report.failed, [r.to_json() for r in report.failed]


def test_no_case_is_judged_stricter_than_its_label() -> None:
    """Over-blocking has a cost: benign look-alikes must stay read-only, plain changes stay changes, except
    where this corpus's devices have no backup and the change is inside a protected part: there the
    configuration model cannot resolve it and says so ("not modelled: no backup")."""
    report = _drill(*default_checkers())
    unexplained = []
    for r in report.stricter:
        stricter = [rep for rep in r.decision.reports if rep.verdict > r.case.label]
        by_no_backup = r.case.label is Verdict.CHANGE and all(
            rep.checker == "model" and all("not modelled: no backup" in why for why in rep.reasons)
            for rep in stricter)
        if not by_no_backup:
            unexplained.append((r.case.id, r.decision.verdict.label, [rep.checker for rep in stricter]))
    assert not unexplained
    assert not [r for r in report.stricter if r.case.label is Verdict.READ_ONLY]


def test_the_drill_fails_when_the_guard_is_broken() -> None:
    report = _drill(ReadOnly("a"), ReadOnly("b"))
    assert len(report.failed) == sum(1 for c in corpus().cases if c.label > Verdict.READ_ONLY)


def test_each_checker_catches_dangerous_cases_the_other_misses() -> None:
    """Redundancy is real: with either checker alone the drill fails, on different cases."""
    rules_only = {r.case.id for r in _drill(RuleChecker(), ReadOnly("blast")).failed}
    blast_only = {r.case.id for r in _drill(ReadOnly("rules"), BlastChecker()).failed}
    assert rules_only and blast_only
    assert {"ios-lag-each-member", "xr-2021-fanout", "frr-lag-members"} <= rules_only
    assert {"junos-commit-backbone", "ios-vty-lockout", "ios-debug-all"} <= blast_only
    assert not rules_only & blast_only  # every dangerous case is caught by at least one checker alone


def test_both_checkers_alone_catch_the_2021_pattern() -> None:
    """Each alone catches it, except where only the other can see: the rules cannot see a fan-out below
    every per-device threshold; the blast radius cannot be measured without a target device."""
    rules = _drill(RuleChecker(), ReadOnly("blast"))
    assert [r.case.id for r in rules.failed if r.case.family == "2021"] == ["xr-2021-fanout"]
    blast = _drill(ReadOnly("rules"), BlastChecker())
    missed = [r.case for r in blast.failed if r.case.family == "2021"]
    assert missed and all(not case.devices for case in missed)
