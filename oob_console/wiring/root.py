"""The one place where adapters are wired into services, from a loaded config.

Front ends (CLI, TUI, SSH server) build an :class:`Services` and call its services;
they never construct adapters themselves.

Services for users, keys, login and approvals (each documented in its module):
``app.credentials`` (services.credentials), ``app.login`` (services.login),
``app.approvals`` (services.approvals), ``app.store_sync`` (services.store_sync).
``app.identity`` is who acts: ``Services(loaded, authenticated=identity)`` when a
front end has authenticated someone, else the user of ``$OOB_SESSION``, else
``local:<unix user>``; the audit log's default actor follows it.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oob_console.config import (
    CONFIG_NAME,
    ApprovalsConfig,
    GuardConfig,
    LoadedConfig,
    load_config,
    parse_config,
    with_guard_classes,
)
from oob_console.core.auth.identity import Identity
from oob_console.errors import ConflictError, RefusedError, StorageError
from oob_console.services.audit.service import AuditService
from oob_console.services.guard.service import GuardService

if TYPE_CHECKING:
    from oob_console.adapters.credentials_sqlite import CredentialStore
    from oob_console.adapters.store_sqlite import SqliteStore
    from oob_console.core.doctor import DataItem
    from oob_console.core.drill import Plan
    from oob_console.services.auth.approvals import ApprovalService
    from oob_console.services.auth.credentials import CredentialService
    from oob_console.services.auth.login import LoginService
    from oob_console.services.auth.ports import KeyDevice
    from oob_console.services.auth.ssh_login import SshLoginService
    from oob_console.services.auth.store_sync import StoreSyncService
    from oob_console.services.bgp.service import BgpService
    from oob_console.services.devices.access import DeviceAccess
    from oob_console.services.devices.backups import BackupService
    from oob_console.services.devices.ports import Terminal
    from oob_console.services.devices.runs import RunService
    from oob_console.services.devices.sessions import SessionService, SessionSummary
    from oob_console.services.doctor.service import DoctorService
    from oob_console.services.drill.service import DrillService
    from oob_console.services.guard.gate import GuardGate
    from oob_console.services.notify.service import NotifyService
    from oob_console.services.runbooks.service import RunbookService
    from oob_console.services.status.service import StatusService


def local_actor() -> str:
    """Who is acting when no hardware-key login has happened: the Unix account."""
    try:
        name = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        name = f"uid{os.getuid()}"
    return f"local:{name}"


# An `oob login` session token: commands run with it act as that user (see services.login).
SESSION_ENV = "OOB_SESSION"
# The state file of oob-console's SOFTWARE security key; used only if the site allows software keys.
SOFT_KEY_ENV = "OOB_SOFT_KEY"


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

    @cached_property
    def audit(self) -> AuditService:
        from oob_console.adapters.audit_jsonl import AuditFile
        from oob_console.adapters.audit_key_ed25519 import AuditKey, check_signature

        cfg = self.loaded.config.audit
        key_path = self.path(cfg.signing_key)
        key = AuditKey(key_path) if key_path.exists() else None
        log = AuditFile(
            self.path(self.loaded.config.paths.audit_log),
            checkpoint_every=cfg.checkpoint_every,
            signer=key.sign if key else None,
        )
        trusted = frozenset({key.public_key}) if key else None
        return AuditService(log, self.identity.actor, check_signature=check_signature, trusted_keys=trusted)

    @cached_property
    def identity(self) -> Identity:
        """Who acts: the identity handed in, else the user of ``$OOB_SESSION``, else the local account.

        Raises:
            AuthError: OOB_SESSION is set but unknown, expired, or its user or key is no longer valid
                (never a silent fall back to the local account).
        """
        from oob_console.services.auth.login import resume_session

        if self.authenticated is not None:
            return self.authenticated
        token = os.environ.get(SESSION_ENV)
        if token:
            return resume_session(self.credential_repo, token, self.clock())
        return Identity.local(self.actor)

    @cached_property
    def store(self) -> SqliteStore:
        from oob_console.adapters.store_sqlite import SqliteStore

        return SqliteStore(self.path(self.loaded.config.paths.store))

    @cached_property
    def credential_repo(self) -> CredentialStore:
        from oob_console.adapters.credentials_sqlite import CredentialStore

        return CredentialStore(self.store)

    def key_device(self) -> KeyDevice:
        """The security keys attached to this host; the software key only when selected AND allowed.

        Raises:
            RefusedError: OOB_SOFT_KEY is set on a site that does not allow software keys.
        """
        from oob_console.adapters.keys_fido2 import Fido2Keys, hid_devices

        auth = self.loaded.config.auth
        soft = os.environ.get(SOFT_KEY_ENV)
        if soft:
            if not auth.allow_software_keys:
                raise RefusedError(
                    f"{SOFT_KEY_ENV} selects a SOFTWARE security key, and this site does not allow software keys",
                    hint=f"unset {SOFT_KEY_ENV}; only demo/test sites set [auth] allow_software_keys = true",
                )
            from oob_console.adapters.keys_software import open_device

            # Several state files separated by ':' are several keys plugged in (the demo attaches two).
            paths = [Path(p) for p in soft.split(os.pathsep) if p]
            return Fido2Keys(lambda: [open_device(p) for p in paths], timeout=auth.touch_timeout)
        return Fido2Keys(hid_devices, timeout=auth.touch_timeout)

    @cached_property
    def credentials(self) -> CredentialService:
        from oob_console.services.auth.credentials import CredentialService

        return CredentialService(self.credential_repo, self.audit, self.key_device, self.loaded.config.auth,
                                 self.clock)

    @cached_property
    def login(self) -> LoginService:
        from oob_console.adapters.signatures_cryptography import verify_signature
        from oob_console.services.auth.login import LoginService

        return LoginService(self.credential_repo, self.audit, self.key_device, verify_signature,
                            self.loaded.config.auth, self.clock)

    @cached_property
    def approvals(self) -> ApprovalService:
        from oob_console.adapters.intents_sqlite import IntentStore
        from oob_console.adapters.signatures_cryptography import verify_signature
        from oob_console.services.auth.approvals import ApprovalService

        cfg = self.loaded.config
        return ApprovalService(IntentStore(self.store), self.credential_repo, self.audit, self.key_device,
                               verify_signature, cfg.auth, self.approval_classes, cfg.site.name,
                               self.clock, notice=self.notify.auto)

    @cached_property
    def ssh_login(self) -> SshLoginService:
        from oob_console.core.auth.login_limits import FailureLimiter
        from oob_console.services.auth.ssh_login import SshLoginService

        cfg = self.loaded.config.server
        limiter = FailureLimiter(cfg.max_failures, cfg.failure_window, cfg.lockout)
        return SshLoginService(self.credentials, self.login, self.audit, limiter, cfg.login_user)

    @cached_property
    def store_sync(self) -> StoreSyncService:
        from oob_console.adapters.signatures_cryptography import verify_signature
        from oob_console.services.auth.store_sync import StoreSyncService

        cfg = self.loaded.config
        return StoreSyncService(self.credential_repo, self.audit, verify_signature, cfg.auth, cfg.fleet,
                                cfg.site.name, self.clock)

    @cached_property
    def bgp(self) -> BgpService:
        from oob_console.wiring.bgp import build_service

        return build_service(self)

    @cached_property
    def devices(self) -> DeviceAccess:
        from oob_console.adapters.inventory_toml import InventoryFile, KnownHostsFile
        from oob_console.adapters.reachability_tcp import probe
        from oob_console.adapters.ssh import SshEngines
        from oob_console.config import read_secret
        from oob_console.services.devices.access import DeviceAccess

        paths, cfg = self.loaded.config.paths, self.loaded.config.devices
        return DeviceAccess(
            store=InventoryFile(self.path(paths.inventory)),
            pins=KnownHostsFile(self.path(paths.known_hosts)),
            engines=SshEngines(paramiko_threads=min(cfg.concurrency, 128)),
            audit=self.audit,
            read_secret=lambda ref, where: read_secret(ref, where=where),
            resolve_path=self.path,
            connect_timeout=cfg.connect_timeout,
            prober=probe,
        )

    @cached_property
    def runs(self) -> RunService:
        """Command runs; the command guard (``guard_gate``) decides before anything is sent."""
        from oob_console.services.devices.runs import RunService

        return RunService(self.devices, self.guard_gate, lambda: self.identity)

    @cached_property
    def sessions(self) -> SessionService:
        from oob_console.adapters.consoles_telnet_serial import ConsoleLineOpener
        from oob_console.adapters.recordings_asciicast import RecordingDir
        from oob_console.services.devices.sessions import SessionService

        return SessionService(self.devices, ConsoleLineOpener(),
                              RecordingDir(self.path(self.loaded.config.paths.recordings)),
                              escape_char=self.loaded.config.devices.escape_char)

    def session_on_terminal(self, kind: str, device: str, *, transport: str | None = None) -> SessionSummary:
        """An interactive session (``kind`` "ssh" or "console") on this process's terminal, until it ends.

        The CLI calls it directly; the TUI calls it while suspended (it runs the
        session on its own thread and event loop).
        """
        from oob_console.adapters.terminal_tty import run_on_terminal

        sessions = self.sessions

        def start(terminal: Terminal) -> Awaitable[SessionSummary]:
            if kind == "console":
                return sessions.console(device, terminal)
            return sessions.ssh(device, terminal, transport=transport)

        return run_on_terminal(start)

    @cached_property
    def backups(self) -> BackupService:
        from oob_console.adapters.backups_files import ConfigHistoryDir
        from oob_console.services.devices.backups import BackupService

        return BackupService(self.runs, ConfigHistoryDir(self.path(self.loaded.config.paths.backups)))

    @cached_property
    def guard(self) -> GuardService:
        return build_guard(self.loaded)

    @cached_property
    def guard_gate(self) -> GuardGate:
        from oob_console.services.guard.gate import GuardGate

        return GuardGate(self.guard, lambda: self.approvals, self.audit, self.approval_classes)

    @cached_property
    def approval_classes(self) -> ApprovalsConfig:
        """The site's approval classes, with the command guard's own where the site configured none."""
        return with_guard_classes(self.loaded.config.approvals)

    @cached_property
    def notify(self) -> NotifyService:
        from oob_console.adapters.notifiers.factory import build_channels
        from oob_console.adapters.outbox_sqlite import SqliteOutbox
        from oob_console.config import comms_seconds
        from oob_console.core.notice import RetryPolicy
        from oob_console.services.notify.service import NotifyService

        cfg = self.loaded.config.comms
        return NotifyService(
            outbox=SqliteOutbox(self.path(cfg.outbox)),
            channels=build_channels(cfg),
            audit=self.audit,
            site=self.loaded.config.site.name,
            policy=RetryPolicy(initial=cfg.backoff_initial, maximum=cfg.backoff_max),
            expire_after=comms_seconds(cfg.expire_after),
            lease=2 * (cfg.connect_timeout + cfg.timeout) + 2,
            send_wait=cfg.send_wait,
            auto_events=frozenset(cfg.auto),
        )

    @cached_property
    def doctor(self) -> DoctorService:
        from oob_console.adapters.host_linux import HostProbe
        from oob_console.core.doctor import Production
        from oob_console.services.doctor.ports import Target
        from oob_console.services.doctor.service import (
            DoctorService,
            comms_targets,
            hostport_targets,
            inventory_targets,
        )
        from oob_console.wiring.bgp import doctor_targets

        cfg = self.loaded.config
        prod = Production.parse(cfg.production.prefixes, cfg.production.asns, cfg.production.interfaces)
        extra = [Target(e.name, e.kind if e.kind != "other" else "endpoints", e.host, e.port, e.critical, e.asn,
                        source=f"doctor.endpoints {e.name}") for e in cfg.doctor.endpoints]
        p = cfg.paths
        state = {"store": p.store, "audit log": p.audit_log, "recordings": p.recordings, "reports": p.reports,
                 "runbooks": p.runbooks, "outbox": cfg.comms.outbox, "inventory": p.inventory,
                 "known hosts": p.known_hosts}
        return DoctorService(
            probe=HostProbe(), production=prod,
            sources=[lambda: comms_targets(self.notify.channels),
                     lambda: hostport_targets("uplink", cfg.drill.uplink, "drill.uplink"), lambda: extra,
                     lambda: inventory_targets(self.devices.inventory()), lambda: doctor_targets(cfg.bgp)],
            data_sources=[self._local_data],
            state_paths={purpose: self.path(value) for purpose, value in state.items()},
            resolve_timeout=cfg.doctor.resolve_timeout,
        )

    def _local_data(self) -> list[DataItem]:
        from oob_console.config import comms_seconds
        from oob_console.services.doctor.service import VrpAge, local_data

        cfg = self.loaded.config
        bundle = self.store_sync.status()["imported_serial"] if cfg.fleet.bundle_signers else None
        vrps = None
        if cfg.bgp.upstreams:
            now = self.doctor.clock()
            snap = self.bgp.vrps.load(now)
            vrps = VrpAge(snap.source, None if snap.age_seconds is None else now - snap.age_seconds,
                          comms_seconds(cfg.bgp.rpki.max_age),
                          snap.error or f"{len(snap.vrps.vrps) if snap.vrps else 0} VRPs, dated by {snap.age_from}")
        return local_data(
            self.doctor.probe, store=self.path(cfg.paths.store), runbooks=self.path(cfg.paths.runbooks),
            reports=self.path(cfg.paths.reports), max_age=comms_seconds(cfg.doctor.data_max_age),
            drill_max_age=comms_seconds(cfg.doctor.drill_max_age), last_drill=self.drill.last_passing(),
            bundle_serial=bundle, inventory=self.path(cfg.paths.inventory), vrps=vrps,
        )

    @cached_property
    def drill(self) -> DrillService:
        from oob_console.adapters.drill_reports_files import ReportFiles
        from oob_console.adapters.host_linux import TcpProbe
        from oob_console.adapters.signatures_cryptography import verify_signature
        from oob_console.services.drill.bgp_steps import BgpDrillPrefixStep, BgpSessionsStep
        from oob_console.services.drill.device_steps import ConsolePortsStep, SshDevicesStep
        from oob_console.services.drill.key_steps import KeysStep
        from oob_console.services.drill.ports import StepKind
        from oob_console.services.drill.service import DrillService
        from oob_console.services.drill.steps import CommsStep, DoctorStep, FreshnessStep, UplinkStep

        cfg = self.loaded.config
        uplink = list(cfg.drill.uplink)

        def uplink_targets() -> list[str]:
            if uplink:
                return uplink
            return list(dict.fromkeys(f"{t.host}:{t.port}" for t in self.doctor.sources[0]() if not t.problem))

        steps: list[StepKind] = [DoctorStep(self.doctor), UplinkStep(TcpProbe(), uplink_targets),
                                 CommsStep(self.notify), FreshnessStep(self._local_data, self.doctor.clock),
                                 KeysStep(self.credential_repo, self.key_device, verify_signature, cfg.auth,
                                          self.clock),
                                 ConsolePortsStep(self.sessions), SshDevicesStep(self.runs),
                                 BgpSessionsStep(lambda: self.bgp), BgpDrillPrefixStep(lambda: self.bgp)]
        return DrillService(
            kinds={k.kind: k for k in steps}, needs=MISSING_DRILLS, reports=ReportFiles(self.path(cfg.paths.reports)),
            audit=self.audit, notify=self.notify, site=cfg.site.name, step_timeout=cfg.drill.step_timeout,
        )

    def drill_plan(self, path: str | None) -> tuple[Plan, str]:
        """The plan to run: ``path``, else ``drill.plan``, else every kind; and where it came from."""
        from oob_console.adapters.drill_plan_toml import load_plan
        from oob_console.core.drill import default_plan

        chosen = path or self.loaded.config.drill.plan
        if not chosen:
            return default_plan(), "built in"
        resolved = Path(chosen) if path else self.path(chosen)
        return load_plan(resolved), str(resolved)

    @cached_property
    def runbooks(self) -> RunbookService:
        from oob_console.adapters.runbooks_markdown import RunbookFolder
        from oob_console.services.runbooks.service import RunbookService

        configured = self.loaded.config.paths.runbooks
        return RunbookService(RunbookFolder(self.path(configured), shown_as=configured))

    @cached_property
    def status(self) -> StatusService:
        from oob_console.adapters.host_linux import TcpProbe
        from oob_console.config import comms_seconds
        from oob_console.services.status.service import service as status
        # Each feature adds its overview probe here (see services.status.OVERVIEW), built on first use.
        cfg = self.loaded.config
        probes = {
            "audit": status.lazy(lambda: status.audit_probe(self.audit)),
            "runbooks": status.lazy(lambda: status.runbooks_probe(self.runbooks)),
            "login": status.lazy(lambda: status.login_probe(self.credentials)),
            "approvals": status.lazy(lambda: status.approvals_probe(self.approvals)),
            "devices": status.lazy(lambda: status.devices_probe(self.devices, shown_as=cfg.paths.inventory)),
            "uplink": status.lazy(lambda: status.uplink_probe(TcpProbe(), cfg.drill.uplink)),
            "doctor": status.lazy(lambda: status.doctor_probe(self.doctor)),
            "bgp": status.lazy(lambda: status.bgp_probe(lambda: self.bgp)),
            "drill": status.lazy(lambda: status.drill_probe(
                self.drill, max_age_days=comms_seconds(cfg.doctor.drill_max_age) / 86400)),
        }
        return status.StatusService(probes, slow=frozenset({"devices", "uplink", "doctor", "drill", "bgp"}))


def build_guard(loaded: LoadedConfig | None, *, inventory: str | None = None) -> GuardService:
    """The command guard of a site, or with built-in thresholds when there is no site (``loaded`` None)."""
    from oob_console.adapters.guard_corpus_toml import CorpusDirectory
    from oob_console.adapters.inventory_toml import InventoryFile
    from oob_console.core.guard import GuardPolicy

    cfg = loaded.config.guard if loaded else GuardConfig()
    policy = GuardPolicy(
        link_share=cfg.link_share, backbone_share=cfg.backbone_share, session_share=cfg.session_share,
        lag_member_share=cfg.lag_member_share, critical_link_kinds=cfg.critical_link_kinds,
        backbone_roles=cfg.backbone_roles, max_interfaces_down=cfg.max_interfaces_down,
    )
    if inventory:
        inventory_path: Path | None = Path(inventory)
    else:
        inventory_path = loaded.resolve(loaded.config.paths.inventory) if loaded else None
    return GuardService(policy, InventoryFile(inventory_path), CorpusDirectory(loaded.base if loaded else None),
                        checker_timeout=cfg.checker_timeout, default_corpus=cfg.corpus)


# What the drill cannot exercise in this build, and why (removed as each capability lands).
MISSING_DRILLS: dict[str, str] = {}

STARTER_CONFIG = """\
# oob-console site config, written by `oob init`.
# Every key is documented in config.example.toml. Relative paths are relative
# to the directory holding this file (the site's OOB_HOME).

