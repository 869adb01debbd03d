"""The break-glass drill: every recovery path end to end, timed, with a report.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.drill.service import DrillService

__all__ = [
    "DrillService",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {"DrillService": "service"})
