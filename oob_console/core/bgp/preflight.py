"""Preflight: every check an intent must pass before anything is sent.

Each check is a :class:`Check` with a status (pass, fail, warn, skip) and a
detail a person can act on; the report passes only when no check fails. Checks
that depend on the upstream run once per upstream, because limits differ (a
provider that takes only its provisioned CIDR, an upstream that accepts up to
/24 only, a backend that cannot carry communities).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from oob_console.core.bgp.intent import NEXT_HOP_SELF, BgpIntent, IPNetwork, format_seconds, iso
from oob_console.core.bgp.rpki import RovResult, VrpLookup, validate_origin

# A VRP export dated more than this after our clock is refused (clock skew), not "0s old".
CLOCK_SKEW_TOLERANCE = 300.0

Status = Literal["pass", "fail", "warn", "skip"]
Backend = Literal["exabgp", "router", "cloudflare", "aws"]
BACKENDS: tuple[str, ...] = ("exabgp", "router", "cloudflare", "aws")


@dataclass(frozen=True)
class BackendRules:
    """What a backend can carry; provider APIs take far less than a BGP speaker."""

    communities: bool
    next_hop: bool  # an explicit next hop (not just "self")
    max_prepend: int
    exact_prefix_only: bool  # only a provisioned CIDR, never a sub- or super-prefix
    min_interval: float  # seconds between calls the provider allows


BACKEND_RULES: dict[str, BackendRules] = {
    "exabgp": BackendRules(communities=True, next_hop=True, max_prepend=10, exact_prefix_only=False, min_interval=0),
    "router": BackendRules(communities=True, next_hop=True, max_prepend=10, exact_prefix_only=False, min_interval=0),
    # Cloudflare BYOIP BGP prefixes: on_demand.advertised plus asn_prepend_count 0-3, nothing else.
    "cloudflare": BackendRules(communities=False, next_hop=False, max_prepend=3, exact_prefix_only=True,
                               min_interval=0),
    # AWS EC2 AdvertiseByoipCidr: the exact provisioned range, at most once every 10 seconds.
    "aws": BackendRules(communities=False, next_hop=False, max_prepend=0, exact_prefix_only=True, min_interval=10),
}

# Never routable anywhere: refused whatever the config says.
MARTIANS: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "'this network'"), ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link local"),
    ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
    ("::/8", "reserved (loopback, unspecified, IPv4-mapped)"), ("fe80::/10", "link local"),
    ("fec0::/10", "site local"), ("ff00::/8", "multicast"),
)
# Not routable on the Internet, but a lab or drill upstream may explicitly allow them.
BOGONS: tuple[tuple[str, str], ...] = (
    ("10.0.0.0/8", "private"), ("100.64.0.0/10", "shared address space"), ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"), ("192.0.2.0/24", "documentation"),
    ("192.168.0.0/16", "private"), ("198.18.0.0/15", "benchmarking"), ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("100::/64", "discard only"), ("2001:2::/48", "benchmarking"), ("2001:10::/28", "ORCHID"),
    ("2001:20::/28", "ORCHIDv2"), ("2001:db8::/32", "documentation"), ("2002::/16", "6to4"),
    ("3fff::/20", "documentation"), ("5f00::/16", "SRv6 SIDs"), ("fc00::/7", "unique local"),
)
_GLOBAL_V6 = ipaddress.ip_network("2000::/3")


def _table(rows: tuple[tuple[str, str], ...]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(p), why) for p, why in rows)


_MARTIAN_NETS = _table(MARTIANS)
_BOGON_NETS = _table(BOGONS)


def _overlap(net: IPNetwork, table: tuple[tuple[IPNetwork, str], ...]) -> str | None:
    for special, why in table:
        if net.version == special.version and net.overlaps(special):
            return f"{special} ({why})"
    return None


def martian(net: IPNetwork) -> str | None:
    """Why ``net`` can never be announced, or None."""
    if net.prefixlen == 0:
        return "the default route"
    if net.version == 6 and not net.subnet_of(_GLOBAL_V6):  # type: ignore[arg-type]
        return "outside IPv6 global unicast 2000::/3"
    return _overlap(net, _MARTIAN_NETS)


def bogon(net: IPNetwork) -> str | None:
    return _overlap(net, _BOGON_NETS)


def asn_problem(asn: int) -> tuple[Literal["reserved", "bogon"], str] | None:
    """Reserved ASNs always fail; private and documentation ASNs are bogons (fail unless allowed)."""
    if asn in (0, 23456, 65535, 4294967295) or 65552 <= asn <= 131071:
        return "reserved", f"AS{asn} is reserved"
    if 64496 <= asn <= 64511 or 65536 <= asn <= 65551:
        return "bogon", f"AS{asn} is a documentation AS"
    if 64512 <= asn <= 65534 or 4200000000 <= asn <= 4294967294:
        return "bogon", f"AS{asn} is a private AS"
    return None


@dataclass(frozen=True)
class OwnedBlock:
    prefix: str
    max_length: int
    origin_as: int


@dataclass(frozen=True)
class UpstreamPolicy:
    """The preflight's view of one configured upstream."""

    name: str
    backend: str
    max_length_v4: int = 24
    max_length_v6: int = 48
    allow_bogons: bool = False
    max_prepend: int = 3
    provisioned: tuple[str, ...] = ()  # providers: the exact CIDRs they can advertise
    min_interval: float = 0.0
    families: tuple[str, ...] = ("ipv4", "ipv6")
    origin_as: int | None = None  # providers: the AS they originate our prefix from
    session_version: int | None = None  # IP version of our end of the BGP session (next hop "self")
    session_local: str = ""  # our end of the session: what next hop "self" is
    session_peer: str = ""  # the upstream's end
    session_subnet: str = ""  # the link's subnet of a single-hop eBGP session ("" when not single-hop/unknown)


