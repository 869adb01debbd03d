"""Site configuration: where it is found, what it holds, how it is checked.

Search order (the first that applies wins; none falls through to the next):

    --config PATH                        the file named, or an error
    $OOB_HOME/config.toml                when OOB_HOME is set, or an error
    /etc/oob-console/config.toml         when it exists
    $XDG_CONFIG_HOME/oob-console/config.toml (default ~/.config/...)

A set ``OOB_HOME`` without a config is an error, never a silent fall back to
``/etc``: a drill or a test site must not touch the real site by accident.
Relative paths in the file are relative to the directory holding it, so an
``OOB_HOME`` is one self-contained site (like ``GNUPGHOME``).

Who reads what: ``paths`` is read by every service that keeps state, ``audit``
by the audit log. Later sections belong to one service each (``guard``: the
command guard; ``production`` and ``doctor``: doctor; ``comms``: notify; ``drill``: drill;
``bgp``: the emergency BGP service and its speaker).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

from oob_console.core.notice import Severity
from oob_console.core.schema import SchemaError, SecretRef, load_dataclass, locate_key
from oob_console.core.timefmt import parse_duration
from oob_console.errors import ConfigError

CONFIG_NAME = "config.toml"
ETC_CONFIG = Path("/etc/oob-console") / CONFIG_NAME


@dataclass(frozen=True)
class SiteConfig:
    name: str = field(default="oob", metadata={"doc": "short site name shown in prompts and reports"})

    def validate(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", self.name):
            raise ValueError("name: use letters, digits, '.', '_' or '-' (at most 63)")


@dataclass(frozen=True)
class PathsConfig:
    store: str = "store.db"
    audit_log: str = "audit.jsonl"
    recordings: str = "recordings"
    reports: str = "reports"
    runbooks: str = "runbooks"
    inventory: str = "inventory.toml"
    known_hosts: str = "known_hosts"
    backups: str = "backups"


@dataclass(frozen=True)
class AuditConfig:
    checkpoint_every: int = field(default=1000, metadata={"min": 0, "max": 10_000_000})
    signing_key: str = "audit-signing.key"


def _duration_ok(value: str, key: str, *, allow_empty: bool = False) -> None:
    if allow_empty and value == "":
        return
    try:
        parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None


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
    hold_time: int = field(default=90, metadata={"min": 0, "max": 65535})
    md5_password: SecretRef | None = None

    def validate(self) -> None:
        for key in ("peer_address", "local_address"):
            try:
                ipaddress.ip_address(getattr(self, key))
            except ValueError:
                raise ValueError(f"{key}: {getattr(self, key)!r} is not an IP address") from None
        if 0 < self.hold_time < 3:
            raise ValueError("hold_time: 0 or at least 3 seconds (RFC 4271)")


@dataclass(frozen=True)
class BgpRouterConfig:
    device: str
    neighbor: str  # the upstream's address as the router knows it (checks what it advertises)
    bgp_group: str = ""  # Junos: the BGP group whose export policy carries our prefixes
    commit_confirm: str = "5m"

    def validate(self) -> None:
        _duration_ok(self.commit_confirm, "commit_confirm")
        try:
            ipaddress.ip_address(self.neighbor)
        except ValueError:
            raise ValueError(f"neighbor: {self.neighbor!r} is not an IP address") from None


@dataclass(frozen=True)
class CloudflareConfig:
    account_id: str
    api_token: SecretRef
    api_url: str = "https://api.cloudflare.com/client/v4"
    timeout: str = "30s"

    def validate(self) -> None:
        _duration_ok(self.timeout, "timeout")


@dataclass(frozen=True)
class AwsConfig:
    region: str
    access_key_id: SecretRef
    secret_access_key: SecretRef
    endpoint: str = ""  # "": https://ec2.<region>.amazonaws.com
    timeout: str = "30s"

    def validate(self) -> None:
        _duration_ok(self.timeout, "timeout")


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
    min_interval: str = "0s"
    looking_glass: str = ""
    advertise_timeout: str = ""
    visible_timeout: str = ""

    def validate(self) -> None:
        needs = {"exabgp": "session", "router": "router", "cloudflare": "cloudflare", "aws": "aws"}[self.backend]
        for table in ("session", "router", "cloudflare", "aws"):
            present = getattr(self, table) is not None
            if table == needs and not present:
                raise ValueError(f"backend: {self.backend!r} needs its [{table}] sub-table")
            if table != needs and present:
                raise ValueError(f"{table}: not used by backend {self.backend!r}")
        for key in ("min_interval", "advertise_timeout", "visible_timeout"):
            _duration_ok(getattr(self, key), key, allow_empty=True)
        for i, prefix in enumerate(self.provisioned):
            try:
                ipaddress.ip_network(prefix, strict=True)
            except ValueError:
                raise ValueError(f"provisioned[{i}]: {prefix!r} is not a prefix") from None


@dataclass(frozen=True)
class LookingGlassConfig:
    kind: Literal["ripestat"] = "ripestat"
    url: str = "https://stat.ripe.net"
    timeout: str = "10s"
    look_back: str = "5m"

    def validate(self) -> None:
        _duration_ok(self.timeout, "timeout")
        _duration_ok(self.look_back, "look_back")


@dataclass(frozen=True)
class RpkiConfig:
    vrp_file: str = "rpki/vrps.json"
    max_age: str = "24h"
    required: bool = True
    allow_not_found: bool = False

    def validate(self) -> None:
        _duration_ok(self.max_age, "max_age")


@dataclass(frozen=True)
class BgpSpeakerConfig:
    exabgp: str = ""  # "": the exabgp next to this Python, else on PATH
    router_id: str = ""  # "": the first session's local address
    runtime_dir: str = "run/bgp"
    restart_delay: str = "1s"

    def validate(self) -> None:
        _duration_ok(self.restart_delay, "restart_delay")
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
    approval_window: str = "30m"
    default_lease: str = "4h"
    max_lease: str = "24h"
    default_upstreams: tuple[str, ...] = ()
    drill_prefix: str = ""  # owned, reserved for drills: `oob drill` announces and withdraws it, no quorum
    owned: tuple[BgpOwnedConfig, ...] = ()
    upstreams: dict[str, BgpUpstreamConfig] = field(default_factory=dict)
    looking_glasses: dict[str, LookingGlassConfig] = field(default_factory=dict)
    rpki: RpkiConfig = field(default_factory=RpkiConfig)
    speaker: BgpSpeakerConfig = field(default_factory=BgpSpeakerConfig)

    def validate(self) -> None:
        for key in ("approval_window", "default_lease", "max_lease"):
            _duration_ok(getattr(self, key), key)
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
def _check_duration(name: str, text: str) -> None:
    from oob_console.core.timefmt import parse_duration

    try:
        if parse_duration(text).total_seconds() <= 0:
            raise ValueError(f"{name}: must be longer than 0s")
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _check_roles(name: str, roles: tuple[str, ...]) -> None:
    from oob_console.core.auth.identity import ROLES

    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"{name}: unknown role(s) {unknown}; roles are {', '.join(ROLES)}")


@dataclass(frozen=True)
class AuthConfig:
    """Read by services.credentials and services.login (keys, login, lockout, sessions)."""

    rp_id: str = "oob-console"
    allow_software_keys: bool = False
    uv_roles: tuple[str, ...] = ("admin",)
    algorithms: tuple[str, ...] = ("es256", "ed25519")
    touch_timeout: int = field(default=30, metadata={"min": 1, "max": 600})
    backoff: str = "2s"
    backoff_max: str = "5m"
    lockout_after: int = field(default=10, metadata={"min": 0, "max": 1000})
    session_lifetime: str = "12h"
    sshsig_namespace: str = "oob-console"

    def validate(self) -> None:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?", self.rp_id):
            raise ValueError("rp_id: a lowercase host-like name such as 'oob-console' or 'oob.example.net'")
        _check_roles("uv_roles", self.uv_roles)
        if not self.algorithms or any(a not in ("es256", "ed25519") for a in self.algorithms):
            raise ValueError("algorithms: a non-empty list of 'es256' and/or 'ed25519'")
        for name in ("backoff", "backoff_max", "session_lifetime"):
            _check_duration(name, getattr(self, name))
        if not re.fullmatch(r"[A-Za-z0-9@._-]{1,64}", self.sshsig_namespace):
            raise ValueError("sshsig_namespace: letters, digits and @._- (what ssh-keygen -Y sign -n takes)")


@dataclass(frozen=True)
class ApprovalClass:
    quorum: int = field(default=2, metadata={"min": 1, "max": 20})
    roles: tuple[str, ...] = ("approver",)
    requester_counts: bool = False
    require_uv: bool = False

    def validate(self) -> None:
        _check_roles("roles", self.roles)
        if not self.roles:
            raise ValueError("roles: at least one role must be able to approve")


@dataclass(frozen=True)
class ApprovalsConfig:
    """Read by services.approvals: quorum per action class, intent lifetimes."""

    lifetime: str = "30m"
    max_lifetime: str = "24h"
    default: ApprovalClass = field(default_factory=ApprovalClass)
    classes: dict[str, ApprovalClass] = field(default_factory=dict)

    def validate(self) -> None:
        _check_duration("lifetime", self.lifetime)
        _check_duration("max_lifetime", self.max_lifetime)
        for name in self.classes:
            if not re.fullmatch(r"[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*", name):
                raise ValueError(f"classes.{name}: class names are action prefixes like 'bgp' or 'bgp.announce'")


@dataclass(frozen=True)
class FleetConfig:
    """Read by services.store_sync: who may sign the user/key bundles this host imports."""

    bundle_signers: tuple[str, ...] = ()
    bundle_namespace: str = "oob-console-bundle"

    def validate(self) -> None:
        from oob_console.core.auth.ssh_wire import WireError, parse_authorized_key

        for i, line in enumerate(self.bundle_signers):
            try:
                parse_authorized_key(line)
            except WireError as exc:
                raise ValueError(f"bundle_signers[{i}]: {exc}") from None


_LINK_KINDS = ("backbone", "access", "peering", "upstream", "mgmt", "other")


@dataclass(frozen=True)
class GuardConfig:
    """The command guard's thresholds (see config.example.toml [guard])."""

    link_share: float = field(default=0.5, metadata={"min": 0.01, "max": 1.0})
    backbone_share: float = field(default=0.2, metadata={"min": 0.01, "max": 1.0})
    session_share: float = field(default=0.5, metadata={"min": 0.01, "max": 1.0})
    lag_member_share: float = field(default=1.0, metadata={"min": 0.01, "max": 1.0})
    critical_link_kinds: tuple[str, ...] = ("backbone", "upstream", "peering")
    backbone_roles: tuple[str, ...] = ("backbone", "core")
    max_interfaces_down: int = field(default=3, metadata={"min": 0, "max": 100_000})
    checker_timeout: float = field(default=2.0, metadata={"min": 0.05, "max": 60.0})
    corpus: str = "guard_corpus"

    def validate(self) -> None:
        unknown = [k for k in self.critical_link_kinds if k not in _LINK_KINDS]
        if unknown:
            raise ValueError(f"critical_link_kinds: unknown kind(s) {', '.join(unknown)} "
                             f"(known: {', '.join(_LINK_KINDS)})")


