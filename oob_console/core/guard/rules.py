"""Checker 1: per-platform rules, walking the block the way the device's CLI would.

The text is split into statements (lines; pipes; ``;`` where the platform
splits on it; Junos brace blocks), each statement is tokenised and matched
against the platform's grammar (its ``dialect``, made by ``grammar_cisco`` or
``grammar_junos``) in the configuration context the device would be in. Where that context is unknown
(a block that does not start with ``configure``), or an abbreviation is
ambiguous, every possible reading is kept and the strictest wins. A statement
the rules do not know counts as a change, never as read-only.

Independent of checker 2 (``blast``): this one knows command grammars and no
inventory beyond "is the target a backbone router"; that one knows the
inventory and only a little of the grammars.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache

from oob_console.core.counting import counted
from oob_console.core.guard.decision import CheckerReport, GuardPolicy, GuardRequest, Verdict, unknown_platform
from oob_console.core.guard.dialect import Dialect, Outcome, State, Statement
from oob_console.core.guard.grammar_cisco import CISCO_PLATFORMS, cisco_dialect
from oob_console.core.guard.grammar_junos import JunosDialect

MAX_STATES = 64  # readings kept per line; beyond this we fall back to "any context" (still strict)
MAX_REASONS = 12


# --- interfaces a block takes down (the rules' own count, no inventory) -----------------------

_RANGE_ITEM = re.compile(r"^([a-z_-]*)\s*((?:\d+/)*)(\d+)(?:\s*-\s*(\d+))?$")
_BRACKET = re.compile(r"\[(\d+)-(\d+)\]")


def interfaces_named(kind: str, text: str) -> set[str] | None:
    """Names in an interface spec, or None when it is unbounded (a wildcard, a macro)."""
    text = text.strip().lower()
    if kind in ("if", "lag"):
        return {"".join(text.split()) or "(unknown)"}
    if not text or "*" in text or "<" in text or "macro" in text or "all" == text:
        return None
    names: set[str] = set()
    for bracket in _BRACKET.finditer(text):
        lo, hi = int(bracket.group(1)), int(bracket.group(2))
        if hi - lo > 4096:
            return None
        names.update(f"{text[:bracket.start()]}{n}" for n in range(lo, hi + 1))
    if names:
        return names
    typ = ""
    for item in text.replace("range", " ").split(","):
        m = _RANGE_ITEM.match(item.strip())
        if not m:
            return None
        typ = m.group(1)[:2] or typ
        lo = int(m.group(3))
        hi = int(m.group(4)) if m.group(4) else lo
        if hi < lo or hi - lo > 4096:
            return None
        names.update(f"{typ}{m.group(2)}{n}" for n in range(lo, hi + 1))
    return names


# --- the checker ------------------------------------------------------------------------------


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


class Dialects(Mapping[str, Dialect]):
    """Every platform's dialect, its grammar compiled the first time it is asked for and then kept
    (grammars never change). A run on FRR routers does not wait for four other grammars."""

    def __init__(self) -> None:
        self._names = (*CISCO_PLATFORMS, "junos")
        self._built: dict[str, Dialect] = {}

    def __getitem__(self, name: str) -> Dialect:
        found = self._built.get(name)
        if found is None:
            if name not in self._names:
                raise KeyError(name)
            found = self._built[name] = self._build(name)
        return found

    @staticmethod
    def _build(name: str) -> Dialect:
        return JunosDialect() if name == "junos" else cisco_dialect(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def compiled(self) -> list[Dialect]:
        """The dialects compiled so far."""
        return list(self._built.values())


@cache
def platform_dialects() -> Dialects:
    """Every platform's dialect, each compiled on first use (once per process)."""
    return Dialects()


