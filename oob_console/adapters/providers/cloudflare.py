"""Cloudflare BYOIP dynamic advertisement through the BGP Prefixes API.

Documented shapes (API v4, envelope ``{"success", "errors", "messages", "result"}``):

- ``GET  /accounts/{account_id}/addressing/prefixes`` lists IP prefixes (``id``, ``cidr``);
- ``GET  /accounts/{account_id}/addressing/prefixes/{prefix_id}/bgp/prefixes`` lists
  BGP prefixes (``id``, ``cidr``, ``asn``, ``on_demand: {advertised,
  advertised_modified_at, on_demand_enabled, on_demand_locked}``);
- ``PATCH .../bgp/prefixes/{bgp_prefix_id}`` with ``{"on_demand": {"advertised": bool},
  "asn_prepend_count": 0-3}`` advertises or withdraws it.

Authentication is an API token (``Authorization: Bearer``) with "IP Prefixes:
BGP On Demand Write". Cloudflare documents 2-7 minutes to advertise and about
15 to withdraw, so ``advertised`` here means Cloudflare reports the new state;
whether the Internet sees it is the looking glass's stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from oob_console.adapters.http_httpx import status_error
from oob_console.adapters.providers.api_client import ProviderHttp
from oob_console.core.bgp.desired import Key, RouteRow
from oob_console.core.bgp.stages import Stage
from oob_console.errors import NotFoundError, OobError, RefusedError
from oob_console.services.bgp.ports import SessionInfo


class CloudflareBackend:
    kind = "cloudflare"

    def __init__(self, upstream: str, *, account_id: str, token: Callable[[], str],
                 api_url: str = "https://api.cloudflare.com/client/v4", timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.upstream = upstream
        self.account_id = account_id
        self.token = token  # read when needed, never kept in config objects or logs
        self.http = ProviderHttp(api_url, timeout=timeout, name="Cloudflare", transport=transport, sleep=sleep)
        self._ids: dict[str, tuple[str, str]] = {}  # cidr -> (prefix_id, bgp_prefix_id)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self.http.request(method, f"/accounts/{self.account_id}{path}", json=body,
                                 headers={"Authorization": f"Bearer {self.token()}"})
        try:
            envelope = resp.json()
        except ValueError:
            envelope = {}
        errors = envelope.get("errors") if isinstance(envelope, dict) else None
        text = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors or [] if isinstance(e, dict))
        where = f"Cloudflare {method} {path}"
        error = status_error(resp, "Cloudflare", where=where, detail=text, credential="API token", refusals=True,
                             hint="the token needs 'IP Prefixes: BGP On Demand Write' on this account")
        if error is None and (not isinstance(envelope, dict) or envelope.get("success") is not True):
            error = RefusedError(f"Cloudflare said no (HTTP {resp.status_code}): {text or 'no error text'}",
                                 where=where)
        if error is not None:
            raise error
        return envelope.get("result")

    def _find(self, cidr: str) -> tuple[str, str]:
        if cidr in self._ids:
            return self._ids[cidr]
        for ip_prefix in self._call("GET", "/addressing/prefixes") or []:
            for bgp in self._call("GET", f"/addressing/prefixes/{ip_prefix['id']}/bgp/prefixes") or []:
                self._ids[str(bgp.get("cidr"))] = (str(ip_prefix["id"]), str(bgp["id"]))
        if cidr not in self._ids:
            raise NotFoundError(f"Cloudflare has no BGP prefix {cidr} on this account",
                                hint="create it under the BYOIP prefix first (it must exist to be advertised)")
        return self._ids[cidr]

    def _state(self, cidr: str) -> dict[str, Any]:
        prefix_id, bgp_id = self._find(cidr)
        result = self._call("GET", f"/addressing/prefixes/{prefix_id}/bgp/prefixes/{bgp_id}")
        return result if isinstance(result, dict) else {}

    def apply(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        out: dict[Key, Stage] = {}
        for row in rows:
            want = row.desired == "announced"
            body: dict[str, Any] = {"on_demand": {"advertised": want}}
            if want:
                body["asn_prepend_count"] = row.route.prepend
            try:
                prefix_id, bgp_id = self._find(row.prefix)
                result = self._call("PATCH", f"/addressing/prefixes/{prefix_id}/bgp/prefixes/{bgp_id}", body)
            except OobError as exc:
                out[row.key] = Stage("accepted", "failed", at=time.time(), detail=exc.one_line())
                continue
            on_demand = result.get("on_demand", {}) if isinstance(result, dict) else {}
            if on_demand.get("advertised") is want:
                out[row.key] = Stage("accepted", "done", at=time.time(),
                                     detail=f"on_demand.advertised={str(want).lower()}")
            else:
                out[row.key] = Stage("accepted", "failed", at=time.time(),
                                     detail=f"Cloudflare answered on_demand={on_demand}")
        return out

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        out: dict[Key, Stage] = {}
        for row in rows:
            want = row.desired == "announced"
            try:
                on_demand = self._state(row.prefix).get("on_demand") or {}
            except OobError as exc:
                out[row.key] = Stage("advertised", "pending", detail=exc.one_line())
                continue
            since = on_demand.get("advertised_modified_at") or "?"
            if on_demand.get("advertised") is want:
                out[row.key] = Stage("advertised", "done", at=time.time(),
                                     detail=f"Cloudflare reports advertised={str(want).lower()} since {since}")
            else:
                out[row.key] = Stage("advertised", "pending", detail=f"Cloudflare reports on_demand={on_demand}")
        return out

    def sessions(self) -> list[SessionInfo]:
        # No BGP session of ours: status must stay fast and offline, so the API is not called here.
        return [SessionInfo(self.upstream, "api.cloudflare.com", "api", None, "provider API (no BGP session)")]
