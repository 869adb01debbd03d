"""The whole config file as one frozen value: the site-wide sections here, each feature's from its package.

``site`` and ``paths`` are read by every service that keeps state, ``server``
only by ``oob serve``. Every other section belongs to one feature and lives
in its ``services/<feature>/settings.py`` (``auth``, ``approvals``, ``fleet``:
auth; ``guard``: the command guard; ``production`` and ``doctor``: doctor;
``comms``: notify; ``drill``: drill; ``bgp``: the emergency BGP service and its
speaker; ``devices``, ``audit``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from oob_console.services.audit.settings import AuditConfig
from oob_console.services.auth.settings import ApprovalsConfig, AuthConfig, FleetConfig
from oob_console.services.bgp.settings import BgpConfig
from oob_console.services.devices.settings import DevicesConfig
from oob_console.services.doctor.settings import DoctorConfig, ProductionConfig
from oob_console.services.drill.settings import DrillConfig
from oob_console.services.guard.settings import GuardConfig
from oob_console.services.notify.settings import CommsConfig


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
class ServerConfig:
    listen: str = "0.0.0.0"  # noqa: S104 - an OOB console is reached from outside; the firewall decides from where
    port: int = field(default=2222, metadata={"min": 1, "max": 65535})
    host_key: str = "ssh_host_ed25519_key"
    login_user: str = "oob"
    max_sessions: int = field(default=8, metadata={"min": 1, "max": 1000})
    max_connections: int = field(default=16, metadata={"min": 1, "max": 10000})
    max_startups: str = "10:30:60"  # unauthenticated connections, as OpenSSH's MaxStartups start:rate:full
    per_source_startups: int = field(default=3, metadata={"min": 1, "max": 10000})
    login_timeout: int = field(default=20, metadata={"min": 1, "max": 3600})
    idle_timeout: int = field(default=900, metadata={"min": 0, "max": 86400})
    keepalive_interval: int = field(default=15, metadata={"min": 0, "max": 3600})
    keepalive_count_max: int = field(default=3, metadata={"min": 1, "max": 100})
    max_failures: int = field(default=5, metadata={"min": 0, "max": 1000})
    failure_window: int = field(default=300, metadata={"min": 1, "max": 86400})
    lockout: int = field(default=900, metadata={"min": 1, "max": 604800})
    compression: bool = True
    console: tuple[str, ...] = ("tui",)
    line_console: tuple[str, ...] = ("shell",)

    def startups(self) -> tuple[int, int, int]:
        """``max_startups`` as (start, rate in percent, full)."""
        start, rate, full = (int(x) for x in self.max_startups.split(":"))
        return start, rate, full

    def validate(self) -> None:
        if not re.fullmatch(r"[0-9]{1,5}:[0-9]{1,3}:[0-9]{1,5}", self.max_startups):
            raise ValueError("max_startups: start:rate:full, e.g. \"10:30:60\" (as OpenSSH's MaxStartups)")
        start, rate, full = self.startups()
        if not (1 <= start <= full and rate <= 100):
            raise ValueError("max_startups: start:rate:full with 1 <= start <= full and rate (a percentage) <= 100")
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
