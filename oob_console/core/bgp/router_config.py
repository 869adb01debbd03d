"""Configuration templates for announcing through a management router, per platform.

An announcement is three pieces, the way operators do it by hand: a discard
route that holds the prefix in the RIB (so the BGP ``network`` is valid and
traffic for unused space is dropped, not looped), a route-map / policy that
sets the communities, prepends and next hop, and the BGP statement that
originates the prefix through that policy. A withdrawal removes them in the
reverse order. Names are derived from the prefix (``OOB-BGP-203-0-113-0-24``)
so a withdrawal finds what the announcement created.

The lines are sent in configuration mode by the device driver, which commits
with commit-confirmed where the platform has it (IOS-XR, Junos, EOS sessions,
IOS revert timer) and confirms only once the console can still reach the
router; FRR applies line by line and has no automatic rollback.
"""

from __future__ import annotations

import ipaddress
import re

from oob_console.core.bgp.intent import NEXT_HOP_SELF, RouteSpec, community_value

ROUTER_PLATFORMS = ("frr", "ios", "iosxr", "junos", "eos")
_NO_LARGE = ("ios",)  # classic IOS route-maps cannot set large communities


def policy_name(prefix: str) -> str:
    return "OOB-BGP-" + re.sub(r"[^0-9A-Za-z]+", "-", prefix).strip("-").upper()


def _split(route: RouteSpec) -> tuple[list[str], list[str]]:
    """(standard communities as named in the intent, large communities as A:B:C)."""
    std = [c for c in route.communities if len(community_value(c)) == 2]
    large = [c for c in route.communities if len(community_value(c)) == 3]
    return std, large


def router_lines(platform: str, *, local_as: int, route: RouteSpec, announce: bool, bgp_group: str = "") -> list[str]:
    """Configuration-mode lines for ``platform``.

    Raises:
        ValueError: the platform cannot express this (unknown platform, large
            communities on IOS, Junos without the BGP group to export to).
    """
    if platform not in ROUTER_PLATFORMS:
        raise ValueError(f"no BGP template for platform {platform!r} (have {', '.join(ROUTER_PLATFORMS)})")
    std, large = _split(route)
    if large and platform in _NO_LARGE:
        raise ValueError(f"{platform} route-maps cannot set large communities ({' '.join(large)})")
    if platform == "junos" and not bgp_group:
        raise ValueError("junos needs the BGP group that exports to the upstream (router.bgp_group)")
    build = {"frr": _frr_ios, "ios": _frr_ios, "eos": _frr_ios, "iosxr": _iosxr, "junos": _junos}[platform]
    return build(platform, local_as, route, announce, std, large, bgp_group)


def _frr_ios(platform: str, local_as: int, route: RouteSpec, announce: bool, std: list[str], large: list[str],
             group: str) -> list[str]:
    net = ipaddress.ip_network(route.prefix)
    v6 = net.version == 6
    name = policy_name(route.prefix)
    ip = "ipv6" if v6 else "ip"
    if platform == "frr":
        static = f"{ip} route {net} blackhole"
    elif platform == "ios" and not v6:
        static = f"ip route {net.network_address} {net.netmask} Null0"
    else:
        static = f"{ip} route {net} Null0"
    network = f"network {net.network_address} mask {net.netmask}" if platform == "ios" and not v6 else f"network {net}"
    family = f"address-family {'ipv6' if v6 else 'ipv4'}" + (" unicast" if platform in ("frr", "ios") else "")
    exit_family = "exit-address-family" if platform in ("frr", "ios") else "exit"
    bgp = [f"router bgp {local_as}", f" {family}"]
    if not announce:
        return [*bgp, f"  no {network}", f" {exit_family}", "exit", f"no route-map {name}", f"no {static}"]
    policy = [f"route-map {name} permit 10", *_sets("route-map", route, local_as, std, large)]
    return [static, *policy, "exit", *bgp, f"  {network} route-map {name}", f" {exit_family}", "exit"]


# How a route-map (FRR, IOS, EOS) and an IOS-XR route-policy say the same four things.
_SETS = {
    "route-map": {"sep": " ", "community": " set community {} additive", "large": " set large-community {} additive",
                  "prepend": " set as-path prepend {path}", "nh4": " set ip next-hop {}",
                  "nh6": " set ipv6 next-hop global {}"},
    "route-policy": {"sep": ", ", "community": "  set community ({}) additive",
                     "large": "  set large-community ({}) additive", "prepend": "  prepend as-path {asn} {n}",
                     "nh4": "  set next-hop {}", "nh6": "  set next-hop {}"},
}