@dataclass(frozen=True)
class BgpPolicy:
    local_as: int
    owned: tuple[OwnedBlock, ...]
    upstreams: Mapping[str, UpstreamPolicy]
    rpki_required: bool = True
    allow_not_found: bool = False
    vrp_max_age: float = 86400.0
    max_lease: float = 86400.0


@dataclass(frozen=True)
class VrpSnapshot:
    """The loaded VRP file, or why it could not be loaded."""

    source: str
    vrps: VrpLookup | None = None
    age_seconds: float | None = None
    age_from: str = ""  # "export metadata" or "file modification time"
    error: str | None = None


@dataclass(frozen=True)
class JournalView:
    """What the journal knows that limits the next action."""

    last_calls: Mapping[str, float] = field(default_factory=dict)  # upstream -> unix time of last provider call
    announced: frozenset[tuple[str, str]] = frozenset()  # (upstream, prefix) we announce now


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    upstream: str = ""
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail,
                "upstream": self.upstream or None, "hint": self.hint or None}


@dataclass(frozen=True)
class PreflightReport:
    checks: tuple[Check, ...]
    wait_seconds: float = 0.0  # a provider rate limit: wait this long before calling
    rov: RovResult | None = None

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "wait_seconds": round(self.wait_seconds, 3),
                "rpki": self.rov.state if self.rov else None, "checks": [c.to_json() for c in self.checks]}

    def lines(self) -> list[str]:
        out = []
        for c in self.checks:
            where = f" [{c.upstream}]" if c.upstream else ""
            out.append(f"  {c.status.upper():<4}  {c.name}{where}: {c.detail}")
            if c.hint and c.status in ("fail", "warn"):
                out.append(f"        -> {c.hint}")
        return out


def run_preflight(
    intent: BgpIntent, policy: BgpPolicy, vrps: VrpSnapshot, journal: JournalView, *, now: float
) -> PreflightReport:
    """Run every check for ``intent``; ``now`` is unix time."""
    checks: list[Check] = []
    net = intent.route.network
    checks.extend(_prefix_checks(intent, policy, net))
    rov: RovResult | None = None
    if intent.action == "announce":
        checks.append(_lease_check(intent, policy))
        rpki_checks, rov = _rpki_checks(intent, policy, vrps, net, now)
        checks.extend(rpki_checks)
    else:
        checks.append(Check("rpki", "skip", "not needed to withdraw"))
    wait = 0.0
    if not intent.upstreams:
        checks.append(Check("upstreams", "fail", "no upstream chosen", hint="pass --upstream NAME"))
    for name in intent.upstreams:
        up = policy.upstreams.get(name)
        if up is None:
            known = ", ".join(sorted(policy.upstreams)) or "none configured"
            checks.append(Check("upstream", "fail", f"unknown upstream {name!r}", name, f"known: {known}"))
            continue
        checks.extend(_upstream_checks(intent, policy, up, net, journal))
        wait = max(wait, rate_wait(up, journal, now))
        if wait > 0:
            checks.append(Check("provider.rate", "pass",
                                f"next call allowed in {format_seconds(wait)}: the console waits for it", name))
    return PreflightReport(tuple(checks), wait, rov)


