"""Wiring of out-of-band comms: the SQLite outbox and the configured channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.services.notify import NotifyService
    from oob_console.wiring.services import Services


def build_notify(services: Services) -> NotifyService:
    from oob_console.adapters.notifiers.factory import build_channels
    from oob_console.adapters.outbox_sqlite import SqliteOutbox
    from oob_console.core.notice import RetryPolicy
    from oob_console.services.notify import NotifyService

    cfg = services.loaded.config.comms
    return NotifyService(
        outbox=SqliteOutbox(services.path(cfg.outbox)),
        channels=build_channels(cfg),
        audit=services.audit,
        site=services.loaded.config.site.name,
        policy=RetryPolicy(initial=cfg.backoff_initial.seconds, maximum=cfg.backoff_max.seconds),
        expire_after=cfg.expire_after.seconds,
        lease=2 * (cfg.connect_timeout.seconds + cfg.timeout.seconds) + 2,
        send_wait=cfg.send_wait.seconds,
        auto_events=frozenset(cfg.auto),
    )
