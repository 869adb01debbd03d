"""A candidate block as the configuration model reads it: statements with their configuration context.

Independent of the rule checker's grammars: this is a small mode tracker per
platform family. Cisco-style CLIs (IOS/IOS-XE, EOS, IOS-XR, FRR, NX-OS): exec
until ``configure``; ``interface``/``router``/``route-map``/... open a context
(the opener words are data below), a nested opener (``address-family``,
``neighbor X`` on IOS-XR, ``class`` in a policy-map) opens one inside it,
``exit``/``end`` leave, and a line that can only be global (``ip route``,
``username``, ``no <opener>``) leaves every context first, as the device does.
Junos: ``set``/``delete``/``deactivate`` paths, ``edit``/``up``/``top``, and
``run`` in configuration mode. Every keyword is expanded when it is an
unambiguous abbreviation of a keyword allowed at its position (``keywords``:
the rules checker's grammar; Junos paths also by hierarchy level below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from oob_console.core.guard.config_model import norm
from oob_console.core.guard.keywords import contexts, expand_keywords

TOP_OPENERS = (
    "interface", "router", "route-map", "ip access-list", "ipv6 access-list", "ipv4 access-list",
    "mac access-list", "line", "policy-map", "class-map", "control-plane", "system control-plane", "vrf",
    "management", "event manager applet", "event-handler", "daemon", "route-policy", "prefix-set",
    "community-set", "as-path-set", "aaa group server", "key chain", "kron", "schedule", "monitor session",
)
NESTED_OPENERS = {  # the first word of the top context -> openers allowed inside it
    "router": ("address-family", "neighbor-group", "vrf", "template", "session-group", "area"),
    "policy-map": ("class",),
    "management": ("vrf",),
    "vrf": ("address-family",),
}
TOP_ONLY = (  # lines that can only be global: they leave every context first
    "ip route", "ipv6 route", "ip prefix-list", "ipv6 prefix-list", "username", "aaa ", "access-list",
    "alias ", "ntp ", "logging ", "snmp-server", "boot ", "hostname", "ip routing", "ip cef", "crypto ",
    "ip ssh", "netconf-yang", "ssh server", "ip community-list", "ip as-path", "ipv6 unicast-routing",
    "ip forwarding", "ipv6 forwarding", "restconf", "service ", "banner ",
)
_EXEC_WORDS = ("show", "configure", "delete", "write", "copy", "reload", "clear", "ping", "traceroute",
               "terminal", "dir", "more", "bash", "run", "start", "tclsh", "script", "python", "guestshell",
               "reset", "request", "file", "erase", "format", "exit", "end", "enable", "disable", "debug")
_CONFIG_WORDS = ("interface", "shutdown", "router", "route-map", "description", "username", "neighbor",
                 "access-class", "transport", "line", "exit", "end", "alias", "event", "management",
                 "control-plane", "aaa", "crypto", "channel-group", "lacp", "port-channel", "bundle", "vrf",
                 "policy-map", "class", "police", "no", "default", "do", "address-family", "network", "commit",
                 "abort", "exit-address-family", "exit-vrf", "remote-as", "update-source", "password",
                 "maximum-prefix", "maximum-routes", "activate", "cli", "feature", "nxapi", "copp", "template",
                 "inherit")


_JUNOS_WORDS = ("show", "request", "clear", "file", "configure", "start", "op", "restart", "ping", "traceroute",
                "monitor", "set", "test", "run", "help", "quit", "exit", "delete", "deactivate", "activate", "edit",
                "commit", "rollback", "load", "top", "up", "insert", "rename", "replace", "annotate")


_JUNOS_PATH = ("system", "interfaces", "protocols", "policy-options", "firewall", "routing-options",
               "routing-instances", "forwarding-options", "chassis", "event-options", "snmp", "security", "services",
               "class-of-service", "bgp", "ospf", "ospf3", "isis", "mpls", "ldp", "rsvp", "lldp", "pim", "login",
               "authentication-order", "scripts", "root-authentication", "management-instance", "tacplus-server",
               "radius-server", "static", "router-id", "autonomous-system", "forwarding-table", "rib", "group",
               "neighbor", "policy-statement", "prefix-list", "community", "as-path", "family", "filter", "term",
               "user", "ssh", "netconf", "aggregated-ether-options", "gigether-options", "ether-options", "unit",
               "disable", "overload", "route", "commit", "op", "event-script", "aggregated-devices")


# The keywords each Junos hierarchy level allows ("" the top): an abbreviation is read against the
# level it is typed at (``pol`` is ``policy-options`` at the top, ``policy-statement`` inside it).
_JUNOS_LEVELS: dict[str, tuple[str, ...]] = {
    "": ("system", "interfaces", "protocols", "policy-options", "firewall", "routing-options", "routing-instances",
         "forwarding-options", "chassis", "event-options", "snmp", "security", "services", "class-of-service"),
    "system": ("login", "authentication-order", "services", "root-authentication", "tacplus-server",
               "radius-server", "scripts", "host-name", "syslog", "ntp", "management-instance"),
    "services": ("ssh", "netconf", "telnet", "web-management"),
    "protocols": ("bgp", "ospf", "ospf3", "isis", "mpls", "ldp", "rsvp", "lldp", "pim"),
    "policy-options": ("policy-statement", "prefix-list", "community", "as-path"),
    "policy-statement": ("term", "from", "then"),
    "term": ("from", "then"),
    "then": ("accept", "reject", "next-hop", "community", "local-preference", "metric", "as-path-prepend", "next"),
    "routing-options": ("static", "rib", "router-id", "autonomous-system", "forwarding-table"),
    "static": ("route",),
    "bgp": ("group", "neighbor", "disable", "shutdown"),
    "group": ("neighbor", "type", "peer-as", "import", "export", "local-address", "disable", "shutdown"),
    "firewall": ("family", "filter"),
    "filter": ("term",),
}


def _junos_path(words: list[str]) -> list[str]:
    """Expand the hierarchy keywords of a Junos path (``set proto isi overload``); names are left alone."""
    out: list[str] = []
    level = ""  # the last keyword read: its level's vocabulary comes first
    for i, word in enumerate(words):
        named = i > 0 and out[i - 1] in _NAMED  # a name the operator chose: never expanded
        if named or any(c.isdigit() for c in word):
            out.append(word)
            continue
        here = _JUNOS_LEVELS.get(level)
        full = _expand(word, here) if here else word
        out.append(full if full in (here or ()) else _expand(word, _JUNOS_PATH))
        level = out[-1]
    return out


_NAMED = frozenset({"group", "neighbor", "policy-statement", "prefix-list", "filter", "term", "user", "community",
                    "as-path", "interfaces", "routing-instances", "description", "route"})


@dataclass(frozen=True)
class Stmt:
    line: int
    mode: str  # "exec" or "config"
    path: tuple[str, ...]  # enclosing contexts, outermost first (Junos: the edit path)
    text: str  # the statement, lowercased, single-spaced, abbreviations expanded
    opener: bool = False  # it only opens a context

    @cached_property  # read many times per statement: worked out once
    def negated(self) -> bool:
        return self.text.startswith(("no ", "default ", "delete ", "deactivate "))

    @cached_property  # read many times per statement: worked out once
    def body(self) -> str:
        """The statement without ``no``/``default``/``set``/``delete``/``deactivate``."""
        for lead in ("no ", "default ", "set ", "delete ", "deactivate ", "activate "):
            if self.text.startswith(lead):
                return self.text[len(lead):]
        return self.text

    @cached_property  # read many times per statement: worked out once
    def top(self) -> str:
        return self.path[0] if self.path else self.body


def _expand(word: str, vocab: tuple[str, ...]) -> str:
    """``word`` itself when ``vocab`` has it, else the one word of ``vocab`` it abbreviates, else ``word``."""
    return _abbreviations(vocab).get(word, word)


@lru_cache(maxsize=64)
def _abbreviations(vocab: tuple[str, ...]) -> dict[str, str]:
    """Every prefix of a word in ``vocab`` -> what :func:`_expand` makes of it (built once per vocabulary)."""
    starts: dict[str, list[str]] = {}
    for word in vocab:
        for end in range(1, len(word) + 1):
            starts.setdefault(word[:end], []).append(word)
    return {p: p if p in vocab else (found[0] if len(found) == 1 else p) for p, found in starts.items()}


def _expand_line(line: str, config: bool) -> str:
    words = line.split()
    if not words:
        return line
    vocab = _CONFIG_WORDS if config else _EXEC_WORDS
    if not config and words[0] in ("sh", "sho") and not (len(words) > 1 and words[1].startswith(("/", ".", "-"))):
        words[0] = "show"
    if not (len(words) > 1 and words[1].startswith(("/", "./", "-"))):  # "sh /path/x.sh" is a shell
        words[0] = _expand(words[0], vocab)
    if words[0] in ("no", "default") and len(words) > 1:
        words[1] = _expand(words[1], _CONFIG_WORDS)
    if config and words[0] in ("sh", "shu", "shut"):
        words[0] = "shutdown"
    if config and len(words) > 1:
        at = 1 if words[0] in ("no", "default") else 0
        for i in (at, at + 1):  # each word expanded before the next is looked up
            following = _KEYWORDS_AFTER.get(" ".join(words[at:i + 1]))
            if following and len(words) > i + 1:
                words[i + 1] = _expand(words[i + 1], following)
        if words[at] in ("ip", "ipv6", "ipv4") and len(words) > at + 1:
            words[at + 1] = _expand_ip(words[at + 1], words[at + 2:])
    return " ".join(words)


# Keyword paths whose next word is a keyword too (abbreviated as the device allows: ``eve man app X``).
_KEYWORDS_AFTER = {
    "cli": ("alias", "var"), "cli alias": ("name",), "event": ("manager",),
    "event manager": ("applet", "environment", "policy", "run"), "aaa": ("authentication", "authorization",
                                                                        "accounting", "group", "new-model"),
    "aaa authentication": ("login",), "copp": ("profile",),
}
_IP_WORDS = ("prefix-list", "route", "routing", "ssh", "http", "vrf", "community-list", "as-path", "cef",
             "forwarding", "unicast-routing", "address", "ospf", "router", "domain-name", "name-server")


def _expand_ip(word: str, after: list[str]) -> str:
    """The keyword after ``ip``: ``ip acc NAME`` defines an access list, ``ip acc NAME in`` applies one."""
    found = [w for w in ("access-list", "access-group", "access-class") if w.startswith(word)]
    if len(word) >= 3 and found:
        if len(found) == 1:
            return found[0]
        return "access-group" if after[-1:] in (["in"], ["out"]) else "access-list"
    return _expand(word, _IP_WORDS)


def _starts(line: str, prefixes: tuple[str, ...]) -> bool:
    """``line`` is one of ``prefixes`` or starts with one as whole words (one compiled regex per tuple)."""
    return _prefix_regex(prefixes).match(line) is not None


@lru_cache(maxsize=256)
def _prefix_regex(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(p.strip()) + ("" if p.endswith(" ") else "(?: |$)") for p in prefixes)
    return re.compile(f"(?:{alts})")


XR_ONE_LINE = {"router bgp": 3, "router static": 2, "router ospf": 3, "router isis": 3, "interface": 2,
               "control-plane": 1, "line": 2, "ipv4 access-list": 3, "route-policy": 2}


def _one_line(line: str) -> tuple[str, str] | None:
    """IOS-XR's one-line form ``router bgp 1 neighbor-group X ...``: (the opener, the rest), else None."""
    for opener, arity in XR_ONE_LINE.items():
        if line.startswith(opener + " ") or line == opener:
            words = line.split()
            if len(words) > arity:
                return " ".join(words[:arity]), " ".join(words[arity:])
    return None


