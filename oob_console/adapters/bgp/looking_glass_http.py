"""Looking glass / route collector over HTTP (httpx): is our prefix seen upstream?

Speaks the RIPEstat ``looking-glass`` data call, which RIS route collectors
answer near real time: ``GET <url>/data/looking-glass/data.json?resource=PREFIX``
returns ``data.rrcs[].peers[]`` entries with ``prefix``, ``asn_origin`` and
``as_path``. A prefix is visible when some collector peer has exactly our
prefix with our origin AS. The lab runs a local server with the same shape.

:class:`JsonPathLookingGlass` reads any other collector or route-server API that
answers JSON, from a URL template and the dotted paths of its fields.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from oob_console.adapters.http_httpx import Timeouts, new_client, status_error, translate_errors
from oob_console.errors import UnavailableError


class RipestatLookingGlass:
    def __init__(self, url: str, *, timeout: float = 10.0, look_back: float = 300.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.look_back = look_back
        self._client = new_client(timeouts=Timeouts.every(timeout), transport=transport,
                                  headers={"User-Agent": "oob-console looking-glass check"})

    def visible(self, prefix: str, origin_as: int) -> tuple[bool, str]:
        """Is ``prefix`` seen with ``origin_as``, and the evidence.

        Raises:
            UnavailableError: no usable answer (``DeadlineError`` when it timed out).
            ConfigError: the looking glass URL is malformed.
        """
        where = f"{self.url}/data/looking-glass/data.json"
        with translate_errors(self._client, "looking glass", where=where):
            resp = self._client.get(where, params={"resource": prefix, "look_back_limit": int(self.look_back)})
        error = status_error(resp, "looking glass", where=where)  # no credential: every refusal is "unavailable"
        if error is not None:
            raise error
        try:
            body = resp.json()
        except ValueError as exc:
            raise UnavailableError(f"looking glass answer is not JSON: {exc}", where=where) from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("rrcs", []), list):
            raise UnavailableError("looking glass answer has no data.rrcs", where=where)
        seen: list[str] = []
        other: list[str] = []
        for rrc in data.get("rrcs", []):
            for peer in rrc.get("peers", []) if isinstance(rrc, dict) else []:
                if not isinstance(peer, dict) or peer.get("prefix") != prefix:
                    continue
                label = f"{rrc.get('rrc', '?')} peer {peer.get('peer', '?')} path {peer.get('as_path', '')}"
                (seen if str(peer.get("asn_origin")) == str(origin_as) else other).append(label)
        if seen:
            return True, f"seen by {len(seen)} collector peer(s), e.g. {seen[0]}"
        if other:
            return False, f"seen only with another origin: {other[0]}"
        return False, "not seen by any collector peer"


def _dig(value: Any, path: str) -> Any:
    """``value`` at the dotted ``path`` ("" is the value itself); None when a step is missing."""
    for step in (p for p in path.split(".") if p):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def _origin(value: Any) -> str:
    text = str(value).strip()
    return text[2:] if text[:2].lower() == "as" else text


class JsonPathLookingGlass:
    """Any route collector or route-server API that answers JSON: a URL template and where the routes are.

    ``GET url.format(prefix=..., origin=...)``; the list at ``routes`` (a dotted path) holds one object per
    route; a route is ours when its ``prefix_field`` is exactly our prefix and its ``origin_field`` our AS
    (``64500`` or ``AS64500``; an AS path given as a list or a space-separated string counts by its last AS).
    """

    def __init__(self, url: str, *, routes: str = "", prefix_field: str = "prefix", origin_field: str = "origin",
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        self.routes = routes
        self.prefix_field = prefix_field
        self.origin_field = origin_field
        self._client = new_client(timeouts=Timeouts.every(timeout), transport=transport,
                                  headers={"User-Agent": "oob-console route check"})

    def visible(self, prefix: str, origin_as: int) -> tuple[bool, str]:
        """Raises UnavailableError (no usable answer), ConfigError (malformed URL)."""
        where = self.url.format(prefix=quote(prefix, safe=""), origin=origin_as)
        with translate_errors(self._client, "route collector", where=where):
            resp = self._client.get(where)
        error = status_error(resp, "route collector", where=where)
        if error is not None:
            raise error
        try:
            body = resp.json()
        except ValueError as exc:
            raise UnavailableError(f"route collector answer is not JSON: {exc}", where=where) from exc
        routes = _dig(body, self.routes)
        if not isinstance(routes, list):
            raise UnavailableError(f"route collector answer has no list at {self.routes or 'its top'!r}",
                                   where=where)
        mine = [r for r in routes if str(_dig(r, self.prefix_field)) == prefix]
        for route in mine:
            origin = _dig(route, self.origin_field)
            if isinstance(origin, list):
                origin = origin[-1] if origin else ""
            elif isinstance(origin, str) and " " in origin.strip():
                origin = origin.split()[-1]
            if _origin(origin) == str(origin_as):
                return True, f"{len(mine)} route(s) for {prefix} with origin AS{origin_as}"
        if mine:
            return False, f"{prefix} is there only with another origin ({_dig(mine[0], self.origin_field)})"
        return False, f"{prefix} is not there ({len(routes)} routes in the answer)"
