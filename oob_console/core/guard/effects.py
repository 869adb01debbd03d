"""What a block would take down, read from its words (checker 2's front half).

Unlike the rule checker this does not parse command grammars. It walks the
statements once, keeps a rough idea of which object the lines are about (the
last ``interface``/``router``/``neighbor`` line, the Junos ``edit`` path or
brace nesting), and looks for the few shapes that take something down: a
verb (``shutdown``, ``disable``, ``no``/``delete``/``deactivate``, ``clear``,
``reload``...) applied to an object (interfaces, a bundle, BGP neighbours, a
routing instance, a whole protocol, the device). Everything that is not a
plain read counts as at least a change. ``blast`` then measures the effects
against the inventory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# kinds of effect: links (spec), session (neighbour address), bgp (every session, maybe of one vrf/AS/kind),
# igp (every adjacency: all critical links), instance (a routing instance), device (all of it),
# change (nothing taken down), read (nothing changed)


@dataclass(frozen=True)
class Effect:
    kind: str
    target: str = ""
    line: int = 0
    text: str = ""
    why: str = ""
    vrf: str = ""  # bgp/session: only this routing instance ("" any)
    asn: str = ""  # bgp: only sessions to this AS
    bgp_kind: str = ""  # bgp: only "ebgp" or "ibgp" sessions


@dataclass
class _Ctx:
    iface: str | None = None
    bgp: bool = False
    vrf: str = ""
    nbr: str | None = None
    grp: str | None = None
    igp: bool = False


_WORD = re.compile(r'"[^"]*"?|[{};]|[^\s{};"]+')
_ADDR = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]*:[0-9a-f:.]*)$")
_ASN = re.compile(r"^\d+(\.\d+)?$")
# read-only verbs and the shortest abbreviation taken for each
_READS = {"show": 2, "ping": 2, "traceroute": 4, "monitor": 3, "more": 3, "dir": 3, "terminal": 3, "help": 3,
          "exit": 3, "end": 3, "quit": 2, "logout": 3, "top": 3, "up": 2, "edit": 2, "enable": 3, "status": 4,
          "compare": 4, "exit-address-family": 5, "abort": 3}
_READ_WORDS = frozenset(word[:n] for word, least in _READS.items() for n in range(least, len(word) + 1))
_SOFT = ("soft", "in", "out", "soft-inbound", "soft-minimum-igp")
_IGPS = ("ospf", "ospf3", "ospfv3", "ospf6", "isis", "eigrp", "rip", "ldp", "mpls", "rsvp", "openfabric")
_UNSEEN = "content the guard cannot see (a shell, a script or a whole configuration)"


def _is(tok: str, word: str, least: int = 3) -> bool:
    """``tok`` is ``word`` or an abbreviation of it at least ``least`` letters long."""
    return word.startswith(tok) and len(tok) >= min(least, len(word))


# The words this reading relies on. A typed word of three or more letters that starts exactly one of them
# is read as that word (``int`` stays as typed: it starts three of them; ``prot`` is ``protocols``).
_KEYWORDS = tuple(sorted(set("""
interface interfaces interface-range shutdown disable neighbor neighbor-group router bgp protocols group vrf
routing-instances routing-options logical-systems groups unit member member-range address-family definition
delete deactivate activate set clear reload reboot request system halt power-off power-cycle zeroize software
restart routing chassis chassis-control interface-control routing-engine configure terminal exclusive private
session commit confirmed check replace rollback load override factory-default merge erase write format process
agent hw-module shell start-shell tclsh event manager wildcard range edit exit quit top remote-as peer-group
passive-interface default soft external internal dampening flap-statistics process adjacency cancel
forwarding unicast-routing network memory overwrite-network running-config support compare
run unicast net ipv4 ipv6 multicast
""".split())))  # the last line: whole words that start a longer one above, so they are never "expanded"


def _prefixes() -> dict[str, str]:
    index: dict[str, set[str]] = {}
    for keyword in _KEYWORDS:
        for n in range(3, len(keyword) + 1):
            index.setdefault(keyword[:n], set()).add(keyword)
    return {p: next(iter(ks)) for p, ks in index.items() if len(ks) == 1 and p not in _KEYWORDS}


_PREFIXES = _prefixes()


def _expand(word: str) -> str:
    return _PREFIXES.get(word, word)


def _words(text: str) -> list[str]:
    return [_expand(w if w.startswith('"') else w.lower()) for w in _WORD.findall(text)]


def _after(toks: list[str], word: str) -> str:
    """The word after ``word`` (or an abbreviation of it) in ``toks``."""
    for i, tok in enumerate(toks[:-1]):
        if _is(tok, word):
            return toks[i + 1]
    return ""


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FREE_TEXT = re.compile(r"\b(description|remark|banner|alias)\b", re.I)
_COMMENT = re.compile(r"/\*.*?\*/")


def _clean(line: str) -> str:
    return line if line.isprintable() else _CONTROL.sub(" ", line)


@dataclass
class Extractor:
    platform: str
    effects: list[Effect] = field(default_factory=list)
    ranges: dict[str, list[str]] = field(default_factory=dict)  # Junos interface-range members

    def add(self, kind: str, line: int, text: str, why: str, target: str = "", **kw: str) -> None:
        self.effects.append(Effect(kind, target, line, text, why, **kw))

    # --- Cisco-style -------------------------------------------------------------------------

    def cisco(self, text: str) -> list[Effect]:
        ctx = _Ctx()
        for number, raw in enumerate(text.splitlines(), start=1):
            line = _clean(raw).strip()
            if not line or line[0] in "!#":
                continue
            pieces = [line] if _FREE_TEXT.search(line) else line.split(";")
            for piece in pieces:
                toks = _words(piece)
                if toks:
                    ctx = self._cisco_statement(toks, ctx, number, piece.strip())
        return self.effects

    def _cisco_statement(self, toks: list[str], ctx: _Ctx, n: int, text: str) -> _Ctx:
        while len(toks) > 1 and toks[0] in ("do", "admin"):
            toks = toks[1:]
        head = toks[0]
        neg = head in ("no", "default")
        body = toks[1:] if neg else toks
        if not body:
            self.add("change", n, text, "changes configuration")
            return ctx
        first = body[0]
        shut = _is(first, "shutdown", 2 if (ctx.iface or ctx.nbr) else 4) and len(body) == 1
        if not neg and not shut and self._reads(toks):
            if _is(head, "end") or (_is(head, "exit") and not (ctx.nbr or ctx.grp or ctx.vrf)):
                return _Ctx()
            if _is(head, "exit"):
                return _Ctx(bgp=True, vrf=ctx.vrf if (ctx.nbr or ctx.grp) else "")
            return ctx
        # lines that say which object the next lines are about
        if not neg and _is(first, "interface") and len(body) > 1:
            return _Ctx(iface=" ".join(body[1:]))
        if not neg and _is(first, "router") and len(body) > 1:
            if _is(body[1], "bgp"):
                return _Ctx(bgp=True, vrf=_after(body, "vrf"))
            return _Ctx(igp=True)
        if not neg and ctx.bgp and first == "vrf" and len(body) == 2:
            return _Ctx(bgp=True, vrf=body[1])
        if not neg and ctx.bgp and _is(first, "neighbor") and len(body) == 2:
            return _Ctx(bgp=True, vrf=ctx.vrf, nbr=body[1])
        if not neg and ctx.bgp and first == "neighbor-group" and len(body) == 2:
            return _Ctx(bgp=True, vrf=ctx.vrf, grp=body[1])
        self._cisco_effect(toks, body, neg, shut, ctx, n, text)
        if not neg and first in ("vrf", "line", "route-map", "policy-map", "class-map", "hostname") and not ctx.bgp:
            return _Ctx()
        return ctx

    def _cisco_effect(self, toks: list[str], body: list[str], neg: bool, shut: bool, ctx: _Ctx,
                      n: int, text: str) -> None:
        first = body[0]
        if shut and not neg:
            if ctx.iface:
                self.add("links", n, text, "shuts the interface(s) down", ctx.iface)
            elif ctx.nbr:
                self.add("session", n, text, "shuts a BGP neighbour down", ctx.nbr, vrf=ctx.vrf)
            elif ctx.bgp or ctx.grp:
                self.add("bgp", n, text, "shuts BGP down", vrf=ctx.vrf if not ctx.grp else "")
            elif ctx.igp:
                self.add("igp", n, text, "shuts the routing protocol down")
            else:
                self.add("device", n, text, "a shutdown with nothing before it to say what it shuts")
            return
        if first == "bgp" and len(body) > 1 and _is(body[1], "shutdown", 4) and not neg:
            self.add("bgp", n, text, "shuts every BGP session down", vrf=ctx.vrf)
            return
        if _is(first, "neighbor") and len(body) >= 2:
            peer = body[1]
            removes = neg and (len(body) == 2 or body[2] in ("remote-as", "peer-group"))
            shuts = not neg and len(body) >= 3 and _is(body[2], "shutdown", 4)
            if removes or shuts:
                verb = "removes" if removes else "shuts down"
                if _ADDR.match(peer):
                    self.add("session", n, text, f"{verb} a BGP neighbour", peer, vrf=ctx.vrf)
                else:
                    self.add("bgp", n, text, f"{verb} a peer group (its members are not in the inventory)")
                return
        if neg and _is(first, "router") and len(body) > 1:
            if _is(body[1], "bgp"):
                self.add("bgp", n, text, "removes BGP", vrf=_after(body, "vrf"))
            else:
                self.add("igp", n, text, "removes a routing protocol")
            return
        if neg and (first == "vrf" or (first == "ip" and len(body) > 1 and body[1] == "vrf")) and len(body) > 1:
            name = body[-1]
            self.add("instance", n, text, "removes a routing instance", name)
            return
        if neg and ctx.bgp and _is(first, "address-family"):
            self.add("bgp", n, text, "removes a BGP address family", vrf=_after(body, "vrf") or ctx.vrf)
            return
        if neg and _is(first, "interface") and len(body) > 1:
            self.add("links", n, text, "removes interface configuration", " ".join(body[1:]))
            return
        if neg and _is(first, "feature") and len(body) > 1:  # NX-OS: a feature off takes its configuration
            feature = body[1]
            if feature == "bgp":
                self.add("bgp", n, text, "turns BGP off (no feature bgp)")
                return
            if feature in ("ospf", "ospfv3", "isis", "eigrp", "rip"):
                self.add("igp", n, text, f"turns {feature} off: every adjacency drops")
                return
            if feature == "lacp":
                self.add("links", n, text, "turns LACP off: every LACP bundle drops", "port-channel*")
                return
        if neg and first in ("ip", "ipv6") and body[1:2] in (["routing"], ["unicast-routing"], ["forwarding"]):
            self.add("device", n, text, "turns routing off on the whole device")
            return
        if not neg:
            self._common_effect(toks, ctx, n, text)
            return
        self.add("change", n, text, "changes configuration")

    def _common_effect(self, toks: list[str], ctx: _Ctx, n: int, text: str) -> None:
        """Verbs that read alike on every platform (exec/operational commands)."""
        head = toks[0]
        if _is(head, "clear", 3):
            self._clear(toks[1:], n, text)
        elif (_is(head, "reload") and _after(toks, "reload") != "cancel") or _is(head, "reboot"):
            self.add("device", n, text, "reloads the device")
        elif head in ("bash", "tclsh", "start-shell", "op") or (head == "run" and self.platform != "junos") or (
                head == "start" and len(toks) > 1 and toks[1] == "shell") or toks[:3] == ["event", "manager", "run"]:
            self.add("device", n, text, f"runs {_UNSEEN}")
        elif _is(head, "configure") and len(toks) > 1 and toks[1] in ("replace", "network", "memory",
                                                                         "overwrite-network"):
            self.add("device", n, text, f"loads {_UNSEEN}")
        elif _is(head, "copy") and len(toks) > 2 and "running-config" in toks[-1] and "running" not in toks[1]:
            self.add("device", n, text, f"merges {_UNSEEN}")
        elif (head == "write" and len(toks) > 1 and _is(toks[1], "erase")) or head in ("erase", "format"):
            self.add("device", n, text, "erases the configuration or storage the next boot needs")
        elif head == "commit" and len(toks) > 1 and toks[1] == "replace":
            self.add("device", n, text, f"replaces the configuration with {_UNSEEN}")
        elif (head == "rollback" and len(toks) > 1 and toks[1] != "0") or (head == "load" and (
                "terminal" not in toks or any(t in ("override", "factory-default") for t in toks))):
            self.add("device", n, text, f"loads {_UNSEEN}")
        elif head == "agent" and len(toks) > 2 and toks[1] == "bgp":
            self.add("bgp", n, text, "stops the BGP agent")
        elif head == "process" and len(toks) > 2:
            self.add("bgp" if toks[2] == "bgp" else "igp", n, text, f"restarts the {toks[2]} process")
        elif head == "install" and len(toks) > 1 and toks[1] in ("all", "activate", "reset", "commit"):
            self.add("device", n, text, "installs or activates software: the device reloads")
        elif head == "hw-module" or (head == "request" and len(toks) > 2 and (
                toks[1] == "chassis" or (toks[1] == "system" and toks[2] in (
                    "reboot", "halt", "power-off", "power-cycle", "zeroize", "software")))):
            self.add("device", n, text, "reboots, stops or reinstalls the device or its hardware")
        elif head == "restart" and len(toks) > 1 and toks[1] in ("routing", "chassis-control",
                                                                  "interface-control", "routing-engine"):
            self.add("device", n, text, "restarts a core daemon")
        elif ctx.igp and toks[:2] == ["passive-interface", "default"]:
            self.add("igp", n, text, "makes every interface passive")
        else:
            self.add("change", n, text, "changes configuration or state")

    def _clear(self, toks: list[str], n: int, text: str) -> None:
        if any(t in _SOFT for t in toks):
            self.add("change", n, text, "a soft reset: nothing drops")
        elif "bgp" in toks:
            rest = toks[toks.index("bgp") + 1:]
            vrf = _after(rest, "vrf") if _after(rest, "vrf") != "all" else ""
            rest = [t for t in rest if t not in ("ipv4", "ipv6", "unicast", "multicast", "vpnv4", "vpnv6",
                                                 "l2vpn", "evpn", "neighbor", "vrf", "instance", vrf)]
            target = rest[0] if rest else ""
            if target and _ADDR.match(target):
                self.add("session", n, text, "resets a BGP session", target, vrf=vrf)
            elif (target == "as" and len(rest) > 1) or (target and _ASN.match(target)):
                self.add("bgp", n, text, "resets every BGP session to an AS", asn=rest[-1])
            elif target in ("external", "internal"):
                self.add("bgp", n, text, f"resets every {target} BGP session", bgp_kind=target[:1] + "bgp")
            elif target in ("dampening", "flap-statistics", "damping"):
                self.add("change", n, text, "clears BGP statistics")
            else:
                self.add("bgp", n, text, "resets BGP sessions", vrf=vrf)
        elif any(t in ("ospf", "ospf3", "isis", "ldp", "rsvp") for t in toks) and (
                "process" in toks or "*" in toks or toks[-1] in ("neighbor", "adjacency", "session")):
            self.add("igp", n, text, "resets every routing adjacency")
        elif toks[:1] == ["interface"] or (toks[:1] and _is(toks[0], "interface", 3) and len(toks) > 1):
            self.add("links", n, text, "resets the interface(s)", " ".join(toks[1:]))
        elif toks[:3] == ["ip", "route", "*"]:
            self.add("igp", n, text, "flushes the routing table")
        else:
            self.add("change", n, text, "clears state")

    def _reads(self, toks: list[str]) -> bool:
        head = toks[0]
        if head in ("configure", "conf", "config") and (len(toks) == 1 or toks[1] in (
                "terminal", "t", "term", "exclusive", "private", "session", "batch", "dynamic")):
            return True
        if head == "set" and len(toks) > 1 and toks[1] == "cli":
            return True
        if head in ("write", "wr") and len(toks) > 1 and _is(toks[1], "terminal", 1):
            return True
        if head == "commit" and len(toks) > 1 and toks[1] == "check":
            return True
        if head == "file" and len(toks) > 1 and toks[1] in ("list", "show", "compare", "checksum"):
            return True
        if head == "request" and len(toks) > 1 and toks[1] == "support":
            return True
        if head in ("rollback",) and toks[1:] in ([], ["0"]):
            return False
        if head == "disable" and len(toks) == 1:
            return True
        return head in _READ_WORDS

    # --- Junos --------------------------------------------------------------------------------

    def junos(self, text: str) -> list[Effect]:
        path: list[str] = []
        for n, words, nested, raw in _junos_statements(text):
            if not nested:
                path = self._junos_cli(words, path, n, raw)
            elif words:
                self._junos_path("set", words, n, raw)
        return self.effects

    def _junos_cli(self, toks: list[str], path: list[str], n: int, text: str) -> list[str]:
        head = toks[0]
        if _is(head, "edit", 2) and len(toks) > 1:
            return path + toks[1:]
        if _is(head, "top", 2):
            if len(toks) > 1:
                self._junos_cli(toks[1:], [], n, text)
            return []
        if _is(head, "up", 2) or (_is(head, "exit", 2) or _is(head, "quit", 2)):
            return path[:-1] if path and not toks[1:2] == ["configuration-mode"] else []
        if head == "run" and len(toks) > 1:
            self._junos_cli(toks[1:], [], n, text)
            return path
        if head == "wildcard" and len(toks) > 2 and _is(toks[1], "range", 2):
            return self._junos_cli(toks[2:], path, n, text)
        if self._reads(toks):
            return path
        verb = next((v for v in ("set", "delete", "deactivate", "activate") if _is(head, v, 3)), None)
        if head == "wildcard" and len(toks) > 2 and toks[1] == "delete":
            self._junos_path("delete", [*path, *toks[2:3], f"<{toks[-1].strip(chr(34))}>"], n, text)
        elif verb:
            self._junos_path(verb, path + toks[1:], n, text)
        else:
            self._common_effect(toks, _Ctx(), n, text)
        return path

    def _junos_path(self, verb: str, p: list[str], n: int, text: str) -> None:
        p = [w for w in p if w not in ("inactive:", "delete:", "replace:", "protect:")]
        if len(p) > 2 and (p[0] == "logical-systems" or _is(p[0], "groups", 3)):
            self._junos_path(verb, p[2:], n, text)
        if verb == "activate":
            self.add("change", n, text, "activates configuration")
            return
        if verb == "set":
            if len(p) > 4 and p[0] == "interfaces" and p[1] == "interface-range" and p[3] in ("member",
                                                                                          "member-range"):
                self.ranges.setdefault(p[2], []).append(" ".join(p[4:]))
            if not p or p[-1] not in ("disable", "shutdown"):
                self.add("change", n, text, "changes configuration")
                return
            p = p[:-1]
        elif p and p[-1] == "disable":
            self.add("change", n, text, "removes a 'disable': brings something up")
            return
        self._junos_object(verb, p, n, text)

    def _junos_object(self, verb: str, p: list[str], n: int, text: str) -> None:
        """``verb`` (set ... disable, delete, deactivate) takes the object at path ``p`` down."""
        what = "disables" if verb == "set" else f"{verb}s"
        top = p[0] if p else ""
        if not p:
            self.add("device", n, text, f"{what} the whole configuration")
        elif _is(top, "interfaces", 3):
            if len(p) == 1:
                self.add("links", n, text, f"{what} every interface", "<*>")
            elif p[1] == "interface-range" and len(p) > 2:
                members = self.ranges.get(p[2])
                self.add("links", n, text, f"{what} interface range {p[2]}", ",".join(members) if members else "<*>")
            elif len(p) in (2, 4) and (len(p) == 2 or p[2] == "unit"):
                self.add("links", n, text, f"{what} an interface", p[1])
            else:
                self.add("change", n, text, "changes interface configuration")
        elif _is(top, "protocols", 4):
            self._junos_protocol(p[1:], "", what, n, text)
        elif _is(top, "routing-instances", 4):
            if len(p) == 1:
                self.add("instance", n, text, f"{what} every routing instance", "*")
            elif len(p) == 2 or (len(p) >= 3 and p[2] == "protocols" and len(p) <= 4):
                self.add("instance", n, text, f"{what} routing instance {p[1]}", p[1])
            elif len(p) > 3 and p[2] == "protocols":
                self._junos_protocol(p[3:], p[1], what, n, text)
            else:
                self.add("change", n, text, "changes a routing instance")
        elif top in ("routing-options", "chassis") and len(p) == 1:
            self.add("device", n, text, f"{what} {top} (AS number, router id, bundles)")
        else:
            self.add("change", n, text, "changes configuration")

    def _junos_protocol(self, p: list[str], vrf: str, what: str, n: int, text: str) -> None:
        if not p:
            self.add("device", n, text, f"{what} every routing protocol")
        elif p[0] == "bgp":
            peer = _after(p, "neighbor")
            if peer:
                self.add("session", n, text, f"{what} a BGP neighbour", peer, vrf=vrf)
            elif len(p) <= 3:
                self.add("bgp", n, text, f"{what} BGP" + (" group " + p[2] if len(p) == 3 else ""), vrf=vrf)
            else:
                self.add("change", n, text, "changes BGP configuration")
        elif p[0] in _IGPS:
            iface = _after(p, "interface")
            if iface and iface != "all":
                self.add("links", n, text, f"{what} {p[0]} on an interface", iface)
            elif len(p) == 1 or iface == "all":
                self.add("igp", n, text, f"{what} {p[0]}")
            else:
                self.add("change", n, text, f"changes {p[0]} configuration")
        else:
            self.add("change", n, text, "changes protocol configuration")


def _junos_statements(text: str) -> list[tuple[int, list[str], bool, str]]:
    """(line, words, inside braces, line text): brace blocks become full paths."""
    out: list[tuple[int, list[str], bool, str]] = []
    stack: list[list[str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub(" ", _clean(raw)).strip()
        if not line or line.startswith("#"):
            continue
        words: list[str] = []
        piped = False
        for tok in [*_words(line), ";"]:
            if piped and tok != ";":
                continue  # after a pipe at the top level: only output filters
            if tok == "{":
                stack.append(words)
                if words and words[0] in ("inactive:", "delete:"):
                    verb = "deactivate" if words[0] == "inactive:" else "delete"
                    out.append((number, [verb, *(w for level in stack for w in level)], False, line))
                words = []
            elif tok in (";", "}"):
                if words:
                    if stack:
                        full = [w for level in stack for w in level] + words
                        if words[0] in ("inactive:", "delete:"):
                            verb = "deactivate" if words[0] == "inactive:" else "delete"
                            out.append((number, [verb, *full], False, line))
                        out.append((number, full, True, line))
                    else:
                        out.append((number, words, False, line))
                words = []
                if tok == "}" and stack:
                    stack.pop()
            elif tok == "|" and not stack:
                piped = True
            else:
                words.append(tok)
    return out
