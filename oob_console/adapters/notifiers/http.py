"""What every channel shares: one HTTP request with explicit timeouts, errors translated.

Environment proxies are ignored (``trust_env=False``): a proxy is a dependency
doctor cannot vouch for, and it may well sit on the production network.
Redirects are not followed: a webhook that moved is a config change, not
something to chase during an outage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from oob_console.core.notice import Notice, SendResult, parse_retry_after
from oob_console.errors import ConfigError, DeadlineError, UnavailableError

SecretSource = Callable[[], str]  # reads a secret when it is needed; raises ConfigError

USER_AGENT = "oob-console"
_ERROR_CHARS = 200


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 15.0  # also write and pool: each single wait, not the whole request


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
        DeadlineError: connect or read did not finish in time.
        UnavailableError: refused, reset, unreachable, not HTTP.
        ConfigError: the URL is malformed.
    """
    timeout = httpx.Timeout(timeouts.read, connect=timeouts.connect)
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json", **request.headers}
    try:
        with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            response = client.request(request.method, request.url, content=request.body, headers=headers)
            response.read()
            return response
    except httpx.TimeoutException as exc:
        raise DeadlineError(f"no answer in time ({type(exc).__name__})", where=where) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        # Not the URL itself, nor httpx's message about it: a webhook URL can be a secret.
        raise ConfigError(f"the channel URL is malformed ({type(exc).__name__})", where=where,
                          hint="check the channel's url or url_ref") from exc
    except httpx.HTTPError as exc:
        raise UnavailableError(f"cannot reach it: {type(exc).__name__}: {exc}", where=where) from exc


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
