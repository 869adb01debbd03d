"""Checker 1: per-platform rules, walking the block the way the device's CLI would.

The text is split into statements (lines; pipes; ``;`` where the platform
splits on it; Junos brace blocks), each statement is tokenised and matched
against the platform's grammar (``grammar_cisco``, ``grammar_junos``) in the
configuration context the device would be in. Where that context is unknown
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
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from oob_console.core.guard.decision import CheckerReport, GuardPolicy, GuardRequest, Verdict, unknown_platform
from oob_console.core.guard.grammar import Grammar, Match, match_root

MAX_REMEMBERED = 1 << 15  # remembered line readings per platform (a few MB at most)
MAX_STATES = 64  # readings kept per line; beyond this we fall back to "any context" (still strict)
MAX_REASONS = 12


class State(NamedTuple):
    ctx: str
    subject: str = ""  # "kind:text" of what the context is about (an interface, an edit path)
    pending: bool = False  # uncommitted changes (commit-based platforms)


class Outcome(NamedTuple):  # a tuple: made thousands of times per block
    verdict: Verdict
    reason: str
    nxt: State
    down: tuple[str, str] | None = None  # (kind, text) of interfaces this takes down
    commit: bool = False  # a commit without an automatic rollback: resolved against the targets


@dataclass
class Statement:
    line: int
    text: str
    readings: list[list[tuple[str, ...]]]  # alternative ways the device may split it
    filters: list[tuple[str, ...]] = field(default_factory=list)  # pipe filters of the piped reading
    fixed: State | None = None  # judged in this state, whatever came before (Junos brace blocks)


_BACKSPACE = re.compile(r"[^\x08\x7f]?[\x08\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONFIRMED = ("confirmed", "timer")


def clean(line: str) -> str:
    """What the device sees: backspaces applied, other control characters as spaces."""
    if line.isprintable():  # the usual case: no control character at all, nothing to apply
        return line
    while _BACKSPACE.search(line):
        line = _BACKSPACE.sub("", line, count=1)
    return _CONTROL.sub(" ", line)


def _split_unquoted(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


class Dialect:
    """One platform: its grammar, where a block may start, and how it splits text."""

    name = ""
    exec_ctx = "exec"
    start: frozenset[State] = frozenset()
    writers: tuple[str, ...] = ()  # pipe filters that write files
    prefix_cmds: dict[str, str] = {}  # noqa: RUF012 - read-only class data: "do" -> run the rest in exec

    def __init__(self, grammar: Grammar) -> None:
        self.grammar = grammar
        self._seen: dict[tuple[tuple[str, ...], State], tuple[Outcome, ...]] = {}

    def readings(self, toks: tuple[str, ...], st: State) -> tuple[Outcome, ...]:
        """:meth:`interpret`, remembered (it is pure; the same lines come back all the time)."""
        key = (toks, st)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= MAX_REMEMBERED:
                self._seen.clear()
            found = self._seen[key] = tuple(self.interpret(toks, st))
        return found

    def forget(self) -> None:
        self._seen.clear()

    def statements(self, text: str) -> list[Statement]:
        raise NotImplementedError

    def interpret(self, toks: tuple[str, ...], st: State, depth: int = 0) -> list[Outcome]:
        raise NotImplementedError

    def tokens(self, text: str) -> tuple[str, ...]:
        return tuple(text.lower().split())

    def filter_outcome(self, toks: tuple[str, ...], st: State) -> Outcome:
        if toks and any(w.startswith(toks[0]) for w in self.writers):
            return Outcome(Verdict.CHANGE, f"the pipe '| {' '.join(toks)}' writes a file", st)
        return Outcome(Verdict.READ_ONLY, "a pipe filter only reads", st)

    def outcome(self, m: Match, st: State, ctx: str | None, toks: tuple[str, ...]) -> Outcome:
        """What matching ``m`` in context ``ctx`` (None: judged only, no mode change) means."""
        rule = m.rule
        verdict, reason = rule.verdict, rule.reason
        commit = rule.commit or (rule.endcommit and st.pending)
        if commit and any(t.startswith(w[:4]) and w.startswith(t) for t in toks[1:] for w in _CONFIRMED):
            commit, verdict, reason = False, Verdict.CHANGE, "commit with an automatic rollback timer"
        elif commit and not rule.commit:
            reason = "leaving configuration mode here asks to commit the pending changes"
        pending = st.pending
        if rule.commit or rule.done:
            pending = False
        elif ctx not in (None, self.exec_ctx) and verdict >= Verdict.CHANGE:
            pending = True
        if ctx is None:
            nxt = State(st.ctx, st.subject, pending)  # not _replace: this runs for every reading
        elif rule.enter == "..":
            nxt = State(self.grammar.parents.get(ctx) or self.exec_ctx, "", pending)
        elif rule.enter:
            subject = next((f"{k}:{t}" for k, t in m.captures if k in _SUBJECT_KINDS), "")
            nxt = State(rule.enter, subject, pending)
        elif ctx != st.ctx:
            nxt = State(ctx, "", pending)
        else:
            nxt = State(st.ctx, st.subject, pending)
        if nxt.pending and nxt.ctx == self.exec_ctx:
            nxt = State(nxt.ctx, nxt.subject, False)
        down = None
        if rule.down:
            down = next(((k, t) for k, t in m.captures if k in _SUBJECT_KINDS), None)
            if down is None:
                kind, _, text = st.subject.partition(":")
                down = (kind, text)
        return Outcome(verdict, reason, nxt, down, commit)

    def grammar_outcomes(self, ctx: str, toks: tuple[str, ...], st: State, *, judge_only: bool = False,
                         fall_through: bool = True) -> list[Outcome]:
        """Readings of ``toks`` in ``ctx``, or in the nearest parent context that knows it."""
        outs: list[Outcome] = []
        current: str | None = ctx
        first = toks[0]
        while current is not None:
            root = self.grammar.roots[current]
            if first not in root.prefixes:  # nothing here starts with that word: straight to the parent
                current = self.grammar.parents.get(current) if fall_through else None
                continue
            found = match_root(root, toks)
            mode = None if judge_only else current
            outs += [self.outcome(m, st, mode, toks) for m in found]
            if found and toks[0] in root.lits:
                break  # a keyword typed in full: the device stays in this mode
            # Only abbreviations matched here (``router`` for ``router-id``): the device may just as
            # well reject it in this mode and take it in the parent, so read it there too.
            current = self.grammar.parents.get(current) if fall_through else None
        return outs

    def also_exec(self, outs: list[Outcome], toks: tuple[str, ...], st: State) -> list[Outcome]:
        """Add the reading as an exec command, where that is stricter (some CLIs run both)."""
        if st.ctx == self.exec_ctx:
            return outs
        ceiling = max((o.verdict for o in outs), default=None)
        if ceiling is Verdict.DANGEROUS:
            return outs  # nothing can be stricter
        extra = self.grammar_outcomes(self.exec_ctx, toks, st, judge_only=True)
        return outs + [o for o in extra if ceiling is None or o.verdict > ceiling]


_SUBJECT_KINDS = ("if", "lag", "ifs", "rest", "word", "peer", "grp", "asn")


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
        from oob_console.core.guard.grammar_cisco import CISCO_PLATFORMS

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
        from oob_console.core.guard.grammar_cisco import cisco_dialect
        from oob_console.core.guard.grammar_junos import JunosDialect

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
            reasons.append((Verdict.DANGEROUS, f"takes {len(downs)} interfaces down in one run "
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

