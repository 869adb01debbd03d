"""HTTP to provider APIs: retries on rate limits over the console's one HTTP client.

The client and the translation of transport failures (``UnavailableError``,
``DeadlineError`` for timeouts) are :mod:`oob_console.adapters.http_httpx`'s.
What is the providers' own: ``429`` and ``503`` are retried after the
``Retry-After`` the provider asks for (else an exponential backoff), a bounded
number of times; any other status comes back to the provider module, which
knows how its API words errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from oob_console.adapters.http_httpx import Timeouts, new_client, translate_errors
from oob_console.errors import UnavailableError

RETRY_STATUSES = (429, 503)


class ProviderHttp:
    def __init__(self, base_url: str, *, timeout: float, name: str, max_retries: int = 3, max_wait: float = 30.0,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.name = name
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.client = new_client(timeouts=Timeouts.every(timeout), transport=transport)

    def request(self, method: str, path: str, *, headers: Mapping[str, str] | None = None,
                content: bytes | None = None, json: Any = None,
                sign: Callable[[httpx.Request], None] | None = None) -> httpx.Response:
        """Send, retrying throttling answers; the final response (any status).

        Raises:
            DeadlineError: no answer within the timeout.
            UnavailableError: could not connect, or still throttled after the retries.
            ConfigError: the API URL is malformed.
        """
        url = self.base_url + path
        for attempt in range(self.max_retries + 1):
            with translate_errors(self.client, f"{self.name} API", where=url, hint="check the OOB uplink and DNS",
                                  timeout_hint="check the OOB uplink; the change may or may not have been made"):
                req = self.client.build_request(method, url, headers=headers, content=content, json=json)
                if sign is not None:
                    sign(req)  # signed per attempt: AWS signatures carry the time
                resp = self.client.send(req)
            if resp.status_code not in RETRY_STATUSES or attempt == self.max_retries:
                break
            self.sleep(self._retry_after(resp, attempt))
        if resp.status_code in RETRY_STATUSES:
            raise UnavailableError(f"{self.name} API still throttling after {self.max_retries} retries "
                                   f"(HTTP {resp.status_code})", where=url, hint="try again in a minute")
        return resp

    def _retry_after(self, resp: httpx.Response, attempt: int) -> float:
        value = resp.headers.get("Retry-After", "")
        try:
            wait = float(value)
        except ValueError:
            wait = 2.0 ** attempt
        return min(max(wait, 0.0), self.max_wait)

    def close(self) -> None:
        self.client.close()
