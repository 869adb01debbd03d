"""Every keyword of a statement read the way the device's CLI reads it.

Cisco-style CLIs and Junos accept an abbreviation at every keyword level, not
only for the first word: ``ip pre OURS``, ``ro bg 65000``, ``set pol
policy-st X then rej``. The configuration model matches protected parts and
its rules on whole keywords, so its reader expands each word that is an
unambiguous prefix of a keyword allowed *at that position*.

The keywords allowed at a position come from the rules checker's grammar for
the platform (one trie per context): the reader walks the tries of the context
the line is typed in and of its parents (the device falls through to them),
following keywords and argument slots, and at each position takes the keywords
any live path allows. A word
that fits an argument slot but is also the unique prefix of a keyword there is
read as the keyword (the reading that names more, so the model checks more).
Past the grammar's reach (a pattern ending in ``...``) a word is left as typed.
"""

from __future__ import annotations

from functools import cache, lru_cache

from oob_console.core.guard.grammar import ARGS, Grammar, Node, match_root
from oob_console.core.guard.rules import platform_dialects

_LEADS = ("no", "default")  # a negation: the rest is read from the mode's top as well


@cache
def _grammar(platform: str) -> Grammar | None:
    dialects = platform_dialects()
    return dialects[platform].grammar if platform in dialects else None


@lru_cache(maxsize=1024)
def contexts(platform: str, mode: str, path: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The grammar contexts a line typed under ``path`` (the openers it is inside) is read in, innermost
    first: the context the openers entered, then its parents, as the device falls through to them."""
    grammar = _grammar(platform)
    if grammar is None:
        return ()
    if platform == "junos":
        return ("op",) if mode == "exec" else ("cfg",)
    if mode == "exec":
        return ("exec",)
    ctx = "config"
    for opener in path:
        for name in _chain(grammar, ctx):
            entered = [m.rule.enter for m in match_root(grammar.roots[name], tuple(opener.split()))
                       if m.rule.enter and m.rule.enter not in ("..", "exec")]
            if entered:
                ctx = entered[0]
                break
    return _chain(grammar, ctx)


def _chain(grammar: Grammar, ctx: str) -> tuple[str, ...]:
    out: list[str] = []
    current: str | None = ctx
    while current is not None and current not in out and current in grammar.roots:
        out.append(current)
        current = grammar.parents.get(current)
    return tuple(out)


_STARTS: dict[Node, dict[str, tuple[str, ...]]] = {}  # part of the compiled grammar: never forgotten


def _keywords_at(node: Node) -> dict[str, tuple[str, ...]]:
    """Every prefix of a keyword ``node`` allows -> the keywords it starts (worked out once per node)."""
    found = _STARTS.get(node)
    if found is None:
        index: dict[str, list[str]] = {}
        for word in node.lits:
            for n in range(1, len(word) + 1):
                index.setdefault(word[:n], []).append(word)
        found = _STARTS[node] = {p: tuple(words) for p, words in index.items()}
    return found


@lru_cache(maxsize=1 << 14)
def expand_keywords(platform: str, where: tuple[str, ...], line: str) -> str:
    """``line`` (lowercased, single-spaced) read in the grammar contexts ``where`` (see :func:`contexts`)
    with every abbreviated keyword written out in full."""
    grammar = _grammar(platform)
    roots = tuple(grammar.roots[name] for name in where) if grammar is not None else ()
    toks = line.split()
    if not roots or not toks:
        return line
    out = list(toks)
    frontier: dict[int, list[Node]] = {0: list(roots)}
    for i, tok in enumerate(toks):
        nodes = frontier.pop(i, None)
        if i == 1 and out[0] in _LEADS:
            nodes = [*(nodes or ()), *roots]
        if not nodes:
            if not frontier:
                break  # no keyword path reaches further: the rest stays as typed
            continue
        shell = i == 0 and len(toks) > 1 and toks[1].startswith(("/", "./", "-"))  # "sh /x.sh" runs a shell
        if not shell and not any(tok in n.lits for n in nodes):
            full = {w for n in nodes for w in _keywords_at(n).get(tok, ())}
            if len(full) == 1:
                out[i] = full.pop()
        word, read = out[i], None
        for node in set(nodes):
            child = node.lits.get(word)
            if child is not None:
                frontier.setdefault(i + 1, []).append(child)
            for kind, child in node.args:
                read = read or tuple(out)
                for end in ARGS[kind](read, i):
                    frontier.setdefault(end, []).append(child)
    return " ".join(out)
