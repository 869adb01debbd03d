"""Looking glass / route collector over HTTP (httpx): is our prefix seen upstream?

Speaks the RIPEstat ``looking-glass`` data call, which RIS route collectors
answer near real time: ``GET <url>/data/looking-glass/data.json?resource=PREFIX``
returns ``data.rrcs[].peers[]`` entries with ``prefix``, ``asn_origin`` and
``as_path``. A prefix is visible when some collector peer has exactly our
prefix with our origin AS. The lab runs a local server with the same shape.
"""

from __future__ import annotations

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
