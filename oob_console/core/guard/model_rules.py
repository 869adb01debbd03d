"""The configuration model's rules: one candidate statement resolved against one device's model.

Each rule is about a class of failure (the issue's list): management lockout,
policy drops, session breaks, blackholes, bundles, destroyed state,
indirection. ``judge_config`` and ``judge_exec`` return (verdict, reason);
``Context`` carries what the block has done so far on this device (aliases and
ACL entries it defined, interfaces it took down or out of a bundle) and says at
the end what that adds up to (``finish``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from oob_console.core.devices.inventory import Device
from oob_console.core.guard.candidate import Stmt
from oob_console.core.guard.candidate import _starts as starts
from oob_console.core.guard.config_model import ConfigModel, cisco_paths, match_interface, norm
from oob_console.core.guard.decision import GuardPolicy, Verdict
from oob_console.core.guard.model_acl import acl_line, add_entry, expand_spec, first_match
from oob_console.core.guard.model_files import delete_judged, is_running, is_startup

D, C, R = Verdict.DANGEROUS, Verdict.CHANGE, Verdict.READ_ONLY
Judged = tuple[Verdict, str]

READS = ("show", "display", "ping", "traceroute", "dir", "more", "terminal", "exit", "end", "enable", "disable",
         "cat", "journalctl", "grep", "ls", "less", "head", "tail", "uptime", "who", "ss", "netstat", "top",
         "file list", "file show", "set cli", "help", "write terminal", "admin show", "request support information",
         "monitor interface", "traceroute6", "ping6")
SHELLS = ("bash", "run", "tclsh", "tcl", "python", "python3", "guestshell", "script", "op", "vtysh", "su",
          "sh", "exec", "sudo", "start shell", "request shell", "event manager run", "source", "xargs", "eval")
HOST_KEYS = ("reset ssh hostkey", "crypto key zeroize", "crypto key generate", "request security zeroize",
             "request system zeroize", "ssh-keygen", "zeroize")
RELOADS = ("reload", "reboot", "halt", "poweroff", "request system reboot", "request system halt",
           "request system power-off", "request vmhost reboot", "request vmhost halt", "request vmhost power-off",
           "request chassis", "systemctl reboot", "shutdown -r")
NULLS = ("null0", "null", "blackhole", "discard", "reject", "nullroute")
HANDLERS = ("event manager", "event-handler", "daemon", "kron", "schedule", "scheduler", "event-options",
            "system scripts", "trigger")
HANDLER_RUNS = ("cli", "bash", "exec", "command", "script", "python", "op ", "file", "run", "policy", "directory",
                ".tcl", ".py", ".slax")
MGMT_SERVICES = ("management ssh", "management api", "management console", "management telnet", "ip ssh",
                 "ssh server", "ssh ", "netconf-yang", "netconf", "restconf", "feature ssh", "feature nxapi",
                 "nxapi", "ip http",
                 "system services")
BGP_HARMLESS = ("bgp bestpath", "bgp log-neighbor-changes", "bgp ebgp-requires-policy", "timers", "bgp graceful",
                "log-neighbor-changes", "bgp default local-preference")
_POLICY_DEF = re.compile(r"^(route-map|(?:ip|ipv6) prefix-list|route-policy|prefix-set|community-set|as-path-set|"
                         r"ip community-list(?: standard| expanded)?|ip as-path access-list|"
                         r"policy-options (?:policy-statement|prefix-list|community|as-path)) (\S+)")
_ACL_DEF = re.compile(r"^(?:(?:ip|ipv4|ipv6) access-list (?:standard |extended )?(\S+)|access-list (\S+))")
_DESCRIPTION = re.compile(r"(^| )description ")
_LO_FILTER = re.compile(r"interfaces (lo\d*) .*filter (?:input|output)(?:-list)? (\S+)")
_FIREWALL = re.compile(r"firewall (?:family \S+ )?filter (\S+)")
_COPP = re.compile(r"(?:policy-map|class-map)(?: type \S+)?(?: match-any| match-all)? (\S+)")
_SUBJECT = re.compile(r"neighbor(?:-group)? (\S+)")
_MIN_LINKS = re.compile(r"(?:min-bundle|min-links|minimum-active links|minimum-links) (\d+)")
_LIMIT = re.compile(r"(?:maximum-prefix|maximum-routes|prefix-limit maximum) (\d+)")


@dataclass
class Context:
    platform: str
    device: Device | None
    model: ConfigModel | None
    policy: GuardPolicy
    aliases: dict[str, str] = field(default_factory=dict)
    acl_edits: dict[str, list[Stmt]] = field(default_factory=dict)
    downs: set[str] = field(default_factory=set)
    left: set[str] = field(default_factory=set)  # members taken out of their bundle

    _mgmt: frozenset[str] | None = None
    _known: frozenset[str] | None = None
    _users: frozenset[str] | None = None

    def mgmt_ifs(self) -> frozenset[str]:
        if self._mgmt is None:
            names = set(self.model.mgmt_ifs) if self.model else set()
            if self.device is not None:
                names |= {link.interface.lower() for link in self.device.links if link.kind == "mgmt"}
            self._mgmt = frozenset(names)
        return self._mgmt

    def login_users(self) -> frozenset[str]:
        if self._users is None:
            users = {u.lower() for u in self.policy.login_users}
            if self.device is not None and self.device.username:
                users.add(self.device.username.lower())
            self._users = frozenset(users)
        return self._users

    def alias(self, word: str) -> str | None:
        if word in self.aliases:
            return self.aliases[word]
        return self.model.aliases.get(word) if self.model else None

    def interfaces(self, spec: str) -> set[str]:
        """The interfaces an ``interface`` line names, resolved in the model (or as typed)."""
        if self._known is None:
            self._known = frozenset(self.model.interfaces) if self.model else frozenset(
                link.interface.lower() for link in (self.device.links if self.device else ()))
        known = self._known
        out = set()
        for typed in expand_spec(spec):
            out.add(match_interface(typed, known) or typed)
        return out

    def finish(self) -> list[Judged]:
        out: list[Judged] = []
        for name, members, min_links in self._bundles():
            gone = {m for m in members if m in self.downs or m in self.left}
            if gone and len(members) - len(gone) < min_links:
                out.append((D, f"bundle {name}: {len(members) - len(gone)} of {len(members)} members left, "
                               f"below its min-links {min_links}: the bundle goes down"))
        return out

    def _bundles(self) -> list[tuple[str, set[str], int]]:
        if self.model is not None:
            return [(b.name, b.members, b.min_links) for b in self.model.bundles.values() if b.members]
        found: dict[str, set[str]] = {}
        for link in self.device.links if self.device else ():
            if link.lag:
                found.setdefault(link.lag.lower(), set()).add(link.interface.lower())
        return [(name, members, 1) for name, members in found.items()]

    def acl_entries(self, name: str) -> list[tuple[int, str, list[str]]] | None:
        """The ACL's entries (sequence, action, words after it) after the block's edits; None if unknown."""
        paths = list(self.model.definitions.get(name, ())) if self.model else []
        entries: dict[int, tuple[str, list[str]]] = {}
        known = bool(paths)
        for path in paths:
            add_entry(entries, path[-1] if len(path) > 1 else acl_line(path[0]))
        for stmt in self.acl_edits.get(name, ()):
            known = True
            if not stmt.path and stmt.negated and len(stmt.body.split()) <= 4:
                entries.clear()  # "no ip access-list X" / "no access-list 10"
                continue
            line = stmt.text if stmt.path else acl_line(stmt.text)
            if line.startswith("no "):
                words = line.split()
                if len(words) > 1 and words[1].isdigit():
                    entries.pop(int(words[1]), None)
                continue
            add_entry(entries, line)
        if not known:
            return None
        return [(seq, action, words) for seq, (action, words) in sorted(entries.items())]

    def acl_permits(self, name: str) -> bool | None:
        """Whether ACL ``name`` still permits every OOB host address (SSH); None when it cannot tell."""
        addresses = self.policy.oob_addresses
        entries = self.acl_entries(name)
        if not addresses or entries is None:
            return None
        return all(first_match(entries, addr) == "permit" for addr in addresses)


def _is_read(text: str) -> bool:
    if starts(text, READS):
        return True
    words = text.split()
    return words[:1] == ["ip"] and any(w in ("show", "list") for w in words) and "sudo" not in words


# --- exec ---------------------------------------------------------------------------------------


def judge_exec(stmt: Stmt, ctx: Context) -> Judged:
    text = stmt.text
    if stmt.opener:
        return R, ""
    words = text.split()
    first = words[0]
    expansion = ctx.alias(first)
    if expansion is not None and not _is_read(text):
        if expansion and all(_is_read(norm(part)) for part in expansion.split(";")):
            return R, ""
        return D, (f"`{first}` is an alias for `{expansion or '?'}`: what it runs is not what was typed "
                   "(indirection)")
    if "sudo " in f" {text} " or starts(text, SHELLS):
        return D, "runs a shell, script or another CLI whose commands the guard cannot see (indirection)"
    if any(text.startswith(h) for h in HOST_KEYS):
        return D, "destroys or replaces the device's keys: the console pins the SSH host key"
    if starts(text, RELOADS) and not text.startswith("reload cancel"):
        return D, "reloads the device: every link and session on it drops"
    if first in ("delete", "erase", "rm", "format", "unlink") or text.startswith("file delete"):
        return delete_judged(words, ctx.model)
    if first == "copy" and len(words) >= 3 and is_startup(words[2]) and not is_running(words[1]):
        return D, (f"replaces the configuration the device boots from with {words[1]}, which the guard cannot "
                   "read")
    if _is_read(text):
        return R, ""
    return C, "an exec command that changes state"


# --- config -------------------------------------------------------------------------------------


def judge_config(stmt: Stmt, ctx: Context) -> Judged:
    body, top = stmt.body.strip(), stmt.top
    if not body or not top:
        return C, "a change the model cannot read"
    if top.startswith(("no ", "default ")):
        top = top.split(" ", 1)[1]
    if body.startswith(("description", "remark")) or _DESCRIPTION.search(body):
        return C, "a description"
    if body == "commit check":
        return R, ""
    if body.startswith("commit") or body.startswith(("rollback", "load ")):
        return C, "commits or loads configuration"
    for rule in _RULES:
        found = rule(stmt, body, top, ctx)
        if found is not None:
            return found
    if stmt.opener:
        return R, ""
    return C, "a change"


def _indirection(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    if top.startswith(("alias", "cli alias name ")):
        words = (stmt.path[0] if stmt.path else body).split()
        if words[:3] == ["cli", "alias", "name"]:  # NX-OS: "cli alias name NAME COMMAND..."
            words = words[2:]
        if stmt.path:  # EOS multi-line alias: "10 configure" lines
            name = words[1]
            line = " ".join(stmt.text.split()[1:])
            ctx.aliases[name] = (ctx.aliases.get(name, "") + "; " + line).strip("; ")
            return C, f"defines the alias {name}: judged where it is used"
        if len(words) >= 3 and words[1] in ("exec", "configure", "interface", "router", "line"):
            name, exp = words[2], " ".join(words[3:])
        elif len(words) >= 2:
            name, exp = words[1], " ".join(words[2:])
        else:
            return C, "an alias"
        ctx.aliases[name] = exp
        return C, f"defines the alias {name}: judged where it is used"
    if _starts(top, HANDLERS):
        if any(w in body for w in HANDLER_RUNS):
            return D, "an event handler, script or scheduled job that runs commands the guard cannot see"
        return C, "changes an event handler that runs no command"
    first = body.split()[0]
    expansion = ctx.alias(first)
    if expansion is not None and first not in _KNOWN_CONFIG:
        return D, f"`{first}` is an alias for `{expansion}`: what it runs is not what was typed (indirection)"
    return None


_KNOWN_CONFIG = frozenset({"shutdown", "description", "ip", "ipv6", "interface", "router", "neighbor", "no"})


def _management(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    users = ctx.login_users()
    if top.startswith("username ") or body.startswith("system login user "):
        name = (top if top.startswith("username ") else body).split()[1 if top.startswith("username ") else 3]
        if name in users:
            return D, f"changes or removes {name}, the user the console logs in with"
        return C, f"changes the local user {name} (not the console's)"
    if body == "aaa new-model" and stmt.negated:
        return D, "turns AAA off: the vty lines fall back to line passwords"
    if body.startswith("aaa authentication login ") and not stmt.negated:
        methods = body.split()[4:]
        if "local" not in methods and "local-case" not in methods:
            return D, (f"the login list {body.split()[3]} would not fall back to local users; the console's user "
                       "is local")
        return C, "a login list that keeps local users"
    if body.startswith("aaa authentication login ") and stmt.negated and "fallback" in body and "local" in body:
        return D, "removes the fallback to local users when the AAA servers fail: the console's user is local"
    if body.startswith("system authentication-order") and not stmt.negated and "password" not in body:
        return D, "the authentication order would not fall back to local passwords"
    if body.startswith("system management-instance"):
        return D, "moves the management interface into another routing instance: its route back to the OOB host"
    lo_filter = _LO_FILTER.match(body)
    if lo_filter and not stmt.negated:
        return D, f"a new loopback filter {lo_filter.group(2)} on {lo_filter.group(1)}: it decides what reaches the RE"
    fw = _FIREWALL.match(body)
    if fw and ctx.model is not None and ctx.model.use(fw.group(1)):
        if stmt.negated or stmt.text.startswith("insert") or re.search(r"then (discard|reject)", body):
            return D, f"narrows the filter {fw.group(1)}, which {ctx.model.use(fw.group(1))} uses"
        return C, f"adds to the filter {fw.group(1)}"
    if top.startswith("line ") and ctx.platform != "frr":
        return _line(stmt, body, ctx)
    acl = _acl_name(stmt, top)
    if acl:
        return _acl_edit(stmt, acl, ctx)
    copp = _COPP.match(top)
    if copp and ctx.model is not None and "control-plane" in ctx.model.use(copp.group(1)):
        if stmt.negated or re.search(r"\bdrop\b", body):
            return D, f"{copp.group(1)} is the control-plane policy: it would drop what it now lets through"
        return C, f"changes the control-plane policy {copp.group(1)} without dropping more"
    if _starts(top, MGMT_SERVICES) or _starts(top, ("system control-plane", "control-plane")):
        return _service(stmt, body, top, ctx)
    if body.startswith("crypto key generate"):
        label = re.search(r"label (\S+)", body)
        keypair = {p[0].split()[-1] for p in (ctx.model.paths if ctx.model else ())
                   if p[0].startswith("ip ssh rsa keypair-name")}
        if label is None or label.group(1) in keypair:
            return D, "regenerates the SSH host key: the console pins the old one"
        return C, "generates a key SSH does not use"
    return _mgmt_interface(stmt, body, top, ctx)


def _line(stmt: Stmt, body: str, ctx: Context) -> Judged:
    if body.startswith("transport input"):
        if stmt.negated or not any(w in body.split() for w in ("ssh", "all")):
            return D, "the lines stop accepting SSH, the console's only way in"
        return C, "transports that keep SSH"
    if body.startswith("access-class") and not stmt.negated:
        name = next((w for w in body.split()[1:] if w not in ("ingress", "egress", "ipv4", "ipv6")), "")
        permits = ctx.acl_permits(name)
        if permits is not True:
            return D, (f"the line filter {name} would not permit the OOB host" if permits is False else
                       f"cannot tell whether the line filter {name} permits the OOB host (no [guard] oob_addresses "
                       "or no such ACL): failing closed")
        if ctx.platform == "ios" and ctx.model is not None and ctx.model.mgmt_vrf and "vrf-also" not in body:
            return D, (f"without vrf-also the filter refuses connections arriving in VRF {ctx.model.mgmt_vrf}, "
                       "the console's path")
        return C, f"the line filter {name} still permits the OOB host"
    if body.startswith("login authentication") and not stmt.negated:
        name = body.split()[-1]
        methods = ctx.model.login_lists.get(name) if ctx.model else None
        if name != "default" and (methods is None or "local" not in methods.split()):
            return D, f"the lines would log in through {name}, which does not fall back to local users"
    return C, "changes the lines"


def _acl_name(stmt: Stmt, top: str) -> str:
    m = _ACL_DEF.match(top)
    return (m.group(1) or m.group(2)) if m else ""


def _acl_edit(stmt: Stmt, name: str, ctx: Context) -> Judged:
    ctx.acl_edits.setdefault(name, []).append(stmt)
    if ctx.model is None:
        return C, f"edits the ACL {name}"
    users = ctx.model.use(name)
    if not users or (ctx.platform == "frr" and "line" in users and "," not in users):
        return C, f"edits the ACL {name}, which no protected part uses"
    shrinks = stmt.negated or " deny" in f" {stmt.text}"
    if any(k in users for k in ("control-plane", "loopback", "routing engine")) and shrinks:
        return D, f"removes or denies entries of the ACL {name}, which {users} uses: it drops what it no longer permits"
    permits = ctx.acl_permits(name)
    if permits is False or (permits is None and shrinks):
        return D, f"the ACL {name} ({users}) would no longer permit the OOB host"
    return C, f"the ACL {name} ({users}) still permits the OOB host"


def _service(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged:
    if not stmt.path and stmt.negated and (body == top or body.startswith(top)) and not body.startswith(
            ("ip access-group", "ip ssh rsa")):
        if body.startswith(("system services", "ip ssh", "ssh", "management", "netconf", "restconf", "feature",
                            "nxapi")):
            return D, "turns the SSH server or management API off (or back to defaults)"
    if body.startswith("ip ssh rsa keypair-name"):
        return D, "switches the SSH host key: the console pins the old one"
    if "management-plane" in f"{top} {body}" and ("no address" in body or stmt.negated):
        addrs = ctx.policy.oob_addresses
        if not addrs or any(a in body for a in addrs) or "peer" not in body:
            return D, "the management plane would no longer allow the OOB host as a peer"
    if stmt.path and not stmt.negated and body.split()[0] == "shutdown":
        return D, f"shuts {stmt.path[0]} down"
    moved = re.search(r"\buse-vrf (\S+)", body)
    mgmt_vrf = (ctx.model.mgmt_vrf if ctx.model is not None else "") or "management"
    if moved and not stmt.negated and moved.group(1) != mgmt_vrf:
        return D, f"moves {top.split()[0]} to VRF {moved.group(1)}: the console reaches it in VRF {mgmt_vrf}"
    if stmt.path and body.startswith("vrf") and not top.startswith("management api"):
        return D, f"moves {stmt.path[0]} to another VRF: the console reaches it in the management VRF"
    m = re.search(r"(?:ip access-group|access-class|ipv4 access-list|access-list) (\S+)", body)
    if m and not stmt.negated:
        name = m.group(1)
        if "control-plane" in top:
            entries = ctx.acl_entries(name)
            text = " ".join(" ".join(w) for _, a, w in entries or () if a == "permit")
            if "bgp" not in text and "179" not in text:
                return D, f"the control-plane filter {name} does not permit BGP: every session times out"
            return C, f"the control-plane filter {name} permits BGP"
        permits = ctx.acl_permits(name)
        if permits is not True:
            return D, f"the management filter {name} may not permit the OOB host"
    if stmt.negated and body.startswith(("system services ssh", "system services netconf")):
        return D, "turns the SSH server or NETCONF off"
    return C, "changes a management service"


def _mgmt_interface(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    mgmt = ctx.mgmt_ifs()
    if not mgmt:
        return None
    if top.startswith("interface") and len(top.split()) > 1:
        names = ctx.interfaces(top.split(" ", 1)[1])
        if names & mgmt and not stmt.opener:
            return D, f"changes the management interface {', '.join(sorted(names & mgmt))}: the console's path"
    if top.startswith("interfaces ") and top.split()[1] in mgmt:
        return D, f"changes the management interface {top.split()[1]}: the console's path"
    return None


def _mgmt_routes(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    vrf = ctx.model.mgmt_vrf if ctx.model else ""
    route = body.startswith(("ip route", "ipv6 route")) or top.startswith("router static") or "static route" in body
    if not route:
        return None
    words = body.split()
    named = words[words.index("vrf") + 1] if "vrf" in words[:-1] else ""
    in_ctx = next((p.split()[1] for p in stmt.path if p.startswith("vrf ") and len(p.split()) > 1), "")
    where = named or in_ctx or (top.split()[1] if top.startswith("routing-instances ") else "")
    if where and (where == vrf or "mgmt" in where or "oob" in where):
        return D, f"changes a route of the management VRF {where}: its routes are the way back to the console"
    return _static(stmt, body, ctx)


def _static(stmt: Stmt, body: str, ctx: Context) -> Judged:
    words = body.split()
    nets = []
    for i, w in enumerate(words):
        try:
            if "/" in w:
                nets.append(ipaddress.ip_network(w, strict=False))
            elif i + 1 < len(words) and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", w) and re.fullmatch(
                    r"255\.\d+\.\d+\.\d+|0\.0\.0\.0|128\.0\.0\.0", words[i + 1]):
                nets.append(ipaddress.ip_network(f"{w}/{words[i + 1]}", strict=False))
        except ValueError:
            continue
        if nets:
            break
    if nets and nets[0].prefixlen > 1 and (stmt.negated or any(w.startswith(NULLS) for w in words)) and any(
            ipaddress.ip_address(a) in nets[0] for a in ctx.policy.oob_addresses):
        return D, f"changes the static {nets[0]}, the route back to the OOB host"
    if nets and stmt.negated and ctx.model is not None and str(nets[0]) in ctx.model.announced:
        return D, f"removes the static {nets[0]}, which the BGP export policies announce: it is withdrawn"
    if not nets or nets[0].prefixlen > 1:
        return C, "a static route"
    to_null = any(w.startswith(NULLS) for w in words) or "null 0" in body
    if stmt.negated:
        return D, f"removes a static {nets[0]}: traffic that followed it has no route"
    if to_null:
        return D, f"sends {nets[0]} to a discard: it blackholes the default route"
    return C, "a default route to a next hop"


def _policy(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    m = _POLICY_DEF.match(top)
    if not m:
        return None
    kind, name = m.group(1), m.group(2)
    if ctx.model is None:
        return C, f"changes {kind} {name}"
    users = ctx.model.use(name)
    if not users:
        return C, f"changes {kind} {name}, which no BGP session uses"
    if stmt.opener and not stmt.path and stmt.text in ctx.model.clauses:
        return C, f"enters the existing clause `{stmt.text}`"
    if stmt.path and stmt.text.startswith("set ") and stmt.path[0] in ctx.model.clauses and " permit " in stmt.path[0]:
        return C, f"changes only what a permit clause of {name} sets"
    if any(f"then {w}" in body for w in ("as-path-prepend", "community add", "metric", "local-preference")) and (
            not stmt.negated):
        return C, f"changes only what {name} sets"
    return D, f"changes {kind} {name}, which {users} use: it can make them export or import nothing"


def _bgp(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    if ctx.platform == "junos":
        if not body.startswith("protocols bgp"):
            return None
        g = re.match(r"protocols bgp group (\S+)(?: neighbor (\S+))?", body)
        subject = (g.group(2) or g.group(1)) if g else ""
    else:
        if not top.startswith("router bgp") or (stmt.opener and not stmt.negated):
            return None if not top.startswith("router bgp") else (R, "")
        m = _SUBJECT.match(body)
        scope = next((p.split()[2 if p.startswith("template ") else 1] for p in reversed(stmt.path)
                      if p.startswith(("neighbor ", "neighbor-group ", "template peer "))), "")
        subject = m.group(1) if m else scope
    if any(body.startswith(h) or f" {h}" in body for h in BGP_HARMLESS):
        return C, "a protocol-wide setting that keeps sessions up"
    limit = _LIMIT.search(body)
    if limit or "maximum-routes" in body or "maximum-prefix" in body or "prefix-limit" in body:
        return _limit(stmt, body, subject, limit, ctx)
    if body.startswith(("network ", "aggregate-address")) or "aggregate" in body.split()[:1]:
        if stmt.negated:
            return D, f"withdraws {body.split(' ', 1)[-1]} from every session"
        return C, "announces a network"
    model = ctx.model
    if model is None:
        return C, "changes BGP"
    if subject and subject not in model.neighbors and subject not in model.groups:
        return C, f"a new BGP neighbour {subject}"
    what = f"BGP {'group' if subject in model.groups else 'neighbour'} {subject}" if subject else \
        "BGP protocol-wide settings"
    return D, f"changes {what}, which is in use: `{body}` resets, isolates or filters established sessions"


def _limit(stmt: Stmt, body: str, subject: str, limit: re.Match[str] | None, ctx: Context) -> Judged:
    if "warning-only" in body:
        return C, "a prefix limit that only warns"
    if stmt.negated:
        if ctx.platform == "eos":
            return D, "restores EOS's default limit of 12000 routes: a full table tears the session down"
        return C, "removes a prefix limit"
    if limit is None:
        return C, "a prefix limit"
    new = int(limit.group(1))
    current = _current_limit(ctx.model, subject) if ctx.model else None
    if current is not None and new >= current:
        return C, f"raises the prefix limit from {current} to {new}"
    return D, (f"a prefix limit of {new} (now {current if current is not None else 'unknown'}) tears the "
               "sessions down when they send more")


def _current_limit(model: ConfigModel, subject: str) -> int | None:
    for name in (subject, model.group_of.get(subject, "")):
        for value in model.neighbors.get(name, {}).values():
            m = _LIMIT.search(value) or re.match(r"(?:maximum-prefix|maximum-routes) (\d+)", value)
            if m is None and value.split()[:1] in (["maximum-prefix"], ["maximum-routes"]):
                m = re.search(r"(\d+)", value)
            if m:
                return int(m.group(1))
    return None


def _protocol(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    if stmt.negated and _starts(body, ("ip routing", "ip cef", "ipv6 unicast-routing", "ip forwarding",
                                       "ipv6 forwarding", "ipv6 cef", "feature bgp", "feature ospf")):
        return D, "turns routing or forwarding off on the whole device"
    if top.startswith(("router ospf", "router isis", "router ospfv3", "router ospf6", "protocols ospf",
                       "protocols isis")) and not stmt.opener:
        if ("passive-interface" in body and not stmt.negated) or "log-adjacency" in body:
            return C, "an IGP setting that keeps adjacencies"
        return D, "changes IGP protocol-wide settings: adjacencies can drop across the backbone"
    if body.startswith(("routing-options router-id", "routing-options autonomous-system")):
        return D, "changes the router's BGP identity: every session resets (iBGP may not come back)"
    if body.startswith("routing-options forwarding-table export") and not stmt.negated:
        return D, "a forwarding-table export policy can reject routes the router forwards with"
    return None


def _bundle(stmt: Stmt, body: str, top: str, ctx: Context) -> Judged | None:
    if ctx.platform == "junos":
        m = re.match(r"interfaces (\S+)(?: (.*))?", body)
        if not m:
            return None
        names, rest = {m.group(1)}, m.group(2) or ""
    elif top.startswith("interface") and len(top.split()) > 1:
        names, rest = ctx.interfaces(top.split(" ", 1)[1]), body if stmt.path else ""
        if not stmt.path and stmt.negated:  # default / no interface X: it leaves its bundle
            ctx.left |= names
            return None
    else:
        return None
    words = rest.split()
    model = ctx.model
    if (rest in ("shutdown", "disable") and not stmt.negated) or (rest == "disable" and stmt.text.startswith("set ")):
        ctx.downs |= names
        return None
    m = _MIN_LINKS.search(rest)
    if m and not stmt.negated:
        return _min_links(names, int(m.group(1)), model)
    if "aggregated-ether-options lacp" in rest and stmt.negated:
        return D, "the bundle stops speaking LACP: the far end's members never bundle"
    membership = words[:1] in (["channel-group"], ["ether-options"], ["gigether-options"]) or (
        words[:2] == ["bundle", "id"])
    if membership and (stmt.negated or words[-1:] != [""]):
        for name in names:
            current = model.member_of.get(name) if model else None
            target = re.search(r"(\d+)", " ".join(words[1:3]))
            if current and (stmt.negated or (target and not current.endswith(target.group(1)))):
                ctx.left.add(name)
        return None
    return None


def _min_links(names: set[str], wanted: int, model: ConfigModel | None) -> Judged:
    for name in names:
        bundle = model.bundles.get(name) if model else None
        if bundle is None or not bundle.members:
            return C, "changes a bundle's min-links"
        if wanted >= len(bundle.members):
            return D, (f"min-links {wanted} on {name}, which has {len(bundle.members)} members: "
                       + ("the bundle goes down now" if wanted > len(bundle.members) else
                          "any one member failure takes the whole bundle down"))
    return C, "lowers or keeps a bundle's min-links below its members"


def _starts(text: str, prefixes: tuple[str, ...]) -> bool:
    return starts(text, prefixes)


_RULES = (_indirection, _management, _mgmt_routes, _policy, _bgp, _protocol, _bundle)

__all__ = ["Context", "cisco_paths", "expand_spec", "judge_config", "judge_exec"]
