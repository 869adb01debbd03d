"""Build the configured channels (secrets are read only when a notice is sent)."""

from __future__ import annotations

from oob_console.adapters.http_httpx import Timeouts
from oob_console.adapters.notifiers.http import HttpChannel, SecretSource
from oob_console.adapters.notifiers.matrix import MatrixChannel
from oob_console.adapters.notifiers.pagerduty import PagerDutyChannel
from oob_console.adapters.notifiers.slack import SlackChannel
from oob_console.adapters.notifiers.webhook import WebhookChannel
from oob_console.config import ChannelConfig, CommsConfig, read_secret
from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError


def _secret(ref: SecretRef, where: str) -> SecretSource:
    return lambda: read_secret(ref, where=where)


def _url(cfg: ChannelConfig, where: str) -> SecretSource:
    if cfg.url_ref is not None:
        return _secret(cfg.url_ref, where + ".url_ref")
    url = cfg.url
    return lambda: url


def _required(ref: SecretRef | None, where: str) -> SecretSource:
    if ref is None:  # config validation already refuses this; keep the message if it ever slips through
        raise ConfigError("this channel needs a secret", where=where, hint="see config.example.toml")
    return _secret(ref, where)


def build_channel(cfg: ChannelConfig, timeouts: Timeouts) -> HttpChannel:
    where = f"comms channel {cfg.name}"
    level = cfg.min_severity
    if cfg.kind == "pagerduty":
        return PagerDutyChannel(cfg.name, routing_key=_required(cfg.secret, where + ".secret"), url=cfg.url,
                                min_severity=level, timeouts=timeouts)
    if cfg.kind == "slack":
        return SlackChannel(cfg.name, webhook_url=_url(cfg, where), min_severity=level, timeouts=timeouts)
    if cfg.kind == "matrix":
        return MatrixChannel(cfg.name, homeserver=cfg.url, room=cfg.room,
                             access_token=_required(cfg.secret, where + ".secret"),
                             min_severity=level, timeouts=timeouts)
    secret = _secret(cfg.secret, where + ".secret") if cfg.secret else None
    return WebhookChannel(cfg.name, url=_url(cfg, where), secret=secret, min_severity=level, timeouts=timeouts)


def build_channels(cfg: CommsConfig) -> dict[str, HttpChannel]:
    timeouts = Timeouts(connect=cfg.connect_timeout.seconds, read=cfg.timeout.seconds)
    return {c.name: build_channel(c, timeouts) for c in cfg.channels}
