"""The independent NX-OS corpus (tests/guard_corpus_nxos, written without reading the rules) through the guard.

Its devices' last-known-good configs (configs/<device>.cfg) reach the checkers as the backups would; two devices
have none on purpose. Done when: 0 under-blocked, at most 10% of read-only cases over-blocked.
"""

from __future__ import annotations

from collections import Counter

from oob_console.core.guard import Verdict, default_checkers, evaluate
from oob_console.core.guard.blast import BlastChecker
from oob_console.core.guard.corpus import DrillReport, run_drill
from oob_console.core.guard.rules import RuleChecker
from tests.guard_support import NXOS_POLICY, nxos_corpus, nxos_inventory


def _drill(*checkers: object) -> DrillReport:
    return run_drill(nxos_corpus(), lambda req: evaluate(req, NXOS_POLICY, checkers))  # type: ignore[arg-type]


def test_the_inventory_loads_with_nxos_devices_and_their_backups() -> None:
    inv = nxos_inventory()
    assert {d.platform for d in inv.devices} == {"nxos", "ios"}
    corpus = nxos_corpus()
    assert len(corpus.cases) >= 60
    assert set(corpus.configs) == {"fra-nx-bb1", "fra-nx-bb2"}  # fra-nx-bb3 and fra-ios-edge1: no backup


def test_nothing_is_under_blocked_and_few_reads_are_over_blocked() -> None:
    report = _drill(*default_checkers())
    assert not report.failed, [(r.case.id, r.decision.verdict.label) for r in report.failed]
    reads = [r for r in report.results if r.case.label is Verdict.READ_ONLY]
    over = [r.case.id for r in reads if r.decision.verdict > Verdict.READ_ONLY]
    assert len(over) <= 0.10 * len(reads), over


def test_nxos_is_judged_not_refused() -> None:
    """NX-OS is a known platform now: its plain reads are read-only for every checker."""
    report = _drill(*default_checkers())
    plain = [r for r in report.results if r.case.family == "plain-read"]
    assert plain and all(r.decision.verdict is Verdict.READ_ONLY for r in plain)
    assert all(rep.verdict is Verdict.READ_ONLY for r in plain for rep in r.decision.reports)


def test_without_the_model_the_config_cases_are_missed() -> None:
    """The drill can fail: without the model, the cases only the device's config decides are under-blocked."""
    report = _drill(RuleChecker(), BlastChecker())
    families = Counter(r.case.family for r in report.failed)
    assert sum(families.values()) >= 10
    assert {"mgmt-lockout", "policy-drop"} <= set(families)


def test_no_checker_fails_on_any_case() -> None:
    """Fail-closed hides a crashing checker behind a right verdict: none may crash on these cases."""
    report = _drill(*default_checkers())
    failed = [(r.case.id, rep.reasons[0]) for r in report.results for rep in r.decision.reports if rep.failed]
    assert not failed
