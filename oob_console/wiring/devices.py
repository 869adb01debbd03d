"""Wiring of routers and their consoles: inventory, pins, SSH engines, sessions, runs, backups."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.core.devices.inventory import Inventory
    from oob_console.services.devices import (
        BackupService,
        DeviceAccess,
        RunService,
        SessionService,
        SessionSummary,
        Terminal,
    )
    from oob_console.wiring.services import Services


def build_devices(services: Services) -> DeviceAccess:
    from oob_console.adapters.inventory_toml import InventoryFile, KnownHostsFile
    from oob_console.adapters.reachability_tcp import probe
    from oob_console.adapters.ssh import SshEngines
    from oob_console.config import read_secret
    from oob_console.services.devices import DeviceAccess

    paths, cfg = services.loaded.config.paths, services.loaded.config.devices
    engines = SshEngines(paramiko_threads=min(cfg.concurrency, 128),
                         read_deadline=services.loaded.config.doctor.read_deadline.seconds)
    return DeviceAccess(
        store=InventoryFile(services.path(paths.inventory)),
        pins=KnownHostsFile(services.path(paths.known_hosts)),
        engines=engines,
        audit=services.audit,
        read_secret=lambda ref, where: read_secret(ref, where=where),
        resolve_path=services.path,
        connect_timeout=cfg.connect_timeout.seconds,
        prober=probe,
        key_prober=engines["asyncssh"].presented_key,
    )


def build_runs(services: Services) -> RunService:
    """Command runs; the command guard (``guard_gate``) decides before anything is sent."""
    from oob_console.services.devices import RunService

    return RunService(services.devices, services.guard_gate, lambda: services.identity)


def build_sessions(services: Services) -> SessionService:
    from oob_console.adapters.consoles_telnet_serial import ConsoleLineOpener
    from oob_console.adapters.recordings_asciicast import RecordingDir
    from oob_console.adapters.screen_pyte import PyteScreen
    from oob_console.services.devices import SessionService

    cfg = services.loaded.config.devices
    return SessionService(services.devices, ConsoleLineOpener(),
                          RecordingDir(services.path(services.loaded.config.paths.recordings)),
                          gate=lambda: services.guard_gate, operator=lambda: services.identity, screens=PyteScreen,
                          escape_char=cfg.escape_char, touch_valid=cfg.session_touch_valid.seconds,
                          echo_wait=cfg.echo_wait.seconds)


def session_on_terminal(services: Services, kind: str, device: str, *, transport: str | None = None
                        ) -> SessionSummary:
    """An interactive session (``kind`` "ssh" or "console") on this process's terminal, until it ends."""
    from oob_console.adapters.terminal_tty import run_on_terminal

    sessions = services.sessions

    def start(terminal: Terminal) -> Awaitable[SessionSummary]:
        if kind == "console":
            return sessions.console(device, terminal)
        return sessions.ssh(device, terminal, transport=transport)

    return run_on_terminal(start)


def build_backups(services: Services) -> BackupService:
    from oob_console.adapters.backups_files import ConfigHistoryDir
    from oob_console.services.devices import BackupService

    return BackupService(services.runs, ConfigHistoryDir(services.path(services.loaded.config.paths.backups)))


# Importers need no site: they read another source; the caller merges what they return (DeviceAccess).

def import_from_netbox(url: str, token: str, *, timeout: float, verify: bool | str, filters: dict[str, str],
                       platform_map: dict[str, str]) -> tuple[Inventory, list[str]]:
    """The routers NetBox knows, over its REST API, and a warning per device skipped or field dropped.

    Raises:
        AuthError, DeadlineError, UnavailableError: talking to NetBox failed.
    """
    from oob_console.adapters.importers.netbox import NetBoxClient, import_netbox

    client = NetBoxClient(url, token, timeout=timeout, verify=verify)
    try:
        return import_netbox(client, filters=filters, platform_map=platform_map)
    finally:
        client.close()


def import_from_nornir(hosts: Path, groups: Path | None, defaults: Path | None, *,
                       platform_map: dict[str, str]) -> tuple[Inventory, list[str]]:
    """The devices of a Nornir SimpleInventory (YAML files), and a warning per host skipped or field dropped.

    Raises:
        ConfigError: a file is unreadable or not YAML.
    """
    from oob_console.adapters.importers.nornir import import_nornir

    return import_nornir(hosts, groups, defaults, platform_map=platform_map)
