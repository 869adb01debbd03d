"""The independent corpus v2 (tests/guard_corpus_v2, written without reading the rules) through the guard.

Its devices' last-known-good configs (configs/<device>.cfg) reach the checkers as the backups would; some
devices have none on purpose. Done when: 0 under-blocked, at most 10% of read-only cases over-blocked.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from oob_console.adapters.guard_corpus_toml import CorpusDirectory
from oob_console.core.guard import GuardPolicy, Verdict, default_checkers, evaluate
from oob_console.core.guard.blast import BlastChecker
from oob_console.core.guard.corpus import Corpus, DrillReport, run_drill
from oob_console.core.guard.rules import RuleChecker

ROOT = Path(__file__).resolve().parents[4]
# The corpus README: the console host is 192.0.2.250 and logs in as `oob` (the inventory's username).
POLICY = GuardPolicy(oob_addresses=("192.0.2.250",))


@cache
def v2() -> Corpus:
    return CorpusDirectory().read(str(ROOT / "tests" / "guard_corpus_v2"))


def _drill(*checkers: object) -> DrillReport:
    return run_drill(v2(), lambda req: evaluate(req, POLICY, checkers))  # type: ignore[arg-type]


def test_the_loader_reads_each_devices_config_and_only_theirs() -> None:
    corpus = v2()
    assert len(corpus.cases) >= 300
    assert set(corpus.configs) == {p.stem for p in (ROOT / "tests/guard_corpus_v2/configs").glob("*.cfg")}
    assert "lon-ios-bb3" not in corpus.configs  # a device deliberately without a backup
    assert "hostname lon-ios-bb1" in corpus.configs["lon-ios-bb1"]


def test_nothing_is_under_blocked_and_few_reads_are_over_blocked() -> None:
    report = _drill(*default_checkers())
    assert not report.failed, [(r.case.id, r.decision.verdict.label) for r in report.failed]
    reads = [r for r in report.results if r.case.label is Verdict.READ_ONLY]
    over = [r.case.id for r in reads if r.decision.verdict > Verdict.READ_ONLY]
    assert len(over) <= 0.10 * len(reads), over


def test_without_the_model_the_first_run_misses_come_back() -> None:
    """The drill can fail: the two older checkers alone under-block many v2 cases (FIRST-RUN.md)."""
    report = _drill(RuleChecker(), BlastChecker())
    assert len(report.failed) >= 100
    assert {r.case.family for r in report.failed} >= {"mgmt-lockout", "policy-drop", "indirection", "bundle"}


def test_cases_without_a_backup_say_so() -> None:
    report = _drill(*default_checkers())
    no_backup = [r for r in report.results if r.case.devices and not any(d in v2().configs for d in r.case.devices)
                 and r.case.label is Verdict.DANGEROUS]
    assert no_backup
    model_said = [r for r in no_backup
                  if any("not modelled: no backup" in why for rep in r.decision.reports if rep.checker == "model"
                         for why in rep.reasons)]
    assert len(model_said) >= len(no_backup) // 2



def test_no_checker_fails_on_any_case_of_either_corpus() -> None:
    """Fail-closed hides a crashing checker behind a right verdict: none may crash on these cases."""
    old = CorpusDirectory().read(str(ROOT / "tests" / "guard_corpus"))
    for corpus in (v2(), old):
        report = run_drill(corpus, lambda req: evaluate(req, POLICY, default_checkers()))
        failed = [(r.case.id, rep.reasons[0]) for r in report.results for rep in r.decision.reports if rep.failed]
        assert not failed
