"""Routers and their consoles: inventory and pins, interactive sessions, command runs, backups.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.devices.access import PROBE_TIMEOUT, DeviceAccess
    from oob_console.services.devices.backups import BackupService
    from oob_console.services.devices.ports import Reach, Terminal
    from oob_console.services.devices.runs import RunOptions, RunPreview, RunReport, RunService
    from oob_console.services.devices.sessions import SessionService, SessionSummary

__all__ = [
    "PROBE_TIMEOUT",
    "BackupService",
    "DeviceAccess",
    "Reach",
    "RunOptions",
    "RunPreview",
    "RunReport",
    "RunService",
    "SessionService",
    "SessionSummary",
    "Terminal",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {
    "BackupService": "backups",
    "DeviceAccess": "access",
    "PROBE_TIMEOUT": "access",
    "Reach": "ports",
    "RunOptions": "runs",
    "RunPreview": "runs",
    "RunReport": "runs",
    "RunService": "runs",
    "SessionService": "sessions",
    "SessionSummary": "sessions",
    "Terminal": "ports",
})
