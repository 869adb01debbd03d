"""The command guard: independent checkers, the strictest verdict, and the gate a run passes.

Front ends import this feature's services and value types from here."""

from oob_console.services.guard.gate import GuardGate, requirement
from oob_console.services.guard.service import GuardService

__all__ = ["GuardGate", "GuardService", "requirement"]
