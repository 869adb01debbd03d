"""What a platform's CLI is to the rules: its grammar, modes, and how it splits and tokenises text.

A :class:`Dialect` is data the rule checker (``rules``) reads: each platform's
module (``grammar_cisco``, ``grammar_junos``) makes one from its grammar text,
and nothing here knows about checking a request or about any one platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from oob_console.core.guard.decision import Verdict
from oob_console.core.guard.grammar import Grammar, Match, match_root

MAX_REMEMBERED = 1 << 15  # remembered line readings per platform (a few MB at most)


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


def split_unquoted(text: str, sep: str) -> list[str]:
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
        if ctx is None or (ctx == st.ctx and not rule.enter):
            nxt = st if pending == st.pending else State(st.ctx, st.subject, pending)  # runs for every reading
        elif rule.enter == "..":
            nxt = State(self.grammar.parents.get(ctx) or self.exec_ctx, "", pending)
        elif rule.enter:
            subject = next((f"{k}:{t}" for k, t in m.captures if k in _SUBJECT_KINDS), "")
            nxt = State(rule.enter, subject, pending)
        else:
            nxt = State(ctx, "", pending)
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
