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
    for _, action, words in entries:
        if _matches(words, addr):
            return action
    return "deny"


def _matches(words: list[str], addr: str) -> bool:
    rest = list(words)
    if rest and (rest[0] in _PROTO or rest[0].isdigit()):
        rest = rest[1:]
    if not rest:
        return False
    if "eq" in rest:
        port = rest[rest.index("eq") + 1] if rest.index("eq") + 1 < len(rest) else ""
        if port not in ("ssh", "22"):  # the console's SSH; NETCONF on 830 is not its way in
            return False
    try:
        ip = ipaddress.ip_address(addr)
        if rest[0] == "any":
            return True
        if rest[0] == "host" and len(rest) > 1:
            return ip == ipaddress.ip_address(rest[1])
        if "/" in rest[0]:
            return ip in ipaddress.ip_network(rest[0], strict=False)
        base = ipaddress.ip_address(rest[0])
        if len(rest) > 1 and _DOTTED.fullmatch(rest[1]):
            wild = int(ipaddress.ip_address(rest[1]))
            return (int(ip) & ~wild) == (int(base) & ~wild)
        return ip == base
    except ValueError:
        return False


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
