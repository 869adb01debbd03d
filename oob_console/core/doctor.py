"""Doctor's judgement: does anything the console needs share fate with production?

The gathering (routes, resolvers, mounts, environment, file ages) happens in an
adapter and arrives here as :class:`HostFacts`; this module only decides. Each
edge of the console's dependency graph becomes one :class:`Finding` (an ``ok``
one too, so the report shows the whole graph): its severity, the path as the
kernel would take it, what is wrong and how to fix it.

An edge *crosses production* when its route leaves through a production
interface, its next hop or source address is in a production prefix, the
destination itself is in one, or a BGP peer is in one of production's AS
numbers. A name that needs DNS at run time inherits the fate of the resolvers.
Severities: ``critical`` (a critical dependency crosses production or cannot be
reached at all: ``oob doctor`` exits 20), ``warning``, ``info``, ``ok``.
"""

from __future__ import annotations

import ipaddress
import shlex
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["critical", "warning", "info", "ok"]
LEVELS: tuple[Level, ...] = ("critical", "warning", "info", "ok")
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs", "fuse.sshfs", "sshfs",
    "fuse.s3fs", "fuse.rclone", "9p", "lustre", "gpfs", "afs", "ocfs2", "gfs2", "davfs", "fuse.davfs2",
    "fuse.cephfs", "beegfs", "orangefs",
})


@dataclass(frozen=True)
class Production:
    prefixes: tuple[IpNetwork, ...] = ()
    asns: frozenset[int] = frozenset()
    interfaces: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, prefixes: Iterable[str], asns: Iterable[int], interfaces: Iterable[str]) -> Production:
        return cls(tuple(ipaddress.ip_network(p, strict=False) for p in prefixes), frozenset(asns),
                   frozenset(interfaces))

    def prefix_of(self, address: str) -> IpNetwork | None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        return next((p for p in self.prefixes if ip.version == p.version and ip in p), None)


@dataclass(frozen=True)
class Route:
    """What ``ip route get`` said about one destination."""

    dst: str
    dev: str = ""
    gateway: str = ""
    prefsrc: str = ""
    local: bool = False  # the address is this host's own
    error: str = ""  # no route: "Network is unreachable", "unreachable route", ...

    def describe(self) -> str:
        if self.error:
            return f"{self.dst}: {self.error}"
        if self.local:
            return f"{self.dst} is local (dev {self.dev})"
        via = f" via {self.gateway}" if self.gateway else ""
        src = f" src {self.prefsrc}" if self.prefsrc else ""
        return f"{self.dst}{via} dev {self.dev}{src}"


@dataclass(frozen=True)
class Endpoint:
    """One thing the console talks to, with how its name resolved and how each address is routed."""

    name: str
    group: str  # resolvers, comms, uplink, ntp, proxies, devices, bgp, endpoints, ...
    host: str
    port: int = 0
    critical: bool = True
    asn: int = 0
    via_dns: bool = False  # a name that is neither an address nor in /etc/hosts
    resolve_error: str = ""
    routes: tuple[Route, ...] = ()
    source: str = ""  # where it is configured, for the fix
    problem: str = ""  # known before routing: e.g. its URL is a secret that cannot be read

    @property
    def label(self) -> str:
        where = f"{self.host}:{self.port}" if self.port else self.host
        return where if self.name in (self.host, where) else f"{self.name} ({where})"


@dataclass(frozen=True)
class Mount:
    purpose: str  # "store", "audit log", "key_file of r1", ...
    path: str
    mount_point: str
    fstype: str
    source: str
    automount: str = ""  # an autofs mount point at or above the path: mounted on demand, often over the network
    error: str = ""  # the path could not even be looked at in time (a dead mount under it)


def risky_fstype(fstype: str) -> str:
    """Why a filesystem of this type can fail with the network or hang its readers ("" for a local disk)."""
    if fstype in NETWORK_FILESYSTEMS:
        return f"on a network filesystem ({fstype}): it fails with the network it is served over"
    if fstype == "fuse" or fstype.startswith(("fuse.", "fuseblk")):
        return (f"on a FUSE filesystem ({fstype}): served by a user-space process, often over the network; "
                "a dead one blocks its readers in the kernel")
    if fstype == "autofs":
        return "on an automount (autofs): mounted on demand, usually from the network"
    return ""


