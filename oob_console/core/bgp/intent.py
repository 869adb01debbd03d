"""A BGP intent: announce or withdraw one of our prefixes toward chosen upstreams.

An intent is what approvers sign: :meth:`BgpIntent.canonical` gives its exact
bytes (canonical JSON with a nonce, the request time and an approval deadline),
and its id is derived from them, so an id names one exact action. Parsing here
checks syntax only; whether the action is *allowed* is :mod:`preflight`'s job.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from oob_console.core.bgp.rpki import parse_canonical_prefix
from oob_console.core.canonical import canonical_bytes, sha256_hex

Action = Literal["announce", "withdraw"]
ACTIONS: tuple[str, ...] = ("announce", "withdraw")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
INTENT_KIND = "oob-console/bgp-intent/v1"
NEXT_HOP_SELF = "self"

# RFC 1997, 3765, 7999, 8326 and IANA's well-known communities, by their usual names.
WELL_KNOWN_COMMUNITIES: dict[str, tuple[int, int]] = {
    "graceful-shutdown": (65535, 0),
    "accept-own": (65535, 1),
    "blackhole": (65535, 666),
    "no-export": (65535, 65281),
    "no-advertise": (65535, 65282),
    "no-export-subconfed": (65535, 65283),
    "no-peer": (65535, 65284),
}
_WELL_KNOWN_BY_VALUE = {v: k for k, v in WELL_KNOWN_COMMUNITIES.items()}
_ALIASES = {"nopeer": "no-peer", "local-as": "no-export-subconfed"}
_U16 = 0xFFFF
_U32 = 0xFFFFFFFF


def parse_prefix(text: str) -> IPNetwork:
    """``203.0.113.0/24`` or ``2001:db8::/32``: canonical notation only (a decimal length, host bits
    clear, the address as it is written canonically); a netmask or hostmask length is refused.

    Raises:
        ValueError: not a prefix, no length, host bits set, or not canonical (with the fix).
    """
    raw = text.strip()
    if "/" not in raw:
        raise ValueError(f"{text!r} has no prefix length (write it like 203.0.113.0/24)")
    return parse_canonical_prefix(raw)


def parse_next_hop(text: str) -> str:
    """``self`` or an IP address (normalised).

    Raises:
        ValueError: neither.
    """
    value = text.strip().lower()
    if value == NEXT_HOP_SELF:
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"next hop {text!r} is neither 'self' nor an IP address") from None


def parse_community(text: str) -> str:
    """Normalise one community: a well-known name, ``ASN:VALUE`` or a large ``A:B:C``.

    Well-known values are given their name (``65535:65281`` becomes ``no-export``)
    so that one community has one spelling in the signed bytes.

    Raises:
        ValueError: not a community, or a part out of range.
    """
    raw = text.strip().lower().replace("_", "-")
    raw = _ALIASES.get(raw, raw)
    if raw in WELL_KNOWN_COMMUNITIES:
        return raw
    if not re.fullmatch(r"\d+:\d+(:\d+)?", raw):
        names = ", ".join(WELL_KNOWN_COMMUNITIES)
        raise ValueError(f"community {text!r} is not ASN:VALUE, A:B:C or one of {names}")
    parts = tuple(int(p) for p in raw.split(":"))
    if len(parts) == 2:
        if any(p > _U16 for p in parts):
            raise ValueError(f"community {text!r}: both halves must be 0-65535 (use A:B:C for a large community)")
        name = _WELL_KNOWN_BY_VALUE.get((parts[0], parts[1]))
        return name or f"{parts[0]}:{parts[1]}"
    if any(p > _U32 for p in parts):
        raise ValueError(f"large community {text!r}: each part must be 0-4294967295")
    return ":".join(str(p) for p in parts)


def community_value(community: str) -> tuple[int, ...]:
    """The numbers of a normalised community (well-known names resolved)."""
    if community in WELL_KNOWN_COMMUNITIES:
        return WELL_KNOWN_COMMUNITIES[community]
    return tuple(int(p) for p in community.split(":"))


def parse_asn(value: str | int) -> int:
    """``64500``, ``AS64500`` or ``as64500``.

    Raises:
        ValueError: not an AS number in 0-4294967295.
    """
    text = str(value).strip()
    digits = text[2:] if text[:2].lower() == "as" else text
    if not digits.isdigit() or int(digits) > _U32:
        raise ValueError(f"{value!r} is not an AS number (0-4294967295)")
    return int(digits)


@dataclass(frozen=True)
class RouteSpec:
    """What goes on the wire for one prefix, the same toward every upstream."""

    prefix: str
    origin_as: int
    next_hop: str = NEXT_HOP_SELF
    communities: tuple[str, ...] = ()
    prepend: int = 0  # extra copies of our AS in front of the path

    @property
    def network(self) -> IPNetwork:
        return ipaddress.ip_network(self.prefix)

    def to_json(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "origin_as": self.origin_as, "next_hop": self.next_hop,
                "communities": list(self.communities), "prepend": self.prepend}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RouteSpec:
        return cls(str(data["prefix"]), int(data["origin_as"]), str(data.get("next_hop", NEXT_HOP_SELF)),
                   tuple(str(c) for c in data.get("communities", ())), int(data.get("prepend", 0)))


def make_route(
    prefix: str, *, origin_as: int | str, next_hop: str = NEXT_HOP_SELF,
    communities: tuple[str, ...] | list[str] = (), prepend: int = 0,
) -> RouteSpec:
    """Parse and normalise the parts of a route.

    Raises:
        ValueError: a part is malformed (the message says which and why).
    """
    if prepend < 0:
        raise ValueError("prepend must be 0 or more")
    normalised = tuple(sorted({parse_community(c) for c in communities}))
    return RouteSpec(str(parse_prefix(prefix)), parse_asn(origin_as), parse_next_hop(next_hop), normalised, prepend)


def as_path(route: RouteSpec, local_as: int) -> list[int]:
    """The AS path we send: our AS (1 + prepend times), then the origin if it is not us."""
    path = [local_as] * (1 + route.prepend)
    if route.origin_as != local_as:
        path.append(route.origin_as)
    return path


@dataclass(frozen=True)
class BgpIntent:
    """One action on one prefix toward named upstreams, as approvers see and sign it."""

    action: Action
    route: RouteSpec
    upstreams: tuple[str, ...]
    lease_seconds: int
    requested_by: str
    created_at: str  # ISO 8601 UTC
    expires_at: str  # approvals must be in by then
    nonce: str
    reason: str = ""
    id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", "bgp-" + self.digest()[:12])

    def payload(self) -> dict[str, Any]:
        return {
            "kind": INTENT_KIND, "action": self.action, "route": self.route.to_json(),
            "upstreams": list(self.upstreams), "lease_seconds": self.lease_seconds,
            "requested_by": self.requested_by, "created_at": self.created_at,
            "expires_at": self.expires_at, "nonce": self.nonce, "reason": self.reason,
        }

    def canonical(self) -> bytes:
        """The exact bytes approvers sign."""
        return canonical_bytes(self.payload())

    def digest(self) -> str:
        return sha256_hex(self.canonical())

    def summary(self) -> str:
        """One line for people: what, where, how long."""
        r = self.route
        extra = []
        if r.next_hop != NEXT_HOP_SELF:
            extra.append(f"next-hop {r.next_hop}")
        if r.communities:
            extra.append("communities " + " ".join(r.communities))
        if r.prepend:
            extra.append(f"prepend {r.prepend}")
        lease = f" lease {format_seconds(self.lease_seconds)}" if self.action == "announce" else ""
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.action} {r.prefix} origin AS{r.origin_as} via {', '.join(self.upstreams)}{lease}{tail}"

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> BgpIntent:
        """Rebuild from :meth:`payload` (the journal's copy).

        Raises:
            ValueError: not a BGP intent payload.
        """
        if data.get("kind") != INTENT_KIND or data.get("action") not in ACTIONS:
            raise ValueError("not a BGP intent")
        return cls(
            action=data["action"], route=RouteSpec.from_json(data["route"]),
            upstreams=tuple(data["upstreams"]), lease_seconds=int(data["lease_seconds"]),
            requested_by=str(data["requested_by"]), created_at=str(data["created_at"]),
            expires_at=str(data["expires_at"]), nonce=str(data["nonce"]), reason=str(data.get("reason", "")),
        )


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_seconds(seconds: float) -> str:
    """``4h``, ``1h30m``, ``45s``, ``0.12s``: compact, for reports."""
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.2f}s"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if s >= size:
            parts.append(f"{s // size}{unit}")
            s %= size
    return "".join(parts[:2])