# The approval classes of the guard's intents, for a site whose [approvals.classes] does not name them
# (nor a shorter prefix of them): a change is the operator's own fresh touch; a dangerous command needs
# two distinct approvers.
GUARD_APPROVAL_CLASSES = {
    "command.change": ApprovalClass(quorum=1, roles=("operator", "approver", "admin"), requester_counts=True),
    "command.dangerous": ApprovalClass(quorum=2, roles=("approver", "admin"), requester_counts=True),
}


def with_guard_classes(approvals: ApprovalsConfig) -> ApprovalsConfig:
    """``approvals`` plus the guard's classes wherever the site did not configure its own."""
    extra = {name: cls for name, cls in GUARD_APPROVAL_CLASSES.items()
             if not any(name == c or name.startswith(c + ".") for c in approvals.classes)}
    return replace(approvals, classes={**extra, **approvals.classes})


def comms_seconds(text: str) -> float:
    """A validated config duration (``24h``) in seconds."""
    return parse_duration(text).total_seconds()


def _unique(name: str, items: tuple[str, ...]) -> None:
    if len(set(items)) != len(items):
        raise ValueError(f"{name}: names must be unique")


@dataclass(frozen=True)
class ProductionConfig:
    """The production network nothing the console needs may cross (read by doctor)."""

    prefixes: tuple[str, ...] = ()
    asns: tuple[int, ...] = ()
    interfaces: tuple[str, ...] = ()

    def validate(self) -> None:
        for i, text in enumerate(self.prefixes):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ValueError(f"prefixes[{i}]: {text!r} is not an IP prefix (like 10.0.0.0/8)") from None
        for i, asn in enumerate(self.asns):
            if not 1 <= asn <= 4_294_967_295:
                raise ValueError(f"asns[{i}]: {asn} is not an AS number")
        for i, name in enumerate(self.interfaces):
            if not re.fullmatch(r"[^\s/]{1,15}", name):
                raise ValueError(f"interfaces[{i}]: {name!r} is not an interface name")