def _prefix_checks(intent: BgpIntent, policy: BgpPolicy, net: IPNetwork) -> list[Check]:
    out: list[Check] = []
    why = martian(net)
    out.append(Check("prefix.martian", "fail", f"{net} is {why}", hint="announce only our own global prefixes")
               if why else Check("prefix.martian", "pass", f"{net} is not a martian or the default route"))
    owners = [b for b in policy.owned if ipaddress.ip_network(b.prefix).version == net.version
              and net.subnet_of(ipaddress.ip_network(b.prefix))]  # type: ignore[arg-type]
    if not owners:
        blocks = ", ".join(b.prefix for b in policy.owned) or "none configured"
        out.append(Check("prefix.owned", "fail", f"{net} is not inside an owned block ({blocks})",
                         hint="add it to [[bgp.owned]] if it really is ours"))
        return out
    block = max(owners, key=lambda b: ipaddress.ip_network(b.prefix).prefixlen)
    if net.prefixlen > block.max_length:
        out.append(Check("prefix.owned", "fail", f"{net} is inside {block.prefix} but longer than its max /"
                         f"{block.max_length}", hint=f"announce /{block.max_length} or shorter"))
    else:
        out.append(Check("prefix.owned", "pass", f"inside owned block {block.prefix} (max /{block.max_length})"))
    if intent.action == "announce":
        origin = intent.route.origin_as
        if origin != block.origin_as:
            out.append(Check("origin", "fail", f"{block.prefix} is originated by AS{block.origin_as}, not AS{origin}",
                             hint=f"use --origin-as {block.origin_as}"))
        else:
            out.append(Check("origin", "pass", f"AS{origin} is the configured origin of {block.prefix}"))
    return out


def _lease_check(intent: BgpIntent, policy: BgpPolicy) -> Check:
    lease = intent.lease_seconds
    if lease <= 0:
        return Check("lease", "fail", "an announcement needs a lease", hint="pass --lease 4h")
    if lease > policy.max_lease:
        return Check("lease", "fail", f"lease {format_seconds(lease)} is longer than the maximum "
                     f"{format_seconds(policy.max_lease)}", hint="renew it before it expires instead")
    return Check("lease", "pass", f"withdrawn after {format_seconds(lease)} unless renewed")


def _rpki_checks(intent: BgpIntent, policy: BgpPolicy, snap: VrpSnapshot, net: IPNetwork,
                 now: float) -> tuple[list[Check], RovResult | None]:
    sev: Status = "fail" if policy.rpki_required else "warn"
    if snap.vrps is None:
        return [Check("rpki", sev, f"VRP file {snap.source} unusable: {snap.error}",
                      hint="refresh the VRP export (Routinator or rpki-client JSON) and retry")], None
    out: list[Check] = []
    age = snap.age_seconds
    vrps = snap.vrps
    if age is None:
        out.append(Check("rpki.age", sev, f"{snap.source}: age unknown", hint="use an export with metadata"))
    elif age < -CLOCK_SKEW_TOLERANCE:
        # dated after now: this host's clock or the validator's is wrong, and an age cap means nothing
        dated = datetime.fromtimestamp(now - age, UTC)
        return [Check("rpki.clock", sev, f"clock skew: the VRP export is dated {iso(dated)} (from {snap.age_from}), "
                      f"{format_seconds(-age)} after this host's clock ({iso(datetime.fromtimestamp(now, UTC))}); "
                      "the export is refused", hint="check NTP on this host ('oob doctor') and on the validator, "
                      "then refresh the export")], None
    elif age > policy.vrp_max_age:
        out.append(Check("rpki.age", sev, f"VRP snapshot is {format_seconds(age)} old (from {snap.age_from}); "
                         f"maximum {format_seconds(policy.vrp_max_age)}", hint="refresh the VRP export"))
    else:
        out.append(Check("rpki.age", "pass", f"VRP snapshot is {format_seconds(max(age, 0))} old (from "
                         f"{snap.age_from}), {vrps.count} VRPs, {vrps.flavour} format"))
    if vrps.skipped:
        # an unreadable entry might be the VRP that makes this route Invalid: say so, never silently
        out.append(Check("rpki.entries", "warn", f"{vrps.skipped} entries of the export were refused as "
                         f"unreadable (first: {vrps.skipped_example}); they are not used for validation",
                         hint="fix the validator's export (canonical ADDRESS/LENGTH, decimal max length)"))
    rov = validate_origin(vrps, net, intent.route.origin_as, datetime.fromtimestamp(now, UTC))
    if rov.state == "valid":
        out.append(Check("rpki", "pass", f"Valid: {rov.reason}"))
    elif rov.state == "invalid":
        out.append(Check("rpki", "fail", f"Invalid: {rov.reason}",
                         hint="fix the ROA (or the origin AS / prefix length); an Invalid route is dropped "
                         "by validating networks"))
    elif policy.allow_not_found:
        out.append(Check("rpki", "warn", f"NotFound: {rov.reason} (allowed by bgp.rpki.allow_not_found)"))
    else:
        out.append(Check("rpki", "fail", f"NotFound: {rov.reason}",
                         hint="create a ROA for it, or set bgp.rpki.allow_not_found = true"))
    return out, rov


