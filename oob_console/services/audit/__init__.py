"""The audit log: append, verify and read the hash-chained record of who did what.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.audit.service import AuditService

__all__ = [
    "AuditService",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {"AuditService": "service"})
