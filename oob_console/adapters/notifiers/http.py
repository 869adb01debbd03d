"""What every channel shares: one HTTP request over the console's one HTTP client.

The client (explicit timeouts, never a proxy, no redirects followed) and the
translation of transport failures are :mod:`oob_console.adapters.http_httpx`'s;
a webhook that moved is a config change, not something to chase during an
outage. Any HTTP answer comes back as a ``SendResult`` for the outbox to judge.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from oob_console.adapters.http_httpx import Timeouts, new_client, translate_errors
from oob_console.core.notice import Notice, SendResult, parse_retry_after
from oob_console.errors import ConfigError

SecretSource = Callable[[], str]  # reads a secret when it is needed; raises ConfigError

_ERROR_CHARS = 200


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: bytes
    headers: Mapping[str, str]


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: all of it that is not a secret."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"not an http(s) URL: {parts.scheme}://{parts.hostname or ''}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def json_body(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")


def perform(request: Request, timeouts: Timeouts, where: str) -> httpx.Response:
    """Send one request; any HTTP answer is returned, no answer is an UnavailableError.

    Raises:
        DeadlineError: a connect, read, write or pool wait did not finish in time.
        UnavailableError: refused, reset, unreachable, not HTTP.
        ConfigError: the URL is malformed.
    """
    headers = {"Content-Type": "application/json", **request.headers}
    with new_client(timeouts=timeouts) as client:
        with translate_errors(client, "it", where=where, url_hint="check the channel's url or url_ref"):
            response = client.request(request.method, request.url, content=request.body, headers=headers)
            response.read()
            return response


class HttpChannel:
    """A channel that turns a notice into one JSON request; subclasses say how."""

    kind = "http"

    def __init__(self, name: str, *, min_severity: str = "info", timeouts: Timeouts | None = None) -> None:
        self.name = name
        self.min_severity = min_severity
        self.timeouts = timeouts or Timeouts()

    def build(self, notice: Notice) -> Request:
        """The request for ``notice``; the same notice always gives the same idempotency key."""
        raise NotImplementedError

    def url(self) -> str:
        raise NotImplementedError

    def remote_id(self, notice: Notice, response: httpx.Response) -> str:
        return ""

    def retry_after(self, response: httpx.Response) -> float | None:
        return parse_retry_after(response.headers.get("Retry-After"))

    def endpoint(self) -> str:
        return origin(self.url())

    def send(self, notice: Notice) -> SendResult:
        where = f"channel {self.name}"
        response = perform(self.build(notice), self.timeouts, where)
        ok = 200 <= response.status_code < 300
        return SendResult(
            status=response.status_code,
            retry_after=None if ok else self.retry_after(response),
            remote_id=self.remote_id(notice, response) if ok else "",
            error="" if ok else " ".join(response.text.split())[:_ERROR_CHARS],
        )


def json_field(response: httpx.Response, key: str) -> Any:
    """``response.json()[key]``, or None when the body is not a JSON object."""
    try:
        value = response.json()
    except ValueError:
        return None
    return value.get(key) if isinstance(value, dict) else None