def _upstream_checks(intent: BgpIntent, policy: BgpPolicy, up: UpstreamPolicy, net: IPNetwork,
                     journal: JournalView) -> list[Check]:
    rules = BACKEND_RULES[up.backend]
    out: list[Check] = []
    name, route = up.name, intent.route
    family = f"ipv{net.version}"
    if family not in up.families:
        out.append(Check("family", "fail", f"{up.backend} session carries {', '.join(up.families)}, not {family}",
                         name, hint="add the family to the upstream's session"))
    if rules.exact_prefix_only:
        if str(net) in up.provisioned:
            out.append(Check("provider.prefix", "pass", f"{net} is provisioned with {up.backend}", name))
        else:
            listed = ", ".join(up.provisioned) or "none configured"
            out.append(Check("provider.prefix", "fail", f"{up.backend} advertises only its provisioned prefixes "
                             f"exactly ({listed}), not {net}", name, hint="choose a provisioned prefix"))
    if intent.action == "withdraw":
        if (name, str(net)) not in journal.announced:
            out.append(Check("announced", "warn", f"the journal has no announcement of {net} via {name}", name,
                             hint="withdrawing anyway (it may have been announced before the journal existed)"))
        return out
    bog = bogon(net)
    if bog:
        out.append(Check("prefix.bogon", "pass" if up.allow_bogons else "fail",
                         f"{net} overlaps {bog}" + (" (allowed for this upstream)" if up.allow_bogons else ""),
                         name, "" if up.allow_bogons else "set allow_bogons only for lab or drill upstreams"))
    limit = up.max_length_v4 if net.version == 4 else up.max_length_v6
    if net.prefixlen > limit:
        out.append(Check("prefix.length", "fail", f"/{net.prefixlen} is longer than {name} accepts (/{limit})",
                         name, hint=f"announce a /{limit} or shorter, or raise max_length_v{net.version}"))
    else:
        out.append(Check("prefix.length", "pass", f"/{net.prefixlen} within /{limit}", name))
    asn = asn_problem(route.origin_as)
    if asn:
        status: Status = "fail" if asn[0] == "reserved" or not up.allow_bogons else "pass"
        out.append(Check("origin.asn", status, asn[1] + (" (allowed for this upstream)" if status == "pass" else ""),
                         name))
    if up.origin_as is not None and up.origin_as != route.origin_as:
        out.append(Check("provider.origin", "fail", f"{up.backend} originates it from AS{up.origin_as}, "
                         f"not AS{route.origin_as}", name))
    out.append(_next_hop_check(route.next_hop, net, rules, name, up))
    out.extend(_community_checks(route.communities, rules, name))
    max_prepend = min(up.max_prepend, rules.max_prepend)
    if route.prepend > max_prepend:
        out.append(Check("prepend", "fail", f"prepend {route.prepend} exceeds {max_prepend} for {name} "
                         f"({up.backend})", name))
    elif route.prepend:
        out.append(Check("prepend", "pass", f"prepend {route.prepend} (max {max_prepend})", name))
    return out


