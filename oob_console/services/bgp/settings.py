"""The [bgp] config section: owned blocks, upstreams and their backends, looking glasses, RPKI, speaker.

Light on purpose (dataclasses and their checks): the config loader imports
this without importing the BGP service.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from oob_console.core.schema import SecretRef
from oob_console.core.timefmt import Duration
from oob_console.services.auth.settings import ApprovalClass, ApprovalsConfig


@dataclass(frozen=True)
class BgpOwnedConfig:
    prefix: str
    max_length: int = field(default=0, metadata={"min": 0, "max": 128})  # 0: the block's own length
    origin_as: int = field(default=0, metadata={"min": 0, "max": 4294967295})  # 0: bgp.local_as

    def validate(self) -> None:
        try:
            net = ipaddress.ip_network(self.prefix, strict=True)
        except ValueError:
            raise ValueError(f"prefix: {self.prefix!r} is not a prefix with host bits clear") from None
        if self.max_length and not net.prefixlen <= self.max_length <= net.max_prefixlen:
            raise ValueError(f"max_length: must be between {net.prefixlen} and {net.max_prefixlen}")


@dataclass(frozen=True)
class BgpSessionConfig:
    peer_address: str
    peer_as: int = field(metadata={"min": 1, "max": 4294967295})
    local_address: str
    port: int = field(default=179, metadata={"min": 1, "max": 65535})
    families: tuple[Literal["ipv4", "ipv6"], ...] = ("ipv4",)
    hold_time: int = field(default=90, metadata={"min": 0, "max": 65535})  # whole seconds, as BGP carries it
    md5_password: SecretRef | None = None
    # The link's subnet of a single-hop eBGP session (e.g. "192.0.2.0/31"): a next hop outside it is
    # refused, because the upstream cannot resolve it. "" for a multihop session.
    subnet: str = ""

    def validate(self) -> None:
        for key in ("peer_address", "local_address"):
            try:
                ipaddress.ip_address(getattr(self, key))
            except ValueError:
                raise ValueError(f"{key}: {getattr(self, key)!r} is not an IP address") from None
        if 0 < self.hold_time < 3:
            raise ValueError("hold_time: 0 or at least 3 seconds (RFC 4271)")
        if self.subnet:
            try:
                link = ipaddress.ip_network(self.subnet, strict=True)
            except ValueError:
                raise ValueError(f"subnet: {self.subnet!r} is not a prefix with host bits clear") from None
            for key in ("peer_address", "local_address"):
                addr = ipaddress.ip_address(getattr(self, key))
                if addr.version != link.version or addr not in link:
                    raise ValueError(f"subnet: {key} {addr} is not in {link}")


@dataclass(frozen=True)
class BgpRouterConfig:
    device: str
    neighbor: str  # the upstream's address as the router knows it (checks what it advertises)
    bgp_group: str = ""  # Junos: the BGP group whose export policy carries our prefixes
    commit_confirm: Duration = Duration.parse("5m")

    def validate(self) -> None:
        try:
            ipaddress.ip_address(self.neighbor)
        except ValueError:
            raise ValueError(f"neighbor: {self.neighbor!r} is not an IP address") from None


@dataclass(frozen=True)
class CloudflareConfig:
    account_id: str
    api_token: SecretRef
    api_url: str = "https://api.cloudflare.com/client/v4"
    timeout: Duration = Duration.parse("30s")


@dataclass(frozen=True)
class AwsConfig:
    region: str
    access_key_id: SecretRef
    secret_access_key: SecretRef
    # Temporary credentials (STS, an instance role): the session token, signed as X-Amz-Security-Token.
    session_token: SecretRef | None = None
    endpoint: str = ""  # "": https://ec2.<region>.amazonaws.com
    timeout: Duration = Duration.parse("30s")


@dataclass(frozen=True)
class BgpUpstreamConfig:
    backend: Literal["exabgp", "router", "cloudflare", "aws"] = "exabgp"
    description: str = ""
    session: BgpSessionConfig | None = None
    router: BgpRouterConfig | None = None
    cloudflare: CloudflareConfig | None = None
    aws: AwsConfig | None = None
    max_length_v4: int = field(default=24, metadata={"min": 8, "max": 32})
    max_length_v6: int = field(default=48, metadata={"min": 16, "max": 128})
    allow_bogons: bool = False
    max_prepend: int = field(default=3, metadata={"min": 0, "max": 10})
    provisioned: tuple[str, ...] = ()
    origin_as: int = field(default=0, metadata={"min": 0, "max": 4294967295})
    min_interval: Duration = Duration.parse("0s")
    # Confirmation sources ([bgp.looking_glasses.NAME]), strongest first: this upstream's own looking glass
    # or route-server API (its absence after the expected time is NOT ACCEPTED); public route collectors
    # (RIPEstat's looking glass, or any URL + JSON path); other upstreams' feeds (names of our other ExaBGP
    # upstreams whose received routes are watched: our prefix arriving there with this upstream's AS in the
    # path shows this one took it; a feed's silence proves nothing); without any, announcements end UNCONFIRMED.
    looking_glass: str = ""
    collectors: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    advertise_timeout: Duration | None = None  # None ("" in the file): the backend's default
    visible_timeout: Duration | None = None
    # How long this upstream takes to show a route it accepted: its own view showing it absent after this
    # is NOT ACCEPTED. None: the backend's default.
    visible_expected: Duration | None = None

    def validate(self) -> None:
        needs = {"exabgp": "session", "router": "router", "cloudflare": "cloudflare", "aws": "aws"}[self.backend]
        for table in ("session", "router", "cloudflare", "aws"):
            present = getattr(self, table) is not None
            if table == needs and not present:
                raise ValueError(f"backend: {self.backend!r} needs its [{table}] sub-table")
            if table != needs and present:
                raise ValueError(f"{table}: not used by backend {self.backend!r}")
        for i, prefix in enumerate(self.provisioned):
            try:
                ipaddress.ip_network(prefix, strict=True)
            except ValueError:
                raise ValueError(f"provisioned[{i}]: {prefix!r} is not a prefix") from None


@dataclass(frozen=True)
class LookingGlassConfig:
    """A source of evidence about a route: RIPEstat's looking-glass data call, or any JSON API.

    ``kind = "json"``: ``url`` is a template (``{prefix}``, ``{origin}``); ``routes`` is the dotted path
    to the list of routes in the answer ("" when the answer is the list); each route's ``prefix_field``
    and ``origin_field`` (dotted paths too) are compared with ours.
    """

    kind: Literal["ripestat", "json"] = "ripestat"
    url: str = "https://stat.ripe.net"
    timeout: Duration = Duration.parse("10s")
    look_back: Duration = Duration.parse("5m")
    routes: str = ""
    prefix_field: str = "prefix"
    origin_field: str = "origin"

    def validate(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url: {self.url!r} is not an http(s) URL")
        if self.kind == "json" and "{prefix}" not in self.url:
            raise ValueError("url: a json source's URL must contain {prefix}")


@dataclass(frozen=True)
class RpkiConfig:
    vrp_file: str = "rpki/vrps.json"
    # The compact index built from the export when it changes (this host's state; atomically replaced).
    index_file: str = "rpki-index.bin"
    max_age: Duration = Duration.parse("24h")
    required: bool = True
    allow_not_found: bool = False


@dataclass(frozen=True)
class BgpSpeakerConfig:
    exabgp: str = ""  # "": the exabgp next to this Python, else on PATH
    router_id: str = ""  # "": the first session's local address
    runtime_dir: str = "run/bgp"
    restart_delay: Duration = Duration.parse("1s")

    def validate(self) -> None:
        if self.router_id:
            try:
                ipaddress.IPv4Address(self.router_id)
            except ValueError:
                raise ValueError(f"router_id: {self.router_id!r} is not an IPv4 address") from None


@dataclass(frozen=True)
class BgpConfig:
    local_as: int = field(default=0, metadata={"min": 0, "max": 4294967295})
    journal: str = "bgp-journal.db"
    approvals_required: int = field(default=2, metadata={"min": 0, "max": 16})
    # Withdrawing our own live emergency announcement (approvals class "bgp.withdraw"): one approver.
    withdraw_approvals_required: int = field(default=1, metadata={"min": 1, "max": 16})
    approval_window: Duration = Duration.parse("30m")
    default_lease: Duration = Duration.parse("4h")
    max_lease: Duration = Duration.parse("24h")
    default_upstreams: tuple[str, ...] = ()
    drill_prefix: str = ""  # owned, reserved for drills: `oob drill` announces and withdraws it, no quorum
    owned: tuple[BgpOwnedConfig, ...] = ()
    upstreams: dict[str, BgpUpstreamConfig] = field(default_factory=dict)
    looking_glasses: dict[str, LookingGlassConfig] = field(default_factory=dict)
    rpki: RpkiConfig = field(default_factory=RpkiConfig)
    speaker: BgpSpeakerConfig = field(default_factory=BgpSpeakerConfig)

    def unconfirmable(self) -> list[str]:
        """Upstreams with no confirmation source: every announcement through them ends UNCONFIRMED."""
        return [name for name, up in self.upstreams.items()
                if not up.looking_glass and not up.collectors and not up.feeds]

    def feed_sessions(self) -> list[str]:
        """Upstreams whose received routes are watched (named in some upstream's ``feeds``)."""
        return sorted({feed for up in self.upstreams.values() for feed in up.feeds})

    def validate(self) -> None:
        if self.drill_prefix:
            try:
                ipaddress.ip_network(self.drill_prefix, strict=True)
            except ValueError:
                raise ValueError(f"drill_prefix: {self.drill_prefix!r} is not a prefix with host bits clear") from None
        if self.upstreams and not self.local_as:
            raise ValueError("local_as: required when upstreams are configured")
        for name, up in self.upstreams.items():
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}", name):
                raise ValueError(f"upstreams.{name}: names are letters, digits, '.', '_', '-' (at most 40)")
            if up.looking_glass and up.looking_glass not in self.looking_glasses:
                raise ValueError(f"upstreams.{name}.looking_glass: no [bgp.looking_glasses.{up.looking_glass}]")
            for i, source in enumerate(up.collectors):
                if source not in self.looking_glasses:
                    raise ValueError(f"upstreams.{name}.collectors[{i}]: no [bgp.looking_glasses.{source}]")
            for i, feed in enumerate(up.feeds):
                where = f"upstreams.{name}.feeds[{i}]"
                other_up = self.upstreams.get(feed)
                if feed == name:
                    raise ValueError(f"{where}: an upstream cannot confirm itself; name another upstream's session")
                if other_up is None or other_up.session is None:
                    raise ValueError(f"{where}: {feed!r} is not one of our ExaBGP upstreams (a [session] of ours "
                                     "whose received routes can be watched)")
                if up.session is None:
                    raise ValueError(f"{where}: feeds confirm an ExaBGP upstream only (its AS, session.peer_as, "
                                     "must be in the path the feed shows)")
        for name in self.default_upstreams:
            if name not in self.upstreams:
                raise ValueError(f"default_upstreams: {name!r} is not in [bgp.upstreams]")
        peers: dict[str, str] = {}
        for name, up in self.upstreams.items():
            if up.session is not None:
                other = peers.setdefault(up.session.peer_address, name)
                if other != name:  # ExaBGP knows a neighbour by its address
                    raise ValueError(f"upstreams.{name}.session.peer_address: {up.session.peer_address} is "
                                     f"also upstream {other}'s")


# The approval class of withdrawing our own live announcement, for a site that did not name one. It is
# added even when the site configured "bgp": taking our own emergency route back must not need the
# announcement's quorum (one approver by default: the operator's own fresh touch counts).
BGP_APPROVAL_CLASSES = {
    "bgp.withdraw": ApprovalClass(quorum=1, roles=("operator", "approver", "admin"), requester_counts=True),
}


def with_bgp_classes(approvals: ApprovalsConfig) -> ApprovalsConfig:
    """``approvals`` plus ``bgp.withdraw`` unless the site configured that class itself."""
    extra = {n: c for n, c in BGP_APPROVAL_CLASSES.items() if n not in approvals.classes}
    return replace(approvals, classes={**extra, **approvals.classes})
