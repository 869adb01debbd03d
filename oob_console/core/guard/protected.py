"""The protected parts of each platform's configuration, as data.

A change the configuration model cannot resolve (the device has no backup) is
dangerous inside one of these parts and a change elsewhere. Each part lists the
statement prefixes (after ``no``/``default``/``set``/``delete``) that belong to
it, matched on the outermost context or, where there is none, on the statement.
Descriptions and remarks are never protected.
"""

from __future__ import annotations

import re
from functools import lru_cache

from oob_console.core.guard.candidate import Stmt

CISCO_PARTS: dict[str, tuple[str, ...]] = {
    "the management plane": (
        "username", "aaa", "line", "management", "ip ssh", "ssh", "netconf-yang", "restconf", "control-plane",
        "system control-plane", "ip access-list", "ipv4 access-list", "ipv6 access-list", "access-list",
        "crypto key", "ip http", "ip route vrf", "ipv6 route vrf", "feature ssh", "feature nxapi", "nxapi"),
    "routing policy": (
        "route-map", "ip prefix-list", "ipv6 prefix-list", "route-policy", "prefix-set", "community-set",
        "as-path-set", "ip community-list", "ip as-path", "bgp community-list", "bgp as-path"),
    "BGP neighbours and groups": ("router bgp",),
    "static routes": ("ip route", "ipv6 route", "router static"),
    "protocol-wide settings": (
        "router ospf", "router ospfv3", "router isis", "router ospf6", "ip routing", "ip cef", "ipv6 cef",
        "ipv6 unicast-routing", "ip forwarding", "ipv6 forwarding", "mpls", "segment-routing", "vrf",
        "spanning-tree", "feature bgp", "feature ospf"),
    "commands the guard cannot see into": ("alias", "event manager", "event-handler", "daemon", "kron",
                                           "schedule", "scheduler"),
}
CISCO_BUNDLE_WORDS = ("channel-group", "lacp", "port-channel min-links", "bundle", "min-links", "bond")

# NX-OS: the Cisco parts, plus what NX-OS keeps elsewhere (features, CoPP, NX-API, aliases, templates).
NXOS_EXTRA: dict[str, tuple[str, ...]] = {
    "the management plane": ("feature tacacs+", "feature radius", "tacacs-server", "radius-server", "copp",
                             "feature telnet", "nxapi", "vrf context management", "ssh key", "ssh server"),
    "BGP neighbours and groups": ("template peer", "template peer-session", "template peer-policy"),
    "protocol-wide settings": ("feature ospfv3", "feature isis", "feature interface-vlan", "feature vpc",
                               "feature pim", "feature bfd", "hardware", "system", "vpc"),
    "bundles": ("feature lacp", "lacp", "port-channel"),
    "commands the guard cannot see into": ("cli alias", "feature bash-shell", "feature scheduler", "checkpoint",
                                           "rollback"),
    "what the switch boots from": ("boot",),
}
NXOS_PARTS: dict[str, tuple[str, ...]] = {
    part: (*CISCO_PARTS.get(part, ()), *NXOS_EXTRA.get(part, ())) for part in (*CISCO_PARTS, *NXOS_EXTRA)}

JUNOS_PARTS: dict[str, tuple[str, ...]] = {
    "the management plane": (
        "system login", "system authentication-order", "system services", "system root-authentication",
        "system tacplus-server", "system radius-server", "firewall", "interfaces lo0", "interfaces fxp0",
        "interfaces em0", "interfaces re0", "interfaces me0", "security ssh", "routing-instances mgmt"),
    "routing policy": ("policy-options",),
    "BGP neighbours and groups": ("protocols bgp",),
    "static routes": ("routing-options static", "routing-options rib"),
    "protocol-wide settings": ("routing-options", "protocols ospf", "protocols isis", "protocols mpls",
                               "protocols ldp", "forwarding-options", "chassis"),
    "bundles": ("interfaces ae",),
    "commands the guard cannot see into": ("event-options", "system scripts"),
}


@lru_cache(maxsize=64)
def _regex(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern per part: a prefix as whole words (``interfaces ae`` also takes ``interfaces ae0``)."""
    alts = "|".join(re.escape(p) + (r"\S*" if p.endswith(" ae") else "") for p in prefixes)
    return re.compile(f"(?:{alts})(?: |$)")


def _under(text: str, prefixes: tuple[str, ...]) -> bool:
    return _regex(prefixes).match(text) is not None


def protected_part(platform: str, stmt: Stmt, mgmt_ifs: frozenset[str]) -> str:
    """The protected part ``stmt`` changes, or "" when it changes none."""
    body = stmt.body
    if body.startswith(("description", "remark")) or " description " in f" {body} ":
        return ""
    parts = JUNOS_PARTS if platform == "junos" else NXOS_PARTS if platform == "nxos" else CISCO_PARTS
    top = stmt.path[0] if stmt.path else body
    if top.startswith(("no ", "default ")):
        top = top.split(" ", 1)[1]
    for part, prefixes in parts.items():
        if _under(top, prefixes):
            return part
    if platform != "junos" and top.startswith("interface"):
        name = top.split()[1] if len(top.split()) > 1 else ""
        if name in mgmt_ifs:
            return f"the management interface {name}"
        if stmt.path and _under(body, CISCO_BUNDLE_WORDS):
            return "a bundle"
        if name and any(name.startswith(b) for b in ("port-channel", "po", "bundle-ether", "be", "bond")):
            return f"the bundle {name}"
    if platform == "junos" and top.startswith("interfaces "):
        words = top.split()
        if len(words) > 1 and words[1] in mgmt_ifs:
            return f"the management interface {words[1]}"
        if "802.3ad" in words or "aggregated-ether-options" in words:
            return "a bundle"
    return ""
