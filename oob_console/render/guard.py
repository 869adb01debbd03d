"""The command guard's judgements as an operator reads them: the verdict, what it needs, every reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.core.counting import counted

if TYPE_CHECKING:
    from oob_console.core.guard import Decision
    from oob_console.core.guard.corpus import CaseResult, DrillReport


def decision_headline(decision: Decision, needs: str) -> str:
    """``DANGEROUS - frr on r1: <needs>``."""
    on = f" on {', '.join(decision.devices)}" if decision.devices else " (no target device)"
    return f"{decision.verdict.label.upper()} - {decision.platform}{on}: {needs}"


def decided_by(decision: Decision) -> list[str]:
    """The checkers whose verdict is the decision's (the strictest), in the order they ran."""
    return [r.checker for r in decision.reports if r.verdict == decision.verdict]


def decision_text(decision: Decision, needs: str) -> str:
    """The verdict, what it needs, which checker decided, and every checker's reasons (one line each)."""
    lines = [decision_headline(decision, needs), f"  decided by: {', '.join(decided_by(decision))}"]
    for report in decision.reports:
        mark = " (decided)" if report.verdict == decision.verdict and decision.verdict.value else ""
        lines.append(f"  {report.checker:<6} {report.verdict.label}{' (failed: fail closed)' if report.failed else ''}"
                     f"{mark}")
        lines.extend(f"    - {reason}" for reason in report.reasons)
    return "\n".join(lines)


def case_line(result: CaseResult) -> str:
    """One drilled case: its outcome, label and verdict, and the first reason for that verdict."""
    case, decision = result.case, result.decision
    first = next((r.reasons[0] for r in decision.reports if r.verdict == decision.verdict and r.reasons), "")
    return (f"  {result.outcome.upper():<8} {case.id} ({case.where}): label {case.label.label}, judged "
            f"{decision.verdict.label}" + (f"\n           {first}" if first else ""))


def drill_lines(report: DrillReport, *, every_case: bool = False) -> list[str]:
    """`oob guard drill`: a table by platform, the failed and stricter cases (every case with ``every_case``)."""
    lines = [f"guard drill: {report.where} — {counted(len(report.results), 'case')}",
             f"  {'platform':<9}{'cases':>6}{'pass':>6}{'stricter':>10}{'fail':>6}"]
    for platform, row in report.by_platform().items():
        lines.append(f"  {platform:<9}{row['cases']:>6}{row['pass']:>6}{row['stricter']:>10}{row['fail']:>6}")
    shown = report.results if every_case else report.failed + report.stricter
    lines.extend(case_line(r) for r in shown)
    if report.failed:
        lines.append(f"drill FAILED: {len(report.failed)} case(s) judged less strict than their label")
    else:
        lines.append("drill passed: no case judged less strict than its label")
    return lines