@dataclass(frozen=True)
class DataItem:
    """Local data whose age matters: store bundle, VRP file, inventory, runbooks, last drill."""

    name: str
    path: str
    mtime: float | None  # None: not there
    max_age: float  # seconds
    missing_level: Level = "warning"
    note: str = ""  # e.g. "newest of 12 files", or why it is missing ("empty")
    fix: str = ""  # what to do when it is missing or stale


@dataclass(frozen=True)
class Finding:
    level: Level
    group: str
    subject: str
    path: str
    problem: str = ""
    fix: str = ""
    check: str = ""

    def to_json(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Listener:
    """One address the engineers come in on: ``[server] listen`` or an sshd ``ListenAddress``."""

    name: str  # "oob serve ([server] listen)", "sshd ListenAddress (/etc/ssh/sshd_config.d/x.conf)"
    address: str  # "0.0.0.0", "::", or one of this host's addresses
    port: int
    interfaces: tuple[str, ...] = ()  # interfaces holding that address; empty: not an address of this host
    source: str = ""


@dataclass(frozen=True)
class Getty:
    """A serial line the site says must start the console, as systemd would run it."""

    tty: str
    enabled: bool
    exec_start: str  # the command systemd runs ("" when none was found)
    source: str  # where exec_start came from
    console_commands: tuple[str, ...] = ("tui", "shell")


@dataclass(frozen=True)
class Stamp:
    """A time the console holds (VRP export, bundle, last audit entry): the clock should not be behind it."""

    name: str
    ts: float
    source: str


@dataclass(frozen=True)
class HostFacts:
    resolvers: tuple[Endpoint, ...] = ()
    resolver_source: str = "/etc/resolv.conf"
    endpoints: tuple[Endpoint, ...] = ()
    default_routes: tuple[Route, ...] = ()
    proxies: tuple[Endpoint, ...] = ()  # one per proxy variable set in the environment
    mounts: tuple[Mount, ...] = ()
    data: tuple[DataItem, ...] = ()
    now: float = 0.0
    problems: tuple[str, ...] = ()  # what could not be gathered
    listeners: tuple[Listener, ...] = ()
    gettys: tuple[Getty, ...] = ()
    stamps: tuple[Stamp, ...] = ()
    time_sources: tuple[str, ...] = ()  # the NTP config files read (empty: none found)
    extra: tuple[Finding, ...] = ()  # findings other checks made (host check), judged there


@dataclass(frozen=True)
class DoctorReport:
    findings: tuple[Finding, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def critical(self) -> bool:
        return self.counts.get("critical", 0) > 0

    def groups(self) -> list[tuple[str, list[Finding]]]:
        """Findings by group in first-seen order: the tree the TUI draws."""
        out: dict[str, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.group, []).append(f)
        return list(out.items())

    def to_json(self) -> dict[str, object]:
        return {"critical": self.critical, "counts": self.counts,
                "groups": [{"group": g, "findings": [f.to_json() for f in fs]} for g, fs in self.groups()]}


def crossings(route: Route, prod: Production) -> list[str]:
    """Why this route crosses production (empty: it does not)."""
    if route.local:
        return []
    if route.error:  # no route at all; an address inside production still says where it lives
        prefix = prod.prefix_of(route.dst)
        return [f"the destination {route.dst} is in production prefix {prefix}"] if prefix else []
    why = []
    if route.dev in prod.interfaces:
        why.append(f"leaves through production interface {route.dev}")
    for what, address in (("next hop", route.gateway), ("the destination", route.dst),
                          ("the source address", route.prefsrc)):
        prefix = prod.prefix_of(address) if address else None
        if prefix is not None:
            why.append(f"{what} {address} is in production prefix {prefix}")
    return why


def _edge(ep: Endpoint, prod: Production, fix: str, check: str) -> Finding:
    """Judge one endpoint's own routes (not its DNS)."""
    bad: Level = "critical" if ep.critical else "warning"
    path = "; ".join(r.describe() for r in ep.routes) or "-"
    if ep.problem:
        return Finding(bad, ep.group, ep.label, path, ep.problem, f"fix {ep.source or 'its config'}", check)
    if ep.resolve_error:
        return Finding(bad, ep.group, ep.label, "-", f"cannot resolve {ep.host}: {ep.resolve_error}",
                       f"use an address, or pin {ep.host} in /etc/hosts", f"{check}.unresolved")
    why = []
    if ep.asn and ep.asn in prod.asns:
        why.append(f"AS{ep.asn} is production's own AS")
    for route in ep.routes:
        why += crossings(route, prod)
    if why:
        return Finding(bad, ep.group, ep.label, path, "crosses production: " + "; ".join(why), fix,
                       f"{check}.production")
    unreachable = [r for r in ep.routes if r.error]
    if unreachable and len(unreachable) == len(ep.routes):
        return Finding(bad, ep.group, ep.label, path, "no route: it cannot be reached from this host",
                       "add a route over the OOB uplink", f"{check}.no-route")
    return Finding("ok", ep.group, ep.label, path, check=check)


def _dns(ep: Endpoint, resolvers_cross: bool, any_resolver: bool) -> Finding | None:
    if not ep.via_dns:
        return None
    subject = f"{ep.label} needs DNS"
    pin = f"write an address in {ep.source or 'the config'}, or pin {ep.host} in /etc/hosts"
    if not any_resolver or resolvers_cross:
        level: Level = "critical" if ep.critical else "warning"
        why = "no resolver is configured" if not any_resolver else "the resolvers' path crosses production"
        return Finding(level, ep.group, subject, f"{ep.host} -> DNS", f"{ep.host} is resolved at run time and {why}",
                       pin, "dns.production")
    return Finding("warning", ep.group, subject, f"{ep.host} -> DNS",
                   f"{ep.host} is resolved at run time: the resolver's own upstream is not checked", pin, "dns.runtime")


def _resolvers(facts: HostFacts, prod: Production) -> list[Finding]:
    out = [_edge(r, prod, "point resolv.conf at a resolver reached over the OOB uplink, or none, and pin the "
                          "names the console needs in /etc/hosts", "resolver") for r in facts.resolvers]
    if not facts.resolvers:
        out.append(Finding("info", "resolvers", facts.resolver_source, "-", "no resolver configured",
                           check="resolver.none"))
    return out


def _default_routes(facts: HostFacts, prod: Production) -> list[Finding]:
    if not facts.default_routes:
        return [Finding("info", "default route", "default route", "-",
                        "none: only explicitly routed destinations are reachable", check="default.none")]
    out = []
    for route in facts.default_routes:
        desc = route.describe().replace(route.dst, "default", 1)
        why = [w for w in crossings(route, prod) if not w.startswith("the destination")]
        if why:
            out.append(Finding("warning", "default route", "default route", desc,
                               "crosses production: " + "; ".join(why) + " (anything not routed explicitly "
                               "follows it)", "make the OOB uplink the default route and give production "
                                              "its own specific routes", "default.production"))
        else:
            out.append(Finding("ok", "default route", "default route", desc, check="default"))
    return out


def _proxies(facts: HostFacts, prod: Production) -> list[Finding]:
    out = []
    for p in facts.proxies:
        edge = _edge(p, prod, "unset it for the console's account", "proxy")
        note = "set in the environment; oob-console never uses it, but curl, pip and git on this host do"
        level: Level = "warning" if edge.level != "ok" else "info"
        problem = f"{edge.problem}; {note}" if edge.problem else note
        out.append(Finding(level, "proxies", p.label, edge.path, problem,
                           edge.fix or "unset it so tools do not depend on it", edge.check))
    return out


def _mounts(facts: HostFacts) -> list[Finding]:
    out = []
    for m in facts.mounts:
        path = f"{m.path} on {m.mount_point} ({m.fstype} from {m.source})"
        fix = f"move {m.path} to a local disk (and point the config at it)"
        if m.error:
            out.append(Finding("critical", "filesystems", m.purpose, path, m.error, fix, "fs.dead"))
        elif why := risky_fstype(m.fstype):
            out.append(Finding("critical", "filesystems", m.purpose, path, why, fix, "fs.network"))
        elif m.automount:
            out.append(Finding("critical", "filesystems", m.purpose, path + f", below automount {m.automount}",
                               risky_fstype("autofs"), fix, "fs.automount"))
        else:
            out.append(Finding("ok", "filesystems", m.purpose, path, check="fs"))
    return out


def judge_data(items: Sequence[DataItem], now: float) -> list[Finding]:
    """Age of each piece of local data against its limit (also the drill's freshness step)."""
    out = []
    for d in items:
        if d.mtime is None:
            out.append(Finding(d.missing_level, "data", d.name, d.path, d.note or "not there",
                               d.fix or f"create {d.name}", "data.missing"))
            continue
        age = max(0.0, now - d.mtime)
        path = f"{d.path} ({age_text(age)} old{', ' + d.note if d.note else ''})"
        if age > d.max_age:
            out.append(Finding("warning", "data", d.name, path, f"older than {age_text(d.max_age)}",
                               d.fix or f"refresh {d.name}", "data.stale"))
        else:
            out.append(Finding("ok", "data", d.name, path, check="data"))
    return out


def age_text(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}" if unit != "d" else f"{seconds / size:.1f}d"
    return f"{seconds:.0f}s"


# The clock and the front door ---------------------------------------------------------------
#
# Doctor's judgement of the clock and of the front door (how engineers reach the console).
#
# Time: leases, approval expiry, RPKI age and audit seals all trust this host's
# clock, so a time source crossing production is judged as critical in the
# endpoint graph (:mod:`oob_console.core.doctor`); here the clock itself is
# compared with the newest timestamps the console holds. A clock *behind* one of
# them is wrong (nothing the console wrote can come from the future); a clock
# ahead cannot be told from old data, so it is not judged.
#
# Front door: every address the engineers log in on (``[server] listen``, sshd
# ``ListenAddress``) is judged like an endpoint: an address inside production, or
# one held only by a production interface, dies with production; an address this
# host does not hold cannot be listened on at all. A serial line the site names
# must have its getty enabled and that getty must start the console.

CLOCK_SLACK = 300.0  # seconds a timestamp may be ahead of the clock (another host's clock, rounding)


def _utc(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(ts))


def judge_time(facts: HostFacts) -> list[Finding]:
    out = []
    if not facts.time_sources:
        out.append(Finding("warning", "time", "time source", "-",
                           "no chrony, ntpd or systemd-timesyncd configuration found: nothing keeps the clock right, "
                           "and leases, approval expiry, RPKI age and audit seals all trust it",
                           "configure chrony with a time source reached over the OOB uplink (or a GPS/PPS clock)",
                           "time.none"))
    ahead = [s for s in facts.stamps if s.ts > facts.now + CLOCK_SLACK]
    for s in ahead:
        out.append(Finding("critical", "time", "clock", f"clock {_utc(facts.now)}; {s.name} {_utc(s.ts)} ({s.source})",
                           f"the clock is {s.ts - facts.now:.0f}s behind {s.name}, which this console holds: the "
                           "clock is wrong, so leases, approval expiry and RPKI age are too",
                           "fix the time source (chronyc tracking; chronyc makestep)", "time.behind"))
    if facts.stamps and not ahead:
        newest = max(facts.stamps, key=lambda s: s.ts)
        out.append(Finding("ok", "time", "clock", f"clock {_utc(facts.now)}; newest held: {newest.name} "
                                                  f"{_utc(newest.ts)}", check="time"))
    return out


def _wildcard(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_unspecified
    except ValueError:
        return False


def _listener(ln: Listener, prod: Production) -> Finding:
    path = f"{ln.address}:{ln.port}" + (f" on {', '.join(ln.interfaces)}" if ln.interfaces else "")
    fix = f"listen on the OOB side's address instead ({ln.source})"
    if _wildcard(ln.address):
        return Finding("ok", "front door", ln.name, path + " (every address: the OOB side's too)", check="door")
    prefix = prod.prefix_of(ln.address.strip("[]"))
    if prefix is not None:
        return Finding("critical", "front door", ln.name, path,
                       f"{ln.address} is in production prefix {prefix}: with production down nobody can log in",
                       fix, "door.production")
    if not ln.interfaces:
        return Finding("critical", "front door", ln.name, path,
                       f"{ln.address} is not an address of this host: nothing can listen there", fix, "door.absent")
    if set(ln.interfaces) <= prod.interfaces:
        return Finding("critical", "front door", ln.name, path,
                       f"{ln.address} is held only by production interface(s) {', '.join(ln.interfaces)}", fix,
                       "door.production")
    return Finding("ok", "front door", ln.name, path, check="door")


def judge_door(facts: HostFacts, prod: Production) -> list[Finding]:
    out = [_listener(ln, prod) for ln in facts.listeners]
    for g in facts.gettys:
        subject = f"serial console {g.tty}"
        level: Level = "critical"
        if not g.enabled:
            out.append(Finding(level, "front door", subject, g.source or "-",
                               f"serial-getty@{g.tty}.service is not enabled: the serial line shows nothing",
                               f"systemctl enable --now serial-getty@{g.tty} (with deploy/systemd's drop-in)",
                               "getty.disabled"))
            continue
        if not _starts_console(g.exec_start, g.console_commands):
            out.append(Finding(level, "front door", subject, f"{g.source}: {g.exec_start or 'no ExecStart'}",
                               "its getty does not start the console: the floor technician gets a login prompt",
                               "install deploy/systemd/serial-getty@.service.d/oob-console.conf for this tty",
                               "getty.not-console"))
        else:
            out.append(Finding("ok", "front door", subject, f"{g.source}: {g.exec_start}", check="getty"))
    return out


def _starts_console(exec_start: str, commands: tuple[str, ...]) -> bool:
    """Whether the command line runs ``oob ... CMD`` (also inside agetty's quoted --login-options)."""
    def words(text: str) -> list[str]:
        try:
            return shlex.split(text)
        except ValueError:
            return text.split()
    flat = [w for token in words(exec_start) for w in (words(token) if " " in token else [token])]
    for i, w in enumerate(flat):
        if w == "oob" or w.endswith("/oob"):
            return any(c in flat[i + 1:] for c in commands)
    return False


def judge(facts: HostFacts, prod: Production) -> DoctorReport:
    """The whole report: resolvers, default route, endpoints (and their DNS), proxies, filesystems, data,
    time, the front door; and, when nothing is declared as production, that shared fate was not judged."""
    findings = [] if prod.prefixes or prod.interfaces or prod.asns else [Finding(
        "warning", "production", "could not judge shared fate", "-",
        "nothing is declared as production ([production] prefixes, interfaces, asns are empty): every path below "
        "was checked for reachability only, never for sharing fate with production",
        "declare it: oob init --production PREFIX ... (or edit [production] in the config)", "production.none")]
    findings += _resolvers(facts, prod)
    resolvers_cross = any(f.level == "critical" for f in findings if f.group == "resolvers")
    findings += _default_routes(facts, prod)
    for ep in facts.endpoints:
        dns = _dns(ep, resolvers_cross, bool(facts.resolvers))
        if dns is not None:
            findings.append(dns)
        fix = f"route {ep.host} over the OOB uplink (or change {ep.source or 'its address'})"
        findings.append(_edge(ep, prod, fix, ep.group))
    findings += _proxies(facts, prod)
    findings += _mounts(facts)
    findings += judge_data(facts.data, facts.now)
    findings += judge_time(facts)
    findings += judge_door(facts, prod)
    findings += facts.extra
    findings += [Finding("warning", "doctor", "gathering", "-", p, "see the message", "gather") for p in facts.problems]
    counts: dict[str, int] = {level: sum(1 for f in findings if f.level == level) for level in LEVELS}
    return DoctorReport(tuple(findings), counts)

