"""The one object front ends receive: every service of a site, each built on first use.

``Services(loaded)`` holds the site's loaded config; each property builds its
service once, through the feature's wiring module beside this one. Who acts:
``Services(loaded, authenticated=identity)`` when a front end has authenticated
someone, else the user of ``$OOB_SESSION``, else ``local:<unix user>``; the
audit log's default actor follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.config import ApprovalsConfig, LoadedConfig, load_config, with_guard_classes
from oob_console.core.auth.identity import Identity
from oob_console.wiring import audit, auth, devices, doctor, drill, guard, notify, status
from oob_console.wiring.auth import local_actor

if TYPE_CHECKING:
    from oob_console.adapters.credentials_sqlite import CredentialStore
    from oob_console.adapters.store_sqlite import SqliteStore
    from oob_console.core.drill import Plan
    from oob_console.services.audit import AuditService
    from oob_console.services.auth import (
        ApprovalService,
        CredentialService,
        LoginService,
        SshLoginService,
        StoreSyncService,
    )
    from oob_console.services.auth.ports import KeyDevice
    from oob_console.services.bgp import BgpService
    from oob_console.services.devices import BackupService, DeviceAccess, RunService, SessionService, SessionSummary
    from oob_console.services.doctor import DoctorService
    from oob_console.services.drill import DrillService
    from oob_console.services.guard import GuardGate, GuardService
    from oob_console.services.notify import NotifyService
    from oob_console.services.runbooks import RunbookService
    from oob_console.services.status import StatusService


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    loaded: LoadedConfig
    actor: str = field(default_factory=local_actor)
    # An identity already authenticated by a front end (the SSH server, the TUI's login screen).
    authenticated: Identity | None = None
    clock: Callable[[], datetime] = utc_now

    @classmethod
    def from_config(cls, path: str | None = None, *, actor: str | None = None) -> Services:
        loaded = load_config(path)
        return cls(loaded) if actor is None else cls(loaded, actor)

    def path(self, value: str) -> Path:
        return self.loaded.resolve(value)

    # audit
    @cached_property
    def audit(self) -> AuditService:
        return audit.build_audit(self)

    # auth
    @cached_property
    def identity(self) -> Identity:
        return auth.build_identity(self)

    @cached_property
    def store(self) -> SqliteStore:
        return auth.build_store(self)

    @cached_property
    def credential_repo(self) -> CredentialStore:
        return auth.build_credential_repo(self)

    def key_device(self) -> KeyDevice:
        return auth.build_key_device(self)

    @cached_property
    def credentials(self) -> CredentialService:
        return auth.build_credentials(self)

    @cached_property
    def login(self) -> LoginService:
        return auth.build_login(self)

    @cached_property
    def approvals(self) -> ApprovalService:
        return auth.build_approvals(self)

    @cached_property
    def approval_classes(self) -> ApprovalsConfig:
        """The site's approval classes, with the guard's and BGP's (bgp.withdraw) where the site configured none."""
        from oob_console.services.bgp.settings import with_bgp_classes

        return with_bgp_classes(with_guard_classes(self.loaded.config.approvals))

    @cached_property
    def ssh_login(self) -> SshLoginService:
        return auth.build_ssh_login(self)

    @cached_property
    def store_sync(self) -> StoreSyncService:
        return auth.build_store_sync(self)

    # bgp
    @cached_property
    def bgp(self) -> BgpService:
        from oob_console.wiring.bgp import build_service

        return build_service(self)

    # devices
    @cached_property
    def devices(self) -> DeviceAccess:
        return devices.build_devices(self)

    @cached_property
    def runs(self) -> RunService:
        return devices.build_runs(self)

    @cached_property
    def sessions(self) -> SessionService:
        return devices.build_sessions(self)

    def session_on_terminal(self, kind: str, device: str, *, transport: str | None = None) -> SessionSummary:
        """An interactive session on this process's terminal; the TUI calls it while suspended."""
        return devices.session_on_terminal(self, kind, device, transport=transport)

    @cached_property
    def backups(self) -> BackupService:
        return devices.build_backups(self)

    # guard
    @cached_property
    def guard(self) -> GuardService:
        return guard.build_guard(self.loaded)

    @cached_property
    def guard_gate(self) -> GuardGate:
        return guard.build_guard_gate(self)

    # notify, doctor, drill, runbooks, status
    @cached_property
    def notify(self) -> NotifyService:
        return notify.build_notify(self)

    @cached_property
    def doctor(self) -> DoctorService:
        return doctor.build_doctor(self)

    @cached_property
    def drill(self) -> DrillService:
        return drill.build_drill(self)

    def drill_plan(self, path: str | None) -> tuple[Plan, str]:
        return drill.drill_plan(self, path)

    @cached_property
    def runbooks(self) -> RunbookService:
        return status.build_runbooks(self)

    @cached_property
    def status(self) -> StatusService:
        return status.build_status(self)
