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
    purpose: str  # "store", "audit log", ...
    path: str
    mount_point: str
    fstype: str
    source: str


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
        if m.fstype in NETWORK_FILESYSTEMS:
            out.append(Finding("critical", "filesystems", m.purpose, path,
                               f"on a network filesystem ({m.fstype}): it fails with the network it is served over",
                               f"move {m.purpose} to a local disk", "fs.network"))
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


def judge(facts: HostFacts, prod: Production) -> DoctorReport:
    """The whole report: resolvers, default route, endpoints (and their DNS), proxies, filesystems, data."""
    findings = _resolvers(facts, prod)
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
    findings += [Finding("warning", "doctor", "gathering", "-", p, "see the message", "gather") for p in facts.problems]
    counts: dict[str, int] = {level: sum(1 for f in findings if f.level == level) for level in LEVELS}
    return DoctorReport(tuple(findings), counts)

