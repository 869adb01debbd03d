"""The dashboard's overview: one quick line per feature, slow probes filled in later.

Front ends import this feature's services and value types from here."""

from oob_console.services.status.service import StatusItem, StatusService

__all__ = ["StatusItem", "StatusService"]
