"""The command guard: independent checkers, the strictest verdict, and the gate a run passes.

Front ends import this feature's services and value types from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.services import lazy_exports

if TYPE_CHECKING:
    from oob_console.services.guard.gate import GuardGate, requirement
    from oob_console.services.guard.service import GuardService

__all__ = [
    "GuardGate",
    "GuardService",
    "requirement",
]

# Imported on first use: the config loader imports this feature's settings, not its services.
__getattr__ = lazy_exports(__name__, {"GuardGate": "gate", "GuardService": "service", "requirement": "gate"})