class RuleChecker:
    name = "rules"

    def __init__(self, dialects: Mapping[str, Dialect] | None = None) -> None:
        self.dialects = platform_dialects() if dialects is None else dialects

    def check(self, request: GuardRequest, policy: GuardPolicy) -> CheckerReport:
        dialect = self.dialects.get(request.platform)
        if dialect is None:
            return unknown_platform(self.name, request.platform)
        statements = dialect.statements(request.text)
        if not statements:
            return CheckerReport(self.name, Verdict.READ_ONLY, ("nothing to send: no commands",))
        worst = Verdict.READ_ONLY
        reasons: list[tuple[Verdict, str]] = []
        downs: set[str] = set()
        states = dialect.start
        for stmt in statements:
            outcomes, states = self._statement(dialect, stmt, states)
            line_worst = Verdict.READ_ONLY
            line_reasons: list[str] = []
            for o in outcomes:
                if o.commit or o.down is not None:
                    verdict, reason = self._resolve(o, request, policy, downs)
                else:  # the common case, without a call
                    verdict, reason = o.verdict, o.reason
                if verdict > line_worst:
                    line_worst, line_reasons = verdict, []
                if verdict == line_worst and reason not in line_reasons:
                    line_reasons.append(reason)
            worst = max(worst, line_worst)
            if line_worst > Verdict.READ_ONLY:
                reasons.append((line_worst, f"line {stmt.line} `{_snippet(stmt.text)}`: {'; '.join(line_reasons)}"))
        if len(downs) > policy.max_interfaces_down:
            worst = Verdict.DANGEROUS
            reasons.append((Verdict.DANGEROUS, f"takes {counted(len(downs), 'interface')} down in one run "
                            f"(more than max_interfaces_down = {policy.max_interfaces_down})"))
        if worst == Verdict.READ_ONLY:
            return CheckerReport(self.name, worst, (f"every statement only reads ({len(statements)} checked)",))
        top = [text for verdict, text in reasons if verdict == worst]
        if len(top) > MAX_REASONS:
            top = [*top[:MAX_REASONS], f"... and {len(top) - MAX_REASONS} more"]
        return CheckerReport(self.name, worst, tuple(top))

    def _statement(self, dialect: Dialect, stmt: Statement,
                   states: frozenset[State]) -> tuple[list[Outcome], frozenset[State]]:
        outcomes: list[Outcome] = []
        ends: set[State] = set()
        for reading in stmt.readings:
            current = frozenset({stmt.fixed}) if stmt.fixed is not None else states
            for toks in reading:
                if not toks:
                    continue
                step: list[Outcome] = []
                unknown_in: list[State] = []
                for st in current:
                    found = dialect.readings(toks, st)
                    step.extend(found)
                    if not found:
                        unknown_in.append(st)  # the device would reject it here and stay put
                if not step:  # unknown everywhere: maybe a command we lack, taken as a pending change
                    unknown_in = [s if s.ctx == dialect.exec_ctx else s._replace(pending=True) for s in unknown_in]
                    step.append(Outcome(Verdict.CHANGE, "not a command these rules know: counted as a change",
                                        unknown_in[0]))
                outcomes.extend(step)
                current = frozenset([*(o.nxt for o in step), *unknown_in])
                if len(current) > MAX_STATES:
                    current = dialect.start
            ends.update(current)
        outcomes.extend(dialect.filter_outcome(toks, State(dialect.exec_ctx)) for toks in stmt.filters)
        if stmt.fixed is not None:
            return outcomes, states
        return outcomes, frozenset(ends) if len(ends) <= MAX_STATES else dialect.start

    @staticmethod
    def _resolve(o: Outcome, request: GuardRequest, policy: GuardPolicy, downs: set[str]) -> tuple[Verdict, str]:
        if o.commit:
            if not request.devices:
                return Verdict.DANGEROUS, ("commit without an automatic rollback (commit confirmed), and no target "
                                           "device given: assumed to be a backbone router")
            backbone = [d.name for d in request.devices if policy.is_backbone_router(d)]
            if backbone:
                return Verdict.DANGEROUS, ("commit without an automatic rollback (commit confirmed) on backbone "
                                           f"router {', '.join(backbone)}")
            return Verdict.CHANGE, "commit without an automatic rollback (not a backbone router)"
        if o.down is None:
            return o.verdict, o.reason
        kind, text = o.down
        if kind == "lag":
            return Verdict.DANGEROUS, f"takes the whole bundle {text} down (every member link)"
        names = interfaces_named(kind, text)
        if names is None:
            return Verdict.DANGEROUS, f"takes down every interface matching {text or 'an unknown range'!r}"
        downs.update(names)
        return o.verdict, o.reason

