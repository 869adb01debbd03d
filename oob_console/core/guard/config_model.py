"""The configuration model: a device's last-known-good running config, parsed once and indexed.

Built from the backup ``oob backup`` keeps (``GuardRequest.configs``), once per
(platform, config text) and cached, so judging a line against it is a few dict
look-ups. It knows, for the Cisco-style CLIs (IOS/IOS-XE, EOS, IOS-XR, FRR,
NX-OS: an indentation tree) and Junos (a brace tree, flattened to ``set`` paths):

* the named objects (route-maps, route-policies, policy-statements, prefix-lists
  and -sets, ACLs and filters, class- and policy-maps, peer groups) and which of
  them are *in use* by a protected part, transitively: a prefix-list matched by a
  route-map that a BGP group applies is used by that group;
* the BGP neighbours and groups, and each one's limits;
* the management plane: the VRF of the management interface, the ACLs applied to
  vty lines, the SSH server, the control plane and the loopback;
* the login lists (and whether they fall back to local users), the local users;
* bundles: their members and min-links; aliases; the files the device boots from.

Pure and stdlib-only, like the rest of ``core.guard``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

Path = tuple[str, ...]  # context lines (lowercased, single-spaced) and the statement itself

_DEFINERS = (  # (regex on a top-level line, kind): the object a line defines is group 1
    (re.compile(r"^route-map (\S+)"), "route-map"),
    (re.compile(r"^(?:ip|ipv6) prefix-list (\S+)"), "prefix-list"),
    (re.compile(r"^(?:ip|ipv6|ipv4|mac) access-list (?:standard |extended |resequence )?(\S+)"), "acl"),
    (re.compile(r"^access-list (\S+)"), "acl"),
    (re.compile(r"^policy-map (?:type \S+ )?(\S+)"), "policy-map"),
    (re.compile(r"^class-map (?:type \S+ )?(?:match-any |match-all )?(\S+)"), "class-map"),
    (re.compile(r"^route-policy (\S+)"), "route-policy"),
    (re.compile(r"^(?:prefix-set|community-set|as-path-set|extcommunity-set \S+) (\S+)"), "set"),
    (re.compile(r"^(?:ip|bgp) (?:community-list|as-path access-list) (?:standard |expanded )?(\S+)"), "list"),
    (re.compile(r"^policy-options (?:policy-statement|prefix-list|community|as-path) (\S+)"), "policy"),
    (re.compile(r"^firewall (?:family \S+ )?filter (\S+)"), "filter"),
)
_NEIGHBOR = re.compile(r"^neighbor (\S+)(?: (.*))?$")
_JUNOS_GROUP = re.compile(r"^protocols bgp group (\S+)(?: (.*))?$")
_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]+")


@dataclass
class Bundle:
    name: str
    members: set[str] = field(default_factory=set)
    min_links: int = 1


@dataclass
class ConfigModel:
    """What the guard knows of one device from its last-known-good config."""

    platform: str
    paths: list[Path] = field(default_factory=list)
    objects: dict[str, str] = field(default_factory=dict)  # name -> kind
    used_by: dict[str, set[str]] = field(default_factory=dict)  # object -> the protected users (in words)
    definitions: dict[str, list[Path]] = field(default_factory=dict)  # object -> its lines
    neighbors: dict[str, dict[str, str]] = field(default_factory=dict)  # neighbour/group -> attribute -> rest
    groups: set[str] = field(default_factory=set)
    group_of: dict[str, str] = field(default_factory=dict)  # neighbour -> group
    users: set[str] = field(default_factory=set)
    login_lists: dict[str, str] = field(default_factory=dict)  # list name -> methods
    mgmt_vrf: str = ""
    mgmt_ifs: set[str] = field(default_factory=set)
    interfaces: set[str] = field(default_factory=set)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    member_of: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    boot_files: set[str] = field(default_factory=set)
    clauses: set[str] = field(default_factory=set)  # "route-map name permit 10" lines that exist
    announced: set[str] = field(default_factory=set)  # prefixes named in policies BGP sessions use

    def use(self, obj: str) -> str:
        """Who uses ``obj`` (empty when nothing protected does)."""
        return ", ".join(sorted(self.used_by.get(obj, ())))

    def interface(self, typed: str) -> str | None:
        """The configured interface ``typed`` names (abbreviations, any case), or None."""
        return match_interface(typed, frozenset(self.interfaces))


def norm(line: str) -> str:
    return " ".join(line.lower().split())


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def cisco_paths(text: str) -> list[Path]:
    """Every line of an indented config with its parent lines."""
    out: list[Path] = []
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        body = raw.rstrip()
        stripped = body.strip()
        if not stripped or stripped.startswith(("!", "#", "end", "Building configuration", "Current configuration")):
            if stripped in ("!", "end") or stripped.startswith("!"):
                if _indent(body) == 0:
                    stack = []
            continue
        depth = _indent(body)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        line = norm(stripped)
        if line.startswith(("exit", "end-policy", "end-set")):
            continue
        out.append((*(s for _, s in stack), line))
        stack.append((depth, line))
    return out


def junos_paths(text: str) -> list[Path]:
    """A Junos brace config (or ``set`` lines) as one-element paths of ``set`` words."""
    out: list[Path] = []
    stack: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("/*") else ""
        if not line:
            continue
        if line.startswith("set "):
            out.append((norm(line[4:]),))
            continue
        line = line.replace("inactive: ", "")
        if line.endswith("{"):
            stack.append(norm(line[:-1]))
        elif line == "}":
            if stack:
                stack.pop()
        else:
            body = line.rstrip(";").strip()
            if body.startswith("[") or " [" in body:  # a list: one path per member
                head, _, items = body.partition("[")
                for item in items.rstrip("]").split():
                    out.append((norm(" ".join([*stack, head.strip(), item])),))
            else:
                out.append((norm(" ".join([*stack, body])),))
    return out


@lru_cache(maxsize=64)
def build_model(platform: str, text: str) -> ConfigModel:
    """The model of ``text`` (a running config of ``platform``); cached per (platform, text)."""
    model = ConfigModel(platform)
    model.paths = junos_paths(text) if platform == "junos" else cisco_paths(text)
    if platform == "junos":
        _index_junos(model)
    else:
        _index_cisco(model)
    _close_uses(model)
    return model


_DEFINER_WORDS = frozenset({"route-map", "ip", "ipv6", "ipv4", "mac", "access-list", "policy-map", "class-map",
                            "route-policy", "prefix-set", "community-set", "as-path-set", "extcommunity-set", "bgp",
                            "policy-options", "firewall"})


def _define(model: ConfigModel, path: Path) -> None:
    if path[0].split(" ", 1)[0] not in _DEFINER_WORDS:
        return
    for regex, kind in _DEFINERS:
        m = regex.match(path[0])
        if m:
            name = m.group(1)
            model.objects.setdefault(name, kind)
            model.definitions.setdefault(name, []).append(path)
            return


def _index_cisco(model: ConfigModel) -> None:
    refs: list[tuple[str, Path]] = []  # (protected user, path): words in it may name objects
    for path in model.paths:
        top, line = path[0], path[-1]
        _define(model, path)
        if len(path) == 1 and top.startswith("route-map ") and len(top.split()) >= 4:
            model.clauses.add(top)
        words = line.split()
        if top.startswith("router bgp"):
            m = _NEIGHBOR.match(line)
            scope = next((p for p in path[1:] if p.startswith(("neighbor ", "neighbor-group ", "template peer "))), "")
            if m:
                name, rest = m.group(1), m.group(2) or ""
                attrs = model.neighbors.setdefault(name, {})
                if rest:
                    key = rest.split()[0]
                    attrs[key] = rest
                if rest in ("peer-group", "peer group") or (rest.startswith("peer group") and len(rest.split()) == 2):
                    model.groups.add(name)
                elif rest.startswith(("peer-group ", "peer group ", "use neighbor-group ")):
                    model.group_of[name] = rest.split()[-1]
            if line.startswith("neighbor-group "):
                model.groups.add(words[1])
                model.neighbors.setdefault(words[1], {})
            if line.startswith("template peer ") and len(words) > 2:  # NX-OS: a group its sessions inherit
                model.groups.add(words[2])
                model.neighbors.setdefault(words[2], {})
            if scope:
                sname = scope.split()[2 if scope.startswith("template ") else 1]
                attrs = model.neighbors.setdefault(sname, {})
                if not line.startswith(("neighbor", "address-family")):
                    attrs[words[0]] = line
                if line.startswith(("use neighbor-group ", "inherit peer ")):
                    model.group_of[sname] = words[-1]
            who = _bgp_user(model, path)
            refs.append((who, path))
        elif top.startswith(("line ", "management ", "control-plane", "system control-plane", "ssh ",
                             "ip ssh", "snmp-server")):
            refs.append((f"management ({top})", path))
        elif top.startswith("username "):
            model.users.add(top.split()[1])
        elif top.startswith("aaa authentication login "):
            parts = top.split()
            if len(parts) >= 4:
                model.login_lists[parts[3]] = " ".join(parts[4:])
        elif top.startswith(("alias ", "cli alias name ")):
            _alias(model, path)
        elif top.startswith(("boot system", "boot nxos", "boot kickstart")):
            model.boot_files.update(_files(top))
        elif top.startswith("interface "):
            _interface(model, path)
        elif top.startswith("vrf ") and len(path) == 1 and model.platform == "frr":
            pass
    for path in model.paths:  # the management interfaces' own lines are protected users too
        if path[0].startswith("interface ") and path[0].split()[1] in model.mgmt_ifs:
            refs.append((f"the management interface {path[0].split()[1]}", path))
    for who, path in refs:
        _refer(model, who, path[-1])


def _refer(model: ConfigModel, who: str, line: str) -> None:
    """Mark the objects ``line`` names as used by ``who`` (a number only after a keyword that names a list)."""
    words = line.split()
    for i, word in enumerate(words):
        if word in model.objects and (not word.isdigit() or (i and words[i - 1] in _NUMBERED_AFTER)):
            model.used_by.setdefault(word, set()).add(who)


_NUMBERED_AFTER = frozenset({"access-class", "access-group", "address", "list", "access-list", "prefix-list"})


def _bgp_user(model: ConfigModel, path: Path) -> str:
    for part in reversed(path):
        m = _NEIGHBOR.match(part) or re.match(r"^(?:neighbor-group|template peer) (\S+)", part)
        if m:
            name = m.group(1)
            return f"BGP {'group' if name in model.groups or not _ADDRESS.fullmatch(name) else 'neighbour'} {name}"
    return "BGP"


def _alias(model: ConfigModel, path: Path) -> None:
    words = path[0].split()
    if words[:3] == ["cli", "alias", "name"]:  # NX-OS: "cli alias name NAME COMMAND..."
        words = words[2:]
    if len(path) == 1:
        if len(words) >= 3 and words[1] in ("exec", "configure", "interface", "router") and model.platform != "eos":
            model.aliases[words[2]] = " ".join(words[3:])
        elif len(words) >= 3:
            model.aliases[words[1]] = " ".join(words[2:])
        elif len(words) == 2:
            model.aliases.setdefault(words[1], "")
    else:  # EOS multi-line alias: "alias NAME" then "10 command" lines
        name = words[1]
        body = " ".join(path[-1].split()[1:])
        model.aliases[name] = (model.aliases.get(name, "") + "; " + body).strip("; ")


def _files(line: str) -> set[str]:
    out = set()
    for word in line.split()[2:]:
        name = word.split(":", 1)[-1].lstrip("/")
        if name:
            out.add(name.rsplit("/", 1)[-1])
    return out


def _interface(model: ConfigModel, path: Path) -> None:
    name = path[0].split()[1] if len(path[0].split()) > 1 else ""
    if not name:
        return
    model.interfaces.add(name)
    line = path[-1]
    if len(path) == 1:
        return
    words = line.split()
    if line.startswith(("vrf forwarding ", "vrf member ", "vrf ", "ip vrf forwarding ")) and (
            "mgmt" in line or words[-1] == "management"):
        model.mgmt_vrf = words[-1]
        model.mgmt_ifs.add(name)
    if words[0] == "channel-group" and len(words) > 1:
        _member(model, name, _bundle_name(model, words[1]))
    elif line.startswith("bundle id ") and len(words) > 2:
        _member(model, name, f"bundle-ether{words[2]}")
    elif line.startswith(("lacp min-bundle ", "lacp min-links ", "port-channel min-links ",
                          "bundle minimum-active links ")):
        model.bundles.setdefault(name, Bundle(name)).min_links = int(words[-1]) if words[-1].isdigit() else 1
    elif line.startswith("bond-slave ") or line.startswith("bond-slaves "):
        for member in words[1:]:
            _member(model, member, name)


def _bundle_name(model: ConfigModel, number: str) -> str:
    return ("port-channel" if model.platform != "iosxr" else "bundle-ether") + number


def _member(model: ConfigModel, member: str, bundle: str) -> None:
    model.bundles.setdefault(bundle, Bundle(bundle)).members.add(member)
    model.member_of[member] = bundle


def _index_junos(model: ConfigModel) -> None:
    refs: list[tuple[str, str]] = []
    for (line,) in model.paths:
        _define(model, (line,))
        words = line.split()
        g = _JUNOS_GROUP.match(line)
        if g:
            group, rest = g.group(1), g.group(2) or ""
            model.groups.add(group)
            model.neighbors.setdefault(group, {})
            n = re.match(r"^neighbor (\S+)(?: (.*))?$", rest)
            if n:
                model.group_of[n.group(1)] = group
                model.neighbors.setdefault(n.group(1), {})
                if n.group(2):
                    model.neighbors[n.group(1)][n.group(2).split()[0]] = n.group(2)
            elif rest:
                model.neighbors[group][rest.split()[0]] = rest
            refs.append((f"BGP group {group}", line))
        elif line.startswith("system login user "):
            model.users.add(words[3])
        elif line.startswith("interfaces "):
            name = words[1]
            model.interfaces.add(name)
            if "filter" in words and name.startswith("lo"):
                refs.append((f"the loopback filter of {name} (the routing engine's own protection)", line))
            if name.startswith(("fxp", "em", "me", "re")) and "address" in words:
                model.mgmt_ifs.add(name)
            if "802.3ad" in words:
                _member(model, name, words[-1])
            if "minimum-links" in words:
                model.bundles.setdefault(name, Bundle(name)).min_links = int(words[-1]) if words[-1].isdigit() else 1
        elif line.startswith(("system services", "system authentication-order")):
            refs.append(("management (system services)", line))
        elif line.startswith("routing-options forwarding-table export"):
            refs.append(("the forwarding table", line))
        elif line.startswith("routing-instances ") and "mgmt" in words[1]:
            model.mgmt_vrf = words[1]
    for who, line in refs:
        _refer(model, who, line)


_CIDR = re.compile(r"\b\d+\.\d+\.\d+\.\d+/\d+\b")


def _close_uses(model: ConfigModel) -> None:
    """An object named in the definition of a used object is used by the same parts."""
    _close(model)
    for name, users in model.used_by.items():
        if any(u.startswith("BGP") for u in users):
            for path in model.definitions.get(name, ()):
                model.announced.update(_CIDR.findall(path[-1]))


def _close(model: ConfigModel) -> None:
    changed = True
    while changed:
        changed = False
        for name in list(model.used_by):
            users = model.used_by[name]
            for path in model.definitions.get(name, ()):
                words = path[-1].split()
                for i, word in enumerate(words[1:], 1):
                    if word != name and word in model.objects and (
                            not word.isdigit() or words[i - 1] in _NUMBERED_AFTER):
                        have = model.used_by.setdefault(word, set())
                        if not users <= have:
                            have |= users
                            changed = True


_IFNAME = re.compile(r"^([a-z][a-z-]*?)-?(\d[\d/:.]*)$")


@lru_cache(maxsize=8192)
def match_interface(typed: str, known: frozenset[str]) -> str | None:
    typed = typed.lower().replace(" ", "")
    if typed in known:
        return typed
    t = _IFNAME.match(typed)
    if not t:
        return None
    for name in known:
        k = _IFNAME.match(name)
        if k and k.group(2) == t.group(2) and k.group(1).startswith(t.group(1)):
            return name
    return None
