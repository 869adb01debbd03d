"""Offline runbooks: list, search and show.

Front ends import this feature's services and value types from here."""

from oob_console.services.runbooks.service import RunbookService

__all__ = ["RunbookService"]
