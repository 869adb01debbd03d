"""The verdict model: strictest wins, and every way a checker can fail is dangerous."""

from __future__ import annotations

import hashlib

import pytest

from oob_console.core.guard import (
    CheckerReport,
    GuardPolicy,
    GuardRequest,
    Verdict,
    decide,
    default_checkers,
    evaluate,
    run_checker,
)

REQ = GuardRequest("ios", "show version")
POLICY = GuardPolicy()


class Fixed:
    def __init__(self, name: str, verdict: Verdict) -> None:
        self.name = name
        self.verdict = verdict

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        return CheckerReport(self.name, self.verdict, (f"{self.name} says {self.verdict.label}",))


class Raises:
    name = "boom"

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        raise RuntimeError("parser bug")


class ReturnsGarbage:
    name = "garbage"

    def check(self, request: GuardRequest, policy: GuardPolicy) -> object:
        return "read-only"


def test_verdicts_are_ordered_and_map_to_exit_codes() -> None:
    assert Verdict.READ_ONLY < Verdict.CHANGE < Verdict.DANGEROUS
    assert [v.exit_code for v in Verdict] == [0, 10, 20]
    assert [v.label for v in Verdict] == ["read-only", "change", "dangerous"]
    assert Verdict.parse(" Read_Only ") is Verdict.READ_ONLY
    with pytest.raises(ValueError):
        Verdict.parse("harmless")


@pytest.mark.parametrize("a", list(Verdict))
@pytest.mark.parametrize("b", list(Verdict))
def test_the_strictest_checker_wins(a: Verdict, b: Verdict) -> None:
    decision = evaluate(REQ, POLICY, [Fixed("one", a), Fixed("two", b)])
    assert decision.verdict == max(a, b)
    assert [r.checker for r in decision.reports] == ["one", "two"]


@pytest.mark.parametrize("bad", [Raises(), ReturnsGarbage()])
def test_a_failing_checker_makes_it_dangerous_and_says_why(bad: object) -> None:
    decision = evaluate(REQ, POLICY, [Fixed("ok", Verdict.READ_ONLY), bad])  # type: ignore[list-item]
    assert decision.verdict is Verdict.DANGEROUS
    failed = decision.reports[1]
    assert failed.failed and failed.verdict is Verdict.DANGEROUS
    assert "failing closed" in failed.reasons[0]


def test_a_raising_checker_names_the_error() -> None:
    report = run_checker(Raises(), REQ, POLICY)
    assert "RuntimeError: parser bug" in report.reasons[0]


def test_fewer_than_two_checkers_is_dangerous() -> None:
    assert decide(REQ, [Fixed("only", Verdict.READ_ONLY).check(REQ, POLICY)]).verdict is Verdict.DANGEROUS
    assert evaluate(REQ, POLICY, []).verdict is Verdict.DANGEROUS


@pytest.mark.parametrize("platform", ["vyos", "", "IOS", "junos ", "nx-os"])
def test_an_unknown_platform_is_dangerous_for_both_checkers(platform: str) -> None:
    decision = evaluate(GuardRequest(platform, "show version"), POLICY, default_checkers())
    assert decision.verdict is Verdict.DANGEROUS
    assert all(r.failed and "does not know the platform" in r.reasons[0] for r in decision.reports)


def test_the_decision_serialises_with_a_hash_of_the_exact_text() -> None:
    decision = evaluate(GuardRequest("ios", "show version"), POLICY, default_checkers())
    data = decision.to_json()
    assert data["verdict"] == "read-only"
    assert data["text_sha256"] == hashlib.sha256(b"show version").hexdigest()
    assert {c["checker"] for c in data["checkers"]} == {"rules", "blast", "model"}


def test_the_default_checkers_are_independent_objects() -> None:
    names = [c.name for c in default_checkers()]
    assert names == ["rules", "blast", "model"]
