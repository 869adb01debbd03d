"""The break-glass drill: every recovery path end to end, timed, with a report.

Front ends import this feature's services and value types from here."""

from oob_console.services.drill.service import DrillService

__all__ = ["DrillService"]
