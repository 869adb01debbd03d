"""The command guard: judge a command or config block before anything is sent.

``evaluate(request, policy, default_checkers())`` returns a :class:`Decision`:
``read-only``, ``change`` or ``dangerous``, with each checker's reasons. Two
independent checkers run: ``rules`` (per-platform command grammars) and
``blast`` (what the command would take down in the inventory). The strictest
verdict wins; a checker that fails counts as dangerous.
"""

from __future__ import annotations

from oob_console.core.guard.decision import (
    Checker,
    CheckerReport,
    Decision,
    GuardPolicy,
    GuardRequest,
    Verdict,
    decide,
    evaluate,
    failed_report,
    run_checker,
)

PLATFORMS = ("frr", "ios", "iosxr", "junos", "eos")


def default_checkers() -> tuple[Checker, ...]:
    """The two independent checkers every decision runs."""
    from oob_console.core.guard.blast import BlastChecker
    from oob_console.core.guard.rules import RuleChecker

    return (RuleChecker(), BlastChecker())


__all__ = [
    "PLATFORMS",
    "Checker",
    "CheckerReport",
    "Decision",
    "GuardPolicy",
    "GuardRequest",
    "Verdict",
    "decide",
    "default_checkers",
    "evaluate",
    "failed_report",
    "run_checker",
]
