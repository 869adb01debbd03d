"""Out-of-band comms: a durable outbox and its channels.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.notify.service import NotifyService

__all__ = [
    "NotifyService",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {"NotifyService": "service"})
