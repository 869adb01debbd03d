"""The one HTTP boundary (httpx): every client the console builds, and what its failures mean.

Every HTTP adapter (provider APIs, the looking glass, the NetBox importer, the
notifiers) gets its client from :func:`new_client`:

- explicit timeouts for connect, read, write and pool: nothing waits forever;
- ``trust_env=False`` always: ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``,
  ``NO_PROXY``, ``.netrc`` and ``SSL_CERT_FILE``/``SSL_CERT_DIR`` are never
  read. A proxy is a dependency doctor cannot vouch for, and it usually sits
  in the production network that is down: emergency traffic goes straight to
  its target. A private CA is given explicitly (``verify=``), never by the
  environment;
- redirects are not followed unless the adapter asks: a moved endpoint is a
  config change, not something to chase during an outage.

Failures are translated here and nowhere else. :func:`translate_errors`:
could not talk to it -> ``UnavailableError`` (``DeadlineError`` when a
timeout ran out), a URL httpx cannot use -> ``ConfigError`` (without the URL,
which can be a secret). :func:`status_error`: what an answer that is not 2xx
means.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from oob_console.errors import (
    AuthError,
    ConfigError,
    DeadlineError,
    NotFoundError,
    OobError,
    RefusedError,
    UnavailableError,
)

USER_AGENT = "oob-console"


@dataclass(frozen=True)
class Timeouts:
    """Seconds for each single wait (httpx's model), not for the whole request."""

    connect: float = 5.0
    read: float = 15.0
    write: float | None = None  # None: the same as read
    pool: float | None = None  # None: the same as read

    @classmethod
    def every(cls, seconds: float) -> Timeouts:
        """The same limit for connect, read, write and pool."""
        return cls(connect=seconds, read=seconds, write=seconds, pool=seconds)

    def as_httpx(self) -> httpx.Timeout:
        write = self.read if self.write is None else self.write
        pool = self.read if self.pool is None else self.pool
        return httpx.Timeout(connect=self.connect, read=self.read, write=write, pool=pool)


def _tls(verify: bool | str) -> bool | ssl.SSLContext:
    if isinstance(verify, bool):
        return verify
    # A CA file or directory: what httpx does with verify=<str>, without its deprecation path.
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


def new_client(*, timeouts: Timeouts | None = None, headers: Mapping[str, str] | None = None,
               verify: bool | str = True, follow_redirects: bool = False,
               transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client that never reads proxies or credentials from the environment.

    ``verify`` is True (the bundled CA set), False, or a CA file or directory.
    ``transport`` is for tests (``httpx.MockTransport``).
    """
    return httpx.Client(
        timeout=(timeouts or Timeouts()).as_httpx(),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        verify=_tls(verify),
        follow_redirects=follow_redirects,
        transport=transport,
        trust_env=False,
    )


def _waited(exc: httpx.TimeoutException, timeout: httpx.Timeout) -> float | None:
    if isinstance(exc, httpx.ConnectTimeout):
        return timeout.connect
    if isinstance(exc, httpx.WriteTimeout):
        return timeout.write
    if isinstance(exc, httpx.PoolTimeout):
        return timeout.pool
    return timeout.read


def transport_error(exc: httpx.HTTPError | httpx.InvalidURL, timeout: httpx.Timeout, what: str, *, where: str,
                    hint: str | None = None, timeout_hint: str | None = None,
                    url_hint: str | None = None) -> OobError:
    """The error for a request that got no answer; ``what`` names the far end ("NetBox")."""
    kind = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        waited = _waited(exc, timeout)
        within = f"within {waited:g}s" if waited is not None else "in time"
        return DeadlineError(f"{what} did not answer {within} ({kind})", where=where, hint=timeout_hint or hint)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        # Neither the URL nor httpx's words about it: a webhook URL can be a secret.
        return ConfigError(f"malformed URL ({kind}; not shown, it may carry a secret)", where=where,
                           hint=url_hint or "check the configured URL")
    return UnavailableError(f"cannot reach {what}: {kind}: {exc}", where=where, hint=hint)


@contextmanager
def translate_errors(client: httpx.Client, what: str, *, where: str, hint: str | None = None,
                     timeout_hint: str | None = None, url_hint: str | None = None) -> Iterator[None]:
    """Around building and sending a request: httpx's failures become the project's errors.

    Raises:
        DeadlineError: a connect, read, write or pool timeout of ``client`` ran out.
        ConfigError: the URL is malformed or not http(s).
        UnavailableError: refused, reset, unreachable, not HTTP.
    """
    try:
        yield
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise transport_error(exc, client.timeout, what, where=where, hint=hint, timeout_hint=timeout_hint,
                              url_hint=url_hint) from exc


def status_error(response: httpx.Response, what: str, *, where: str, detail: str = "",
                 credential: str | None = None, hint: str | None = None, refusals: bool = False) -> OobError | None:
    """What an answer means when it is not 2xx; None when it is.

    ``401``/``403`` to a request that carried ``credential`` ("token") is an
    ``AuthError`` (with ``hint``). With ``refusals`` (an API that words its
    refusals, e.g. Cloudflare's envelope), ``404`` is a ``NotFoundError`` and
    any other 4xx but 408/429 a ``RefusedError``. Everything else (5xx,
    throttling, a redirect that is not followed, a 4xx from an API that does
    not explain itself) is an ``UnavailableError``: the console could not get
    what it asked for. ``detail`` is the API's own error text, if any.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    said = f" {detail}" if detail else ""
    if status in (401, 403) and credential:
        return AuthError(f"{what} refused the {credential} (HTTP {status}){said}", where=where, hint=hint)
    if refusals and status == 404:
        return NotFoundError(f"{what}: not found (HTTP 404){said}", where=where)
    if refusals and 400 <= status < 500 and status not in (408, 429):
        return RefusedError(f"{what} said no (HTTP {status}): {detail or 'no error text'}", where=where)
    if 300 <= status < 400:
        return UnavailableError(f"{what} answered HTTP {status} (a redirect; not followed){said}", where=where,
                                hint="use the URL it points to")
    return UnavailableError(f"{what} answered HTTP {status}{said}", where=where)
