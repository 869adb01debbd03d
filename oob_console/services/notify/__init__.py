"""Out-of-band comms: a durable outbox and its channels.

Front ends import this feature's services and value types from here."""

from oob_console.services.notify.service import NotifyService

__all__ = ["NotifyService"]