[site]
name = "{name}"

[paths]
store = "store.db"
audit_log = "audit.jsonl"
recordings = "recordings"
reports = "reports"
runbooks = "runbooks"

[audit]
checkpoint_every = 1000
signing_key = "audit-signing.key"
"""


def init_site(home: Path, *, name: str) -> dict[str, Any]:
    """Create a site directory: config, state folders, audit key, first audit entry.

    Refuses (ConflictError) when ``home`` already holds a config; nothing is
    half-written: the config is written last, after everything it points to.
    """
    from oob_console.adapters.audit_key_ed25519 import create_key

    config_path = home / CONFIG_NAME
    if config_path.exists():
        raise ConflictError(
            "a site already exists here", where=str(config_path), hint="choose another --home, or use it as it is"
        )
    text = STARTER_CONFIG.format(name=name)
    parse_config(text, config_path)  # a starter that does not validate is a bug; fail before writing
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        home.chmod(0o700)
        for sub in ("recordings", "reports", "runbooks"):
            (home / sub).mkdir(mode=0o700, exist_ok=True)
        key_path = home / "audit-signing.key"
        public_key = create_key(key_path) if not key_path.exists() else None
        tmp = home / f".{CONFIG_NAME}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, config_path)  # fails if a config appeared meanwhile: never overwrite
        tmp.unlink()
    except FileExistsError:
        raise ConflictError("a site already exists here", where=str(config_path)) from None
    except OSError as exc:
        raise StorageError(f"cannot create the site: {exc.strerror}", where=str(exc.filename or home)) from None
    app = Services(LoadedConfig(parse_config(text, config_path), config_path.resolve()))
    entry = app.audit.record("site.init", target=str(home), details={"site": name, "audit_public_key": public_key})
    return {"home": str(home), "config": str(config_path), "site": name,
            "audit_log": str(app.path(app.loaded.config.paths.audit_log)), "audit_public_key": public_key,
            "first_seq": entry["seq"]}
