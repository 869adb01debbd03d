"""The command guard: judge a command or config block before anything is sent.

``evaluate(request, policy, default_checkers())`` returns a :class:`Decision`:
``read-only``, ``change`` or ``dangerous``, with each checker's reasons. Three
independent checkers run: ``rules`` (per-platform command grammars), ``blast``
(what the command would take down in the inventory) and ``model`` (what it does
to the device's last-known-good configuration, its latest backup). The strictest
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

PLATFORMS = ("frr", "ios", "iosxr", "junos", "eos", "nxos")


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
    from oob_console.core.guard.candidate import cisco_statements, junos_statements
    from oob_console.core.guard.config_model import build_model, match_interface
    from oob_console.core.guard.keywords import contexts, expand_keywords
    from oob_console.core.guard.model import forget as forget_model

    for cached in (cisco_statements, junos_statements, build_model, match_interface, expand_keywords, contexts):
        cached.cache_clear()
    forget_model()


def default_checkers() -> tuple[Checker, ...]:
    """The three independent checkers every decision runs."""
    from oob_console.core.guard.blast import BlastChecker
    from oob_console.core.guard.model import ModelChecker
    from oob_console.core.guard.rules import RuleChecker

    return (RuleChecker(), BlastChecker(), ModelChecker())


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
