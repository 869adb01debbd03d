"""Slack incoming webhooks: ``POST {"text": ...}`` to a URL that is itself the secret.

Slack offers no idempotency key for incoming webhooks, so this channel is
at-least-once: a retry after an answer that was lost can post twice.
"""

from __future__ import annotations

from oob_console.adapters.http_httpx import Timeouts
from oob_console.adapters.notifiers.http import HttpChannel, Request, SecretSource, json_body
from oob_console.core.notice import Notice


def slack_text(notice: Notice) -> str:
    return f"*[{notice.site}] {notice.severity.upper()}* {notice.text_with_head}"


class SlackChannel(HttpChannel):
    kind = "slack"

    def __init__(self, name: str, *, webhook_url: SecretSource, min_severity: str = "info",
                 timeouts: Timeouts | None = None) -> None:
        super().__init__(name, min_severity=min_severity, timeouts=timeouts)
        self._webhook_url = webhook_url

    def url(self) -> str:
        return self._webhook_url()

    def build(self, notice: Notice) -> Request:
        return Request("POST", self._webhook_url(), json_body({"text": slack_text(notice)}), {})
