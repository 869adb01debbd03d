"""Access lists as the configuration model reads them: entries after a block's edits, and first match.

Enough of IOS/EOS/IOS-XR/FRR standard and extended ACL syntax to answer one
question: does this ACL still let the OOB host's SSH in? An entry whose source
the reader cannot parse never matches (so it never counts as the permit that
saves the console).
"""

from __future__ import annotations

import ipaddress
import re

_PROTO = frozenset({"ip", "tcp", "udp", "icmp", "ipv4", "ipv6", "ospf", "pim", "gre", "esp", "ahp", "vrrp"})


def acl_line(line: str) -> str:
    """``access-list 10 permit X`` / ``access-list N seq 5 permit X`` -> ``[seq] permit X``."""
    words = line.split()
    if words and words[0] == "no":
        return line
    words = words[2:] if words[:1] == ["access-list"] else words
    if words[:1] == ["seq"] and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def add_entry(entries: dict[int, tuple[str, list[str]]], line: str) -> None:
    words = line.split()
    if not words:
        return
    if words[0].isdigit():
        seq, words = int(words[0]), words[1:]
    else:
        seq = (max(entries) if entries else 0) + 10
    if words and words[0] in ("permit", "deny"):
        entries[seq] = (words[0], words[1:])


def first_match(entries: list[tuple[int, str, list[str]]], addr: str) -> str:
    """The action of the first entry that would take the OOB host's new SSH connection.

    A permit counts only where it surely matches; a deny wherever it may (fail closed)."""
    for _, action, words in entries:
        if _matches(words, addr, surely=action == "permit"):
            return action
    return "deny"


_SSH_PROTOS = frozenset({"ip", "ipv4", "ipv6", "tcp", "6"})
_PORT_OPS = {"eq": 1, "neq": 1, "gt": 1, "lt": 1, "range": 2}


def _matches(words: list[str], addr: str, *, surely: bool) -> bool:
    rest = list(words)
    if rest and (rest[0] in _PROTO or rest[0].isdigit()):
        if rest[0] not in _SSH_PROTOS:
            return False  # udp, icmp, ospf ...: never the console's SSH
        rest = rest[1:]
    if not rest:
        return False
    source, used = _source(rest, addr)
    if not source:
        return False
    rest = rest[used:]
    if rest and rest[0] in _PORT_OPS:  # a source port: the console's is ephemeral, any one
        if surely:
            return False
        rest = rest[1 + _PORT_OPS[rest[0]]:]
    rest = rest[_destination_words(rest):]
    if "established" in rest:
        return False  # matches only packets of a connection already open, never the console's first
    if rest and rest[0] in _PORT_OPS:
        return _port_22(rest[0], rest[1:3], surely=surely)
    return True


def _source(rest: list[str], addr: str) -> tuple[bool, int]:
    try:
        ip = ipaddress.ip_address(addr)
        if rest[0] == "any":
            return True, 1
        if rest[0] == "host" and len(rest) > 1:
            return ip == ipaddress.ip_address(rest[1]), 2
        if "/" in rest[0]:
            return ip in ipaddress.ip_network(rest[0], strict=False), 1
        base = ipaddress.ip_address(rest[0])
        if len(rest) > 1 and _DOTTED.fullmatch(rest[1]):
            wild = int(ipaddress.ip_address(rest[1]))
            return (int(ip) & ~wild) == (int(base) & ~wild), 2
        return ip == base, 1
    except ValueError:
        return False, 0


def _destination_words(rest: list[str]) -> int:
    if not rest or rest[0] in _PORT_OPS:
        return 0
    if rest[0] == "host" or (len(rest) > 1 and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", rest[1])
                             and "/" not in rest[0] and rest[0] != "any"):
        return 2
    return 1


def _port_22(op: str, args: list[str], *, surely: bool) -> bool:
    nums = [22 if a == "ssh" else int(a) if a.isdigit() else None for a in args]
    if not nums or nums[0] is None or (op == "range" and (len(nums) < 2 or nums[1] is None)):
        return not surely  # a named port this reader does not know
    first = nums[0]
    if op == "eq":
        return first == 22
    if op == "neq":
        return first != 22
    if op == "gt":
        return first < 22
    if op == "lt":
        return first > 22
    last = nums[1]
    return last is not None and first <= 22 <= last


_RANGE = re.compile(r"^range\s+")
_DASH = re.compile(r"\s*-\s*")
_COMMA = re.compile(r"\s*,\s*")
_ITEM = re.compile(r"([a-z][a-z-]*?)?((?:\d+/)*)(\d+)(?:-(\d+))?")
_DOTTED = re.compile(r"\d+\.\d+\.\d+\.\d+")


def expand_spec(spec: str) -> list[str]:
    spec = _RANGE.sub("", spec.strip())
    spec = _DASH.sub("-", _COMMA.sub(",", spec))
    words = spec.split()
    if len(words) > 1 and words[0].isalpha() and words[1][:1].isdigit():
        words = [words[0] + words[1], *words[2:]]
    spec = words[0] if words else ""
    out: list[str] = []
    prefix = ""
    for item in spec.split(","):
        m = _ITEM.fullmatch(item)
        if not m:
            out.append(item)
            continue
        prefix = m.group(1) or prefix
        lo, hi = int(m.group(3)), int(m.group(4) or m.group(3))
        out += [f"{prefix}{m.group(2)}{n}" for n in range(lo, min(hi, lo + 256) + 1)]
    return out