@dataclass(frozen=True)
class EndpointConfig:
    """Something the console talks to that no other section declares (looking glass, provider API)."""

    name: str
    host: str
    port: int = field(default=0, metadata={"min": 0, "max": 65535})
    kind: str = "other"
    critical: bool = True
    asn: int = field(default=0, metadata={"min": 0, "max": 4_294_967_295})

    def validate(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]+", self.host):
            raise ValueError(f"host: {self.host!r} is not an address or host name")


@dataclass(frozen=True)
class DoctorConfig:
    endpoints: tuple[EndpointConfig, ...] = ()
    data_max_age: str = "30d"
    drill_max_age: str = "92d"
    resolve_timeout: float = field(default=2.0, metadata={"min": 0.1, "max": 60})

    def validate(self) -> None:
        _check_duration("data_max_age", self.data_max_age)
        _check_duration("drill_max_age", self.drill_max_age)
        _unique("endpoints", tuple(e.name for e in self.endpoints))


NOTICE_EVENTS = ("announce", "withdraw", "approval-requested", "approval-given", "drill")


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    kind: Literal["pagerduty", "slack", "matrix", "webhook"]
    url: str = ""
    url_ref: SecretRef | None = None
    secret: SecretRef | None = None
    room: str = ""
    min_severity: Severity = "info"

    def validate(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", self.name):
            raise ValueError("name: use lower-case letters, digits, '_' or '-' (at most 32)")
        if self.url and self.url_ref:
            raise ValueError("url: give url or url_ref, not both")
        if self.url and not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", self.url):
            raise ValueError(f"url: {self.url!r} is not an http(s) URL")
        needs = {"slack": ("url_ref", "a Slack webhook URL is itself a secret: url_ref = 'file:...'"),
                 "matrix": ("url", "the homeserver URL"), "webhook": ("url", "the URL (or url_ref)")}
        key, what = needs.get(self.kind, ("", ""))
        if key and not getattr(self, key) and not (self.kind == "webhook" and self.url_ref):
            raise ValueError(f"{key}: a {self.kind} channel needs {what}")
        if self.kind == "matrix" and not re.fullmatch(r"![^:\s]+:\S+", self.room):
            raise ValueError("room: a Matrix room id like '!abc123:example.org'")
        if self.kind in ("matrix", "pagerduty") and not self.secret:
            what = "access token" if self.kind == "matrix" else "routing key"
            raise ValueError(f"secret: a {self.kind} channel needs its {what} (secret = 'file:...')")


@dataclass(frozen=True)
class CommsConfig:
    outbox: str = "outbox.db"
    connect_timeout: float = field(default=5.0, metadata={"min": 0.1, "max": 120})
    timeout: float = field(default=15.0, metadata={"min": 0.1, "max": 300})
    backoff_initial: float = field(default=2.0, metadata={"min": 0.1, "max": 3600})
    backoff_max: float = field(default=300.0, metadata={"min": 1, "max": 86400})
    expire_after: str = "24h"
    send_wait: float = field(default=20.0, metadata={"min": 0, "max": 600})
    auto: tuple[str, ...] = NOTICE_EVENTS
    channels: tuple[ChannelConfig, ...] = ()

    def validate(self) -> None:
        _check_duration("expire_after", self.expire_after)
        for i, event in enumerate(self.auto):
            if event not in NOTICE_EVENTS:
                raise ValueError(f"auto[{i}]: {event!r} is not one of {', '.join(NOTICE_EVENTS)}")
        _unique("channels", tuple(c.name for c in self.channels))


@dataclass(frozen=True)
class DrillConfig:
    plan: str = ""
    uplink: tuple[str, ...] = ()
    step_timeout: float = field(default=60.0, metadata={"min": 1, "max": 3600})

    def validate(self) -> None:
        for i, target in enumerate(self.uplink):
            host, sep, port = target.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"uplink[{i}]: {target!r} is not HOST:PORT")