@lru_cache(maxsize=4096)
def cisco_statements(text: str, platform: str = "ios") -> tuple[Stmt, ...]:
    out: list[Stmt] = []
    mode = "exec"
    stack: list[str] = []
    entered = 0  # where the current configuration session's statements start in ``out``
    for number, raw in enumerate(text.splitlines(), 1):
        line = "" if raw.lstrip().startswith(("!", "#")) else norm(raw)
        if not line:
            continue
        line = expand_keywords(platform, contexts(platform, mode, tuple(stack)), _expand_line(line, mode == "config"))
        if mode == "exec":
            if line.startswith("configure") and not _starts(line, ("configure replace", "configure memory",
                                                                    "configure network", "configure confirm")):
                mode, entered = "config", len(out) + 1
                out.append(Stmt(number, "exec", (), line, opener=True))
                continue
            out.append(Stmt(number, "exec", (), line))
            continue
        if line in ("end", "abort") or line.startswith(("end ", "abort ")):
            if line.startswith("abort"):  # a configuration session thrown away: none of it applies
                out[entered:] = [s for s in out[entered:] if s.mode == "exec"]
            mode, stack = "exec", []
            continue
        bare = line.split(" ", 1)[1] if line.startswith(("no ", "default ")) else line
        if line == "show" or line.startswith("show "):  # IOS-XR and others show from configuration mode
            out.append(Stmt(number, "exec", (), line))
            continue
        if stack and stack[0].startswith("vrf ") and _starts(bare, ("ip route", "ipv6 route")):
            out.append(Stmt(number, "config", tuple(stack), line))  # FRR: a route inside the VRF
            continue
        if line.startswith("do "):
            out.append(Stmt(number, "exec", (), line[3:]))
            continue
        if line.startswith(("exit-address-family", "exit-vrf", "exit-peer", "end-policy", "end-set",
                            "exit-route-map")) or line == "exit":
            if stack:
                stack.pop()
            elif line == "exit":
                mode = "exec"
            continue
        if line.startswith("commit"):
            out.append(Stmt(number, "config", (), line))
            continue
        if stack and stack[0].startswith("router") and line.split()[0] in ("route-policy", "route-map"):
            out.append(Stmt(number, "config", tuple(stack), line))  # a policy applied, not defined
            continue
        split = _one_line(line) if platform == "iosxr" else None
        if split is not None:
            stack = [split[0]]
            out.append(Stmt(number, "config", (split[0],), split[1]))
            continue
        if stack and stack[0].startswith("interface") and _starts(bare, ("vrf",)):
            out.append(Stmt(number, "config", tuple(stack), line))  # an interface's own VRF
            continue
        if stack and _nested_opener(stack[0], line):
            while len(stack) > 1 and not _nested_opener(stack[-1], line) and not _is_parent_of(stack[-1], line):
                stack.pop()
            if len(stack) > 1 and line.split()[0] == stack[-1].split()[0]:
                stack.pop()
            out.append(Stmt(number, "config", tuple(stack), line, opener=True))
            stack.append(line)
            continue
        if _starts(line, TOP_OPENERS) and not _is_leaf_opener(line):
            stack = [line]
            out.append(Stmt(number, "config", (), line, opener=True))
            continue
        if _starts(bare, TOP_OPENERS) or _starts(bare, TOP_ONLY):
            stack = []
            out.append(Stmt(number, "config", (), line))
            continue
        out.append(Stmt(number, "config", tuple(stack), line))
    return tuple(out)


