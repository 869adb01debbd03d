"""A generic JSON webhook: the notice as JSON, ``Idempotency-Key`` = notice id.

With a secret, the body is signed: ``X-Oob-Signature: sha256=<hex HMAC of the
exact body bytes>``, so the receiver can tell the console from anyone else.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from oob_console.adapters.http_httpx import Timeouts
from oob_console.adapters.notifiers.http import HttpChannel, Request, SecretSource, json_body
from oob_console.core.notice import Notice

SIGNATURE_HEADER = "X-Oob-Signature"


def webhook_payload(notice: Notice) -> dict[str, object]:
    return {
        "id": notice.id,
        "site": notice.site,
        "severity": notice.severity,
        "kind": notice.kind,
        "text": notice.text,
        "created": datetime.fromtimestamp(notice.created, UTC).isoformat(timespec="seconds"),
        "details": notice.details,
        "audit_head": notice.audit_head,
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookChannel(HttpChannel):
    kind = "webhook"

    def __init__(self, name: str, *, url: SecretSource, secret: SecretSource | None = None,
                 min_severity: str = "info", timeouts: Timeouts | None = None) -> None:
        super().__init__(name, min_severity=min_severity, timeouts=timeouts)
        self._url = url
        self._secret = secret

    def url(self) -> str:
        return self._url()

    def build(self, notice: Notice) -> Request:
        body = json_body(webhook_payload(notice))
        headers = {"Idempotency-Key": notice.id}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = signature(self._secret(), body)
        return Request("POST", self._url(), body, headers)