def _next_hop_check(next_hop: str, net: IPNetwork, rules: BackendRules, name: str, up: UpstreamPolicy) -> Check:
    """Is the next hop usable on this session? An upstream silently drops a route whose next hop it cannot
    use (a loopback or martian address, off the link of a single-hop eBGP session, the wrong family)."""
    session_version = up.session_version
    if next_hop == NEXT_HOP_SELF:
        if session_version is not None and session_version != net.version:
            return Check("next-hop", "fail", f"'self' is the session's IPv{session_version} address; an "
                         f"IPv{net.version} prefix needs an IPv{net.version} next hop", name,
                         hint=f"pass --next-hop <IPv{net.version} address>")
        if not up.session_local:
            return Check("next-hop", "pass", "self (the session's local address)", name)
        addr = ipaddress.ip_address(up.session_local)
        what = f"self ({addr}, the session's local address)"
    else:
        if not rules.next_hop:
            return Check("next-hop", "fail", "this backend originates the route itself; no next hop can be set",
                         name, hint="leave --next-hop unset")
        addr = ipaddress.ip_address(next_hop)
        what = f"next hop {addr}"
        if addr.version != net.version:
            return Check("next-hop", "fail", f"{what} is IPv{addr.version} for an IPv{net.version} prefix", name,
                         hint=f"pass --next-hop <IPv{net.version} address>")
    if addr.is_loopback:
        peer = ipaddress.ip_address(up.session_peer) if up.session_peer else None
        if peer is None or not peer.is_loopback:
            return Check("next-hop", "fail", f"{what} is a loopback address: the upstream cannot forward to it "
                         "and drops the route", name,
                         hint="set the session's local_address to the address the upstream reaches us on, or "
                         "pass --next-hop <that address>")
        return Check("next-hop", "warn", f"{what} is a loopback address (the peer is on this host too); some "
                     "implementations (FRR) still drop such routes as martian", name,
                     hint="pass --next-hop <a routable address> if the upstream does not accept it")
    if next_hop != NEXT_HOP_SELF:
        bad = martian(ipaddress.ip_network(addr))
        if bad or addr.is_unspecified or addr.is_multicast:
            return Check("next-hop", "fail", f"{what} is in {bad or 'a special range'}", name,
                         hint="peers treat it as martian and drop the route or the session")
        if addr in net:
            return Check("next-hop", "fail", f"{what} is inside the announced {net} (recursive)", name)
    if up.session_subnet:
        link = ipaddress.ip_network(up.session_subnet, strict=False)
        if addr.version != link.version or addr not in link:
            return Check("next-hop", "fail", f"{what} is not on the link {link} of this single-hop eBGP session: "
                         "the upstream cannot resolve it and drops the route", name,
                         hint=f"use next hop self ({up.session_local}) or an address in {link}")
    return Check("next-hop", "pass", what, name)


def _community_checks(communities: tuple[str, ...], rules: BackendRules, name: str) -> list[Check]:
    if not communities:
        return []
    if not rules.communities:
        return [Check("communities", "fail", "this backend cannot attach communities", name,
                      hint="drop --community for this upstream")]
    out = []
    for c in communities:
        if c == "blackhole":
            out.append(Check("communities", "fail", "BLACKHOLE would drop traffic to our own prefix", name))
        elif c == "no-advertise":
            out.append(Check("communities", "warn", "NO_ADVERTISE: the upstream keeps it to itself", name))
        elif c == "no-export":
            out.append(Check("communities", "warn", "NO_EXPORT: the upstream will not pass it beyond its AS "
                             "(the route may never be visible upstream)", name))
        elif c.count(":") == 1 and int(c.split(":")[0]) in (0, 65535):
            out.append(Check("communities", "fail", f"{c} uses a reserved ASN half", name))
    if not any(c.status == "fail" for c in out):
        out.append(Check("communities", "pass", " ".join(communities), name))
    return out


def rate_wait(up: UpstreamPolicy, journal: JournalView, now: float) -> float:
    """Seconds to wait before this upstream's provider may be called again."""
    interval = max(up.min_interval, BACKEND_RULES[up.backend].min_interval)
    last = journal.last_calls.get(up.name)
    if not interval or last is None:
        return 0.0
    return max(0.0, last + interval - now)