@dataclass(frozen=True)
class DevicesConfig:
    concurrency: int = field(default=50, metadata={"min": 1, "max": 2000})
    connect_timeout: float = field(default=30.0, metadata={"min": 0.1, "max": 600})
    command_timeout: float = field(default=60.0, metadata={"min": 0.1, "max": 3600})
    escape_char: str = "~"

    def validate(self) -> None:
        if len(self.escape_char) != 1 or not 0x20 < ord(self.escape_char) < 0x7F:
            raise ValueError("escape_char: one printable ASCII character, like '~'")


@dataclass(frozen=True)
class ServerConfig:
    listen: str = "0.0.0.0"  # noqa: S104 - an OOB console is reached from outside; the firewall decides from where
    port: int = field(default=2222, metadata={"min": 1, "max": 65535})
    host_key: str = "ssh_host_ed25519_key"
    login_user: str = "oob"
    max_sessions: int = field(default=8, metadata={"min": 1, "max": 1000})
    max_connections: int = field(default=16, metadata={"min": 1, "max": 10000})
    login_timeout: int = field(default=30, metadata={"min": 1, "max": 3600})
    idle_timeout: int = field(default=900, metadata={"min": 0, "max": 86400})
    keepalive_interval: int = field(default=15, metadata={"min": 0, "max": 3600})
    keepalive_count_max: int = field(default=3, metadata={"min": 1, "max": 100})
    max_failures: int = field(default=5, metadata={"min": 0, "max": 1000})
    failure_window: int = field(default=300, metadata={"min": 1, "max": 86400})
    lockout: int = field(default=900, metadata={"min": 1, "max": 604800})
    compression: bool = True
    console: tuple[str, ...] = ("tui",)
    line_console: tuple[str, ...] = ("shell",)

    def validate(self) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,31}", self.login_user):
            raise ValueError("login_user: a Unix-style user name (lower case, digits, '_', '.', '-')")
        if not self.console:
            raise ValueError("console: name the oob command that interactive sessions run")
        if not self.line_console:
            raise ValueError("line_console: name the oob command that dumb terminals run")


