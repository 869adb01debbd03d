"""PagerDuty Events API v2: one ``trigger`` event per notice, ``dedup_key`` = notice id.

PagerDuty folds events with the same ``dedup_key`` into one alert, so a retry
after a lost answer (or a crash) never pages twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from oob_console.adapters.http_httpx import Timeouts
from oob_console.adapters.notifiers.http import HttpChannel, Request, SecretSource, json_body, json_field
from oob_console.core.notice import Notice

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


def dedup_key(notice: Notice) -> str:
    return f"oob-{notice.site}-{notice.id}"


class PagerDutyChannel(HttpChannel):
    kind = "pagerduty"

    def __init__(self, name: str, *, routing_key: SecretSource, url: str = "", min_severity: str = "info",
                 timeouts: Timeouts | None = None) -> None:
        super().__init__(name, min_severity=min_severity, timeouts=timeouts)
        self._url = url or EVENTS_URL
        self._routing_key = routing_key

    def url(self) -> str:
        return self._url

    def build(self, notice: Notice) -> Request:
        event = {
            "routing_key": self._routing_key(),
            "event_action": "trigger",
            "dedup_key": dedup_key(notice),
            "client": "oob-console",
            "payload": {
                "summary": notice.summary,
                "source": notice.site,
                "severity": notice.severity,
                "timestamp": datetime.fromtimestamp(notice.created, UTC).isoformat(timespec="seconds"),
                "component": "oob-console",
                "class": notice.kind,
                "custom_details": {"text": notice.text, **notice.details},
            },
        }
        return Request("POST", self._url, json_body(event), {})

    def remote_id(self, notice: Notice, response: httpx.Response) -> str:
        return str(json_field(response, "dedup_key") or dedup_key(notice))
