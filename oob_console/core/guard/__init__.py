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


def forget() -> None:
    """Drop everything the checkers remember between decisions (line readings, grammar matches, interface
    names, addresses, the backbone index): afterwards the next decision costs what a new process's first does.
    Decisions never depend on it; benchmarks use it to measure the first pass honestly."""
    from oob_console.core.guard.blast import forget as forget_blast
    from oob_console.core.guard.grammar import match_root
    from oob_console.core.guard.rules import platform_dialects

    match_root.cache_clear()
    for dialect in platform_dialects().compiled():
        dialect.forget()
    forget_blast()


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
    "forget",
    "run_checker",
]