@dataclass(frozen=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    bgp: BgpConfig = field(default_factory=BgpConfig)
    devices: DevicesConfig = field(default_factory=DevicesConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    approvals: ApprovalsConfig = field(default_factory=ApprovalsConfig)
    fleet: FleetConfig = field(default_factory=FleetConfig)
    guard: GuardConfig = field(default_factory=GuardConfig)
    production: ProductionConfig = field(default_factory=ProductionConfig)
    doctor: DoctorConfig = field(default_factory=DoctorConfig)
    comms: CommsConfig = field(default_factory=CommsConfig)
    drill: DrillConfig = field(default_factory=DrillConfig)
    server: ServerConfig = field(default_factory=ServerConfig)


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config and the file it came from."""

    config: Config
    path: Path

    @property
    def base(self) -> Path:
        return self.path.parent

    def resolve(self, value: str) -> Path:
        """A path from the config, made absolute against the config's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base / p


def xdg_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "oob-console" / CONFIG_NAME


def default_home() -> Path:
    """Where ``oob init`` puts a site when no ``--home`` is given."""
    env = os.environ.get("OOB_HOME")
    return Path(env) if env else xdg_config_path().parent


def find_config(explicit: str | None) -> Path:
    """Apply the search order.

    Raises:
        ConfigError: nothing found where the search order says to look.
    """
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("config file not found", where=str(path), hint="check the --config path")
        return path
    home = os.environ.get("OOB_HOME")
    if home:
        path = Path(home) / CONFIG_NAME
        if not path.is_file():
            raise ConfigError(
                "OOB_HOME has no config.toml", where=str(path), hint=f"run 'oob init --home {home}'"
            )
        return path
    for path in (ETC_CONFIG, xdg_config_path()):
        if path.is_file():
            return path
    raise ConfigError(
        "no config found",
        where=f"searched {ETC_CONFIG}, {xdg_config_path()}",
        hint="run 'oob init', set OOB_HOME, or pass --config PATH",
    )


_M = TypeVar("_M")
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def parse_config(text: str, path: Path) -> Config:
    """Validate TOML ``text``; errors name ``path``, the dotted key and the line."""
    return parse_toml_model(Config, text, path)


def parse_toml_model(model: type[_M], text: str, path: Path, hint: str = "see config.example.toml") -> _M:
    """Any TOML file (the config, a drill plan) into frozen dataclass ``model``, with file/key/line errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        at = _TOML_AT.search(msg)
        where = f"{path}:{at.group(1)}" if at else str(path)
        raise ConfigError(
            f"not valid TOML: {_TOML_AT.sub('', msg).strip()}", where=where, hint="fix the syntax at that line"
        ) from None
    try:
        return load_dataclass(model, data)
    except SchemaError as exc:
        line = locate_key(text, exc.key)
        where = f"{path}:{line} key {exc.key}" if line else f"{path} key {exc.key}"
        raise ConfigError(exc.message, where=where, hint=exc.hint or hint) from None


def load_config(explicit: str | None = None) -> LoadedConfig:
    path = find_config(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {exc}", where=str(path)) from None
    return LoadedConfig(parse_config(text, path), path.resolve())


def read_secret(ref: SecretRef, *, where: str) -> str:
    """Fetch a referenced secret at the moment it is needed (never logged).

    Raises:
        ConfigError: the variable is unset or the file unreadable or too open.
    """
    if ref.kind == "env":
        value = os.environ.get(ref.target)
        if not value:
            raise ConfigError(f"environment variable {ref.target} is not set", where=where)
        return value
    path = Path(ref.target).expanduser()
    try:
        mode = path.stat().st_mode
        if mode & 0o077:
            raise ConfigError(
                f"secret file {path} is readable by others (mode {mode & 0o777:o})",
                where=where,
                hint=f"chmod 600 {path}",
            )
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read secret file {path}: {exc.strerror}", where=where) from None
