"""The audit log: append, verify and read the hash-chained record of who did what.

Front ends import this feature's services and value types from here."""

from oob_console.services.audit.service import AuditService

__all__ = ["AuditService"]
