"""The [comms] config section: the outbox, its retry timing, and the channels notices go to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from oob_console.core.notice import Severity
from oob_console.core.schema import SecretRef
from oob_console.core.timefmt import Duration

NOTICE_EVENTS = ("announce", "withdraw", "approval-requested", "approval-given", "drill")


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    kind: Literal["pagerduty", "slack", "matrix", "webhook"]
    url: str = ""
    url_ref: SecretRef | None = None
    secret: SecretRef | None = None
    room: str = ""
    min_severity: Severity = "info"

    def validate(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", self.name):
            raise ValueError("name: use lower-case letters, digits, '_' or '-' (at most 32)")
        if self.url and self.url_ref:
            raise ValueError("url: give url or url_ref, not both")
        if self.url and not re.fullmatch(r"https?://[^/\s?#]+(/\S*)?", self.url):
            raise ValueError(f"url: {self.url!r} is not an http(s) URL")
        needs = {"slack": ("url_ref", "a Slack webhook URL is itself a secret: url_ref = 'file:...'"),
                 "matrix": ("url", "the homeserver URL"), "webhook": ("url", "the URL (or url_ref)")}
        key, what = needs.get(self.kind, ("", ""))
        if key and not getattr(self, key) and not (self.kind == "webhook" and self.url_ref):
            raise ValueError(f"{key}: a {self.kind} channel needs {what}")
        if self.kind == "matrix" and not re.fullmatch(r"![^:\s]+:\S+", self.room):
            raise ValueError("room: a Matrix room id like '!abc123:example.org'")
        if self.kind in ("matrix", "pagerduty") and not self.secret:
            what = "access token" if self.kind == "matrix" else "routing key"
            raise ValueError(f"secret: a {self.kind} channel needs its {what} (secret = 'file:...')")


@dataclass(frozen=True)
class CommsConfig:
    outbox: str = "outbox.db"
    connect_timeout: Duration = field(default=Duration.parse("5s"), metadata={"min": 0.1, "max": 120, "seconds": True})
    timeout: Duration = field(default=Duration.parse("15s"), metadata={"min": 0.1, "max": 300, "seconds": True})
    backoff_initial: Duration = field(default=Duration.parse("2s"), metadata={"min": 0.1, "max": 3600, "seconds": True})
    backoff_max: Duration = field(default=Duration.parse("300s"), metadata={"min": 1, "max": 86400, "seconds": True})
    expire_after: Duration = field(default=Duration.parse("24h"), metadata={"min": 1})
    send_wait: Duration = field(default=Duration.parse("20s"), metadata={"min": 0, "max": 600, "seconds": True})
    auto: tuple[str, ...] = NOTICE_EVENTS
    channels: tuple[ChannelConfig, ...] = ()

    def validate(self) -> None:
        for i, event in enumerate(self.auto):
            if event not in NOTICE_EVENTS:
                raise ValueError(f"auto[{i}]: {event!r} is not one of {', '.join(NOTICE_EVENTS)}")
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise ValueError("channels: names must be unique")