def _is_leaf_opener(line: str) -> bool:
    """``vrf`` / ``alias`` / ``username`` typed with everything on one line are statements, not contexts."""
    words = line.split()
    return (words[0] == "alias" and len(words) > 2) or (words[0] == "username" and len(words) > 2)


def _nested_opener(top: str, line: str) -> bool:
    first = top.split()[0]
    words = line.split()
    allowed = NESTED_OPENERS.get(first, ())
    if first == "router" and words[0] == "neighbor" and len(words) == 2:
        return True  # IOS-XR: "neighbor X" opens the neighbour's context
    return any(line == a or line.startswith(a + " ") for a in allowed)


def _is_parent_of(ctx: str, line: str) -> bool:
    return ctx.startswith(("neighbor", "neighbor-group")) and line.startswith("address-family")


@lru_cache(maxsize=4096)
def junos_statements(text: str) -> tuple[Stmt, ...]:
    out: list[Stmt] = []
    mode = "exec"
    edit: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = norm(raw.split("#", 1)[0])
        if not line:
            continue
        words = line.split()
        words[0] = _expand(words[0], _JUNOS_WORDS)
        line = " ".join(words)
        if mode == "exec":
            if words[0] == "configure":
                mode = "config"
                out.append(Stmt(number, "exec", (), line, opener=True))
            else:
                out.append(Stmt(number, "exec", (), line))
            continue
        verb = words[0]
        if verb in ("exit", "quit") and (len(words) == 1 or words[1].startswith("configuration")):
            if edit and len(words) == 1:
                edit = []
            else:
                mode = "exec"
            continue
        if verb == "top":
            edit = []
            continue
        if verb == "up":
            edit = edit[:-1]
            continue
        if verb == "edit":
            edit = _junos_path([*edit, *words[1:]])
            continue
        if verb == "show":
            out.append(Stmt(number, "exec", (), line))
            continue
        if verb == "run":
            out.append(Stmt(number, "exec", (), " ".join(words[1:])))
            continue
        if verb in ("set", "delete", "deactivate", "activate", "insert", "rename", "replace", "copy", "annotate"):
            path = " ".join([verb, *_junos_path([*edit, *words[1:]])])
            full = expand_keywords("junos", contexts("junos", "config"), path)
            full = full.split(" ", 1)[1] if " " in full else ""
            out.append(Stmt(number, "config", (full,), f"{verb} {full}"))
            continue
        out.append(Stmt(number, "config", (), line))  # commit, rollback, load, show...
    return tuple(out)


def statements(platform: str, text: str) -> tuple[Stmt, ...]:
    return junos_statements(text) if platform == "junos" else cisco_statements(text, platform)
