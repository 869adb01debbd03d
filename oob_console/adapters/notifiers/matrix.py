"""Matrix client-server API: ``PUT /rooms/{room}/send/m.room.message/{txnId}``.

The transaction id is derived from the notice id, so the homeserver treats
every retry (same access token, same txnId) as the same event and returns the
same ``event_id`` instead of posting again.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from oob_console.adapters.http_httpx import Timeouts
from oob_console.adapters.notifiers.http import HttpChannel, Request, SecretSource, json_body, json_field
from oob_console.core.notice import Notice, parse_retry_after


def txn_id(notice: Notice) -> str:
    return f"oob-{notice.id}"


class MatrixChannel(HttpChannel):
    kind = "matrix"

    def __init__(self, name: str, *, homeserver: str, room: str, access_token: SecretSource,
                 min_severity: str = "info", timeouts: Timeouts | None = None) -> None:
        super().__init__(name, min_severity=min_severity, timeouts=timeouts)
        self.homeserver = homeserver.rstrip("/")
        self.room = room
        self._token = access_token

    def url(self) -> str:
        return self.homeserver

    def build(self, notice: Notice) -> Request:
        path = (f"/_matrix/client/v3/rooms/{quote(self.room, safe='')}/send/m.room.message/"
                f"{quote(txn_id(notice), safe='')}")
        body = {"msgtype": "m.text", "body": f"[{notice.site}] {notice.severity.upper()}: {notice.text_with_head}"}
        return Request("PUT", self.homeserver + path, json_body(body), {"Authorization": f"Bearer {self._token()}"})

    def remote_id(self, notice: Notice, response: httpx.Response) -> str:
        return str(json_field(response, "event_id") or "")

    def retry_after(self, response: httpx.Response) -> float | None:
        header = parse_retry_after(response.headers.get("Retry-After"))
        millis = json_field(response, "retry_after_ms")  # M_LIMIT_EXCEEDED carries it in the body
        if isinstance(millis, int) and not isinstance(millis, bool):
            return max(header or 0.0, millis / 1000)
        return header
