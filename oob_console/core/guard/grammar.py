"""A small grammar language for router CLIs, and its abbreviation-aware matcher.

Each platform's rules are text (see ``grammar_cisco`` and ``grammar_junos``)::

    @if,ifr < config                      contexts sharing the rules below; their parent
    shutdown             = C +down | takes the interface down
    clear [ip] bgp * ... = D | hard-resets every BGP session
    interface <if>       = C >if

A pattern is a sequence of keywords (matched case-insensitively by any
unambiguous prefix, as the devices do: ``sh run``, ``conf t``), argument
slots (``<if>`` one interface, ``<lag>`` a bundle, ``<ifs>`` a range or
wildcard, ``<addr>``, ``<num>``, ``<grp>`` a peer-group name, ``<word>``,
``<rest>`` everything after), ``[a|b c]`` optional choices, ``(a|b)`` required
choices and a final ``...`` (anything may follow). After ``=``: the verdict
(``R`` read-only, ``C`` change, ``D`` dangerous, ``K`` a commit without a
rollback timer), ``>ctx`` the context entered, ``+flags``, then ``| reason``.

Matching takes the most specific pattern along one keyword path; where a
prefix is ambiguous or several argument kinds fit, every reading is kept and
the caller takes the strictest (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from oob_console.core.guard.decision import Verdict

_VERDICTS = {"R": Verdict.READ_ONLY, "C": Verdict.CHANGE, "D": Verdict.DANGEROUS, "K": Verdict.CHANGE}
_DEFAULT_REASON = {Verdict.READ_ONLY: "only reads", Verdict.CHANGE: "changes configuration or state",
                   Verdict.DANGEROUS: "dangerous"}


@dataclass(frozen=True)
class Rule:
    verdict: Verdict
    reason: str
    enter: str | None
    flags: frozenset[str]
    pattern: str
    # derived from flags once, read on every match
    commit: bool = False  # a commit without an automatic rollback
    down: bool = False  # takes the interface(s) it names, or of its context, down
    done: bool = False  # ends the pending changes (commit confirmed, abort)
    endcommit: bool = False  # commits the pending changes, if there are any


@dataclass(frozen=True)
class Match:
    rule: Rule
    captures: tuple[tuple[str, str], ...]  # (kind, text) of each argument slot filled


class Node:
    __slots__ = ("args", "end", "lits", "prefixes", "rest")

    def __init__(self) -> None:
        self.lits: dict[str, Node] = {}
        self.prefixes: dict[str, tuple[Node, ...]] = {}
        self.args: list[tuple[str, Node]] = []
        self.end: Rule | None = None
        self.rest: Rule | None = None

    def child(self, item: tuple[str, str]) -> Node:
        kind, value = item
        if kind == "lit":
            return self.lits.setdefault(value, Node())
        for existing_kind, node in self.args:
            if existing_kind == value:
                return node
        node = Node()
        self.args.append((value, node))
        return node

    def finish(self) -> None:
        """Index every prefix of every keyword, so matching a token is one dict lookup."""
        index: dict[str, list[Node]] = {}
        for word, node in self.lits.items():
            for n in range(1, len(word) + 1):
                index.setdefault(word[:n], []).append(node)
            node.finish()
        self.prefixes = {p: tuple(nodes) for p, nodes in index.items()}
        for _, node in self.args:
            node.finish()


# --- argument slots: (tokens, position) -> the positions where the slot may end --------------

_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}$")
_IPV6 = re.compile(r"[0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*$")
_NUM = re.compile(r"\d+$")
_ASN = re.compile(r"\d+(?:\.\d+)?$")
_IF_ONE = re.compile(r"([a-z][a-z_-]*)(\d+(?:/\d+)*(?:[.:]\d+)*)$")
_IF_TYPE = re.compile(r"[a-z][a-z_-]*$")
_IF_NUM = re.compile(r"\d+(?:/\d+)*(?:[.:]\d+)*$")
_RANGE_CHARS = frozenset(",*[<")
_LAG_NAMES = ("port-channel", "bundle-ether")
_LAG_EXACT = frozenset({"ae", "be", "bond", "lag", "po", "reth"})
_DASHED = re.compile(r"\d\s*-\s*\d")  # a numeric range such as "1 - 4"
_TIGHT_DASH = re.compile(r"\d-\d")
_IFS_START = re.compile(r"[a-z<*\[]")


def is_address(tok: str) -> bool:
    return bool(_IPV4.match(tok) or _IPV6.match(tok))


def is_lag_type(typ: str) -> bool:
    typ = typ.rstrip("-_")
    return typ in _LAG_EXACT or (len(typ) >= 2 and any(name.startswith(typ) for name in _LAG_NAMES))


def _iface_at(toks: tuple[str, ...], i: int) -> tuple[str, int] | None:
    """(type, end) of one interface name at ``i``: ``gi0/0`` or ``gi 0/0``."""
    tok = toks[i]
    if _RANGE_CHARS.intersection(tok):
        return None
    m = _IF_ONE.match(tok)
    if m:
        return m.group(1), i + 1
    if _IF_TYPE.match(tok) and i + 1 < len(toks) and _IF_NUM.match(toks[i + 1]):
        return tok, i + 2
    return None


def _ranged(toks: tuple[str, ...], start: int) -> bool:
    text = " ".join(toks[start:])
    return bool(_RANGE_CHARS.intersection(text) or _DASHED.search(text) or "macro" in toks[start:])


def _arg_if(toks: tuple[str, ...], i: int) -> list[int]:
    found = _iface_at(toks, i)
    if found is None or is_lag_type(found[0]):
        return []
    return [found[1]] if not (found[1] < len(toks) and toks[found[1]] in ("-", ",")) else []


def _arg_lag(toks: tuple[str, ...], i: int) -> list[int]:
    found = _iface_at(toks, i)
    return [found[1]] if found and is_lag_type(found[0]) and not _ranged(toks[i:found[1] + 2], 0) else []


def _arg_ifs(toks: tuple[str, ...], i: int) -> list[int]:
    """A range, list or wildcard: one token (``ge-0/0/[0-3]``, ``<*>``, ``et1-4``) or the rest."""
    tok = toks[i]
    if not _IFS_START.match(tok) or is_address(tok):
        return []
    ends = [i + 1] if _RANGE_CHARS.intersection(tok) or _TIGHT_DASH.search(tok) else []
    if len(toks) > i + 1 and _ranged(toks, i):
        ends.append(len(toks))
    return ends


# Words that are keywords where a peer-group name could stand: never read as a group name.
_NOT_GROUPS = frozenset(
    "vrf ipv4 ipv6 vpnv4 vpnv6 l2vpn evpn all unicast multicast soft in out external internal peer-group "
    "dampening flap-statistics neighbor interface instance as group description activate remote-as "
    "update-source route-map prefix-list password timers ebgp-multihop send-community next-hop-self "
    "capability bfd local-as allowas-in maximum-prefix weight default-originate soft-reconfiguration "
    "route-reflector-client peer statistics counters shutdown".split()
)


def _arg_grp(toks: tuple[str, ...], i: int) -> list[int]:
    tok = toks[i]
    if tok in _NOT_GROUPS or is_address(tok) or _NUM.match(tok) or _iface_at(toks, i) or tok == "*":
        return []
    return [i + 1]


def _arg_peer(toks: tuple[str, ...], i: int) -> list[int]:
    if is_address(toks[i]):
        return [i + 1]
    found = _iface_at(toks, i)
    return [found[1]] if found else []


ARGS: dict[str, Callable[[tuple[str, ...], int], list[int]]] = {
    "if": _arg_if,
    "lag": _arg_lag,
    "ifs": _arg_ifs,
    "grp": _arg_grp,
    "peer": _arg_peer,
    "addr": lambda t, i: [i + 1] if is_address(t[i]) else [],
    "num": lambda t, i: [i + 1] if _NUM.match(t[i]) else [],
    "asn": lambda t, i: [i + 1] if _ASN.match(t[i]) else [],
    "word": lambda t, i: [i + 1],
    "rest": lambda t, i: [len(t)],
}


# --- the pattern language --------------------------------------------------------------------

_ITEM = re.compile(r"\s*(\[|\]|\(|\)|\||\.\.\.|<[a-z]+>|[^\s\[\]()|]+)")


def _lex(pattern: str) -> list[str]:
    out, pos = [], 0
    while pos < len(pattern):
        m = _ITEM.match(pattern, pos)
        if not m:
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def _expand(tokens: list[str], pos: int = 0, closers: str = "") -> tuple[list[list[tuple[str, str]]], int]:
    """All item sequences a pattern stands for (cartesian product of its choices)."""
    seqs: list[list[tuple[str, str]]] = [[]]
    while pos < len(tokens) and tokens[pos] not in closers:
        tok = tokens[pos]
        if tok in "[(":
            alts: list[list[tuple[str, str]]] = []
            pos += 1
            while True:
                sub, pos = _expand(tokens, pos, "|])")
                alts.extend(sub)
                if tokens[pos] == "|":
                    pos += 1
                    continue
                pos += 1
                break
            if tok == "[":
                alts.append([])
            seqs = [s + a for s in seqs for a in alts]
            continue
        if tok == "...":
            item = ("rest", "")
        elif tok.startswith("<"):
            if tok[1:-1] not in ARGS:
                raise ValueError(f"unknown argument slot {tok}")
            item = ("arg", tok[1:-1])
        else:
            item = ("lit", tok.lower())
        seqs = [[*s, item] for s in seqs]
        pos += 1
    return seqs, pos


def _parse_rule(line: str) -> tuple[str, Rule]:
    pattern, _, outcome = line.partition("=")
    outcome, _, reason = outcome.partition("|")
    parts = outcome.split()
    if not parts or parts[0] not in _VERDICTS:
        raise ValueError(f"grammar line without a verdict: {line!r}")
    enter = next((p[1:] for p in parts[1:] if p.startswith(">")), None)
    flags = frozenset(p[1:] for p in parts[1:] if p.startswith("+")) | ({"commit"} if parts[0] == "K" else set())
    unknown = flags - {"commit", "down", "done", "endcommit"}
    if unknown:
        raise ValueError(f"unknown flag(s) {unknown} in {line!r}")
    return pattern.strip(), Rule(_VERDICTS[parts[0]], reason.strip() or _DEFAULT_REASON[_VERDICTS[parts[0]]], enter,
                                 flags, pattern.strip(), "commit" in flags, "down" in flags, "done" in flags,
                                 "endcommit" in flags)


@dataclass
class Grammar:
    """Compiled contexts of one platform: a trie per context and each context's parent."""

    roots: dict[str, Node]
    parents: dict[str, str | None]

    @classmethod
    def compile(cls, *texts: str) -> Grammar:
        roots: dict[str, Node] = {}
        parents: dict[str, str | None] = {}
        current: list[str] = []
        for raw in "\n".join(texts).splitlines():
            line = raw.split(" #", 1)[0].strip()
            if not line:
                continue
            if line.startswith("@"):
                names, _, parent = line[1:].partition("<")
                current = [n.strip() for n in names.split(",")]
                for name in current:
                    roots.setdefault(name, Node())
                    parents[name] = parent.strip() or parents.get(name)
                continue
            pattern, rule = _parse_rule(line)
            for seq in _expand(_lex(pattern))[0]:
                for ctx in current:
                    node = roots[ctx]
                    for item in seq:
                        if item[0] == "rest":
                            break
                        node = node.child(item)
                    if seq and seq[-1][0] == "rest":
                        node.rest = rule
                    else:
                        node.end = rule
        for root in roots.values():
            root.finish()
        return cls(roots, parents)


def match(node: Node, toks: tuple[str, ...], i: int = 0,
          caps: tuple[tuple[str, str], ...] = ()) -> list[Match]:
    """Every reading of ``toks[i:]`` under ``node``; the deepest along each path."""
    found: list[Match] = []
    if i == len(toks):
        if node.end is not None:
            found.append(Match(node.end, caps))
    else:
        tok = toks[i]
        exact = node.lits.get(tok)
        for child in (exact,) if exact is not None else node.prefixes.get(tok, ()):
            found.extend(match(child, toks, i + 1, caps))
        if not (exact is not None and found):  # a keyword typed in full beats an argument slot
            for kind, child in node.args:
                for end in ARGS[kind](toks, i):
                    found.extend(match(child, toks, end, (*caps, (kind, " ".join(toks[i:end])))))
    if not found and node.rest is not None:
        found.append(Match(node.rest, caps))
    return found


@lru_cache(maxsize=1 << 15)
def match_root(root: Node, toks: tuple[str, ...]) -> tuple[Match, ...]:
    """:func:`match` from a context's root, remembered: grammars never change and lines repeat a lot."""
    return tuple(match(root, toks))