def _sets(kind: str, route: RouteSpec, local_as: int, std: list[str], large: list[str]) -> list[str]:
    syntax = _SETS[kind]
    out = []
    if std:
        out.append(syntax["community"].format(syntax["sep"].join(_cisco_name(c) for c in std)))
    if large:
        out.append(syntax["large"].format(syntax["sep"].join(large)))
    if route.prepend:
        path = " ".join([str(local_as)] * route.prepend)
        out.append(syntax["prepend"].format(path=path, asn=local_as, n=route.prepend))
    if route.next_hop != NEXT_HOP_SELF:
        v6 = ipaddress.ip_network(route.prefix).version == 6
        out.append(syntax["nh6" if v6 else "nh4"].format(route.next_hop))
    return out


def _cisco_name(community: str) -> str:
    # Cisco-style CLIs know these by name; everything else goes as ASN:VALUE.
    names = {"no-export": "no-export", "no-advertise": "no-advertise", "no-export-subconfed": "local-as",
             "graceful-shutdown": "gshut"}
    return names.get(community) or ":".join(map(str, community_value(community)))


def _junos_name(community: str) -> str:
    if community in ("no-export", "no-advertise", "no-export-subconfed"):
        return community
    return ":".join(map(str, community_value(community)))


def _iosxr(platform: str, local_as: int, route: RouteSpec, announce: bool, std: list[str], large: list[str],
           group: str) -> list[str]:
    net = ipaddress.ip_network(route.prefix)
    afi = "ipv6 unicast" if net.version == 6 else "ipv4 unicast"
    name = policy_name(route.prefix)
    if not announce:
        return [f"router bgp {local_as}", f" address-family {afi}", f"  no network {net}", "root",
                f"no route-policy {name}", "router static", f" address-family {afi}", f"  no {net} Null0", "root"]
    policy = [f"route-policy {name}", *_sets("route-policy", route, local_as, std, large), "  pass", "end-policy"]
    return ["router static", f" address-family {afi}", f"  {net} Null0", "root", *policy,
            f"router bgp {local_as}", f" address-family {afi}", f"  network {net} route-policy {name}", "root"]


def _junos(platform: str, local_as: int, route: RouteSpec, announce: bool, std: list[str], large: list[str],
           group: str) -> list[str]:
    net = ipaddress.ip_network(route.prefix)
    name = policy_name(route.prefix)
    static = "routing-options static" if net.version == 4 else "routing-options rib inet6.0 static"
    if not announce:
        return [f"delete protocols bgp group {group} export {name}", f"delete policy-options policy-statement {name}",
                f"delete policy-options community {name}-C", f"delete policy-options community {name}-L",
                f"delete {static} route {net}"]
    term = f"set policy-options policy-statement {name} term 1"
    lines = [f"set {static} route {net} discard"]
    if std:
        lines.append(f"set policy-options community {name}-C members [ {' '.join(map(_junos_name, std))} ]")
    if large:
        lines.append(f"set policy-options community {name}-L members [ {' '.join('large:' + c for c in large)} ]")
    lines += [f"{term} from protocol static", f"{term} from route-filter {net} exact"]
    if std:
        lines.append(f"{term} then community add {name}-C")
    if large:
        lines.append(f"{term} then community add {name}-L")
    if route.prepend:
        lines.append(f'{term} then as-path-prepend "{" ".join([str(local_as)] * route.prepend)}"')
    if route.next_hop != NEXT_HOP_SELF:
        lines.append(f"{term} then next-hop {route.next_hop}")
    lines += [f"{term} then accept", f"set protocols bgp group {group} export {name}"]
    return lines


def advertised_command(platform: str, neighbor: str, prefix: str) -> str:
    """The read-only command that lists what the router advertises to ``neighbor``."""
    v6 = ipaddress.ip_network(prefix).version == 6
    afi = "ipv6" if v6 else "ipv4"
    return {
        "frr": f"show bgp {afi} unicast neighbors {neighbor} advertised-routes",
        "ios": f"show bgp {afi} unicast neighbors {neighbor} advertised-routes",
        "eos": f"show {'ipv6 bgp' if v6 else 'ip bgp'} neighbors {neighbor} advertised-routes",
        "iosxr": f"show bgp {afi} unicast advertised neighbor {neighbor}",
        "junos": f"show route advertising-protocol bgp {neighbor} {prefix} exact",
    }[platform]


def advertised_in(output: str, prefix: str) -> bool:
    """Does the advertised-routes output list exactly ``prefix``?"""
    return re.search(rf"(?<![\w.:/]){re.escape(prefix)}(?![\w.:/])", output) is not None
