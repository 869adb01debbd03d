"""A NetBox-shaped REST API served over real HTTP on loopback.

It speaks NetBox 4.x's wire format: paged lists (``count``/``next``/``results``,
at most ``NetBoxApi.max_page`` objects a page, as a NetBox with a small
MAX_PAGE_SIZE would), v1 (``Token <40 hex>``) and v2 (``Bearer nbt_<key>.<secret>``)
tokens, device filters (``site``, ``role``, ``id``), component filters
(``device_id``, ``cabled``), cable paths through patch panels (``link_peers``
is the panel's front port, ``connected_endpoints`` the traced far end) and the
``/trace/`` endpoint. ``NetBoxApi.fault`` makes it misbehave the ways real
deployments do: a ``next`` link on another host, a list that ends short of its
count, a page that fails, no ``connected_endpoints`` (trace only).
``NetBoxApi.requests`` is every path it was asked for.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlparse

TOKEN = "0123456789abcdef0123456789abcdef01234567"
TOKEN_V2 = "nbt_k3y0fth1st0k3n.s3cr3tp4rt0fth3v2t0k3nw1thr4nd0mn3ss"

_IDS = {"r1": 1, "r2": 2, "cs1": 3, "r4": 4, "r5": 5, "r6": 6, "bad name": 7, "pp1": 8, "pp2": 9}


def _dev(name: str, platform: str | None, ip: str | None, site: str = "sjc1", role: str = "core") -> dict[str, Any]:
    return {"id": _IDS[name], "name": name, "platform": {"slug": platform} if platform else None,
            "primary_ip": {"address": f"{ip}/32"} if ip else None, "site": {"slug": site},
            "role": {"slug": role}, "tags": [{"slug": "prod"}], "status": {"value": "active"}}


def _end(device: str, name: str, kind: str, obj_id: int) -> dict[str, Any]:
    return {"id": obj_id, "url": f"/api/dcim/{kind}/{obj_id}/", "name": name,
            "device": {"id": _IDS.get(device, 900), "name": device}}


def _via_panels(near: dict[str, Any], far: dict[str, Any]) -> list[list[Any]]:
    """A ``/trace/`` answer: near end -> pp1 front/rear -> pp2 rear/front -> far end."""
    return [[[near], {"id": 1}, [_end("pp1", "fp1", "front-ports", 51)]],
            [[_end("pp1", "rp1", "rear-ports", 61)], {"id": 2}, [_end("pp2", "rp1", "rear-ports", 62)]],
            [[_end("pp2", "fp1", "front-ports", 52)], {"id": 3}, [far]]]


def _cabled(device: str, name: str, kind: str, obj_id: int, far: dict[str, Any] | None,
            **extra: Any) -> dict[str, Any]:
    """A cabled component whose cable goes into patch panel pp1 and comes out at ``far`` (None: nowhere)."""
    near = _end(device, name, kind, obj_id)
    trace = _via_panels(near, far) if far else _via_panels(near, _end("pp2", "fp9", "front-ports", 59))[:1]
    return {**near, "cable": {"id": obj_id}, "link_peers_type": "dcim.frontport",
            "link_peers": [_end("pp1", f"fp{obj_id}", "front-ports", 50 + obj_id)],
            "connected_endpoints": [far] if far else None, "connected_endpoints_reachable": far is not None,
            "_trace": trace, **extra}


def sample() -> dict[str, list[dict[str, Any]]]:
    return {
        "dcim/devices": [
            _dev("r1", "cisco-ios-xe", "10.0.0.1"), _dev("r2", "juniper-junos", "10.0.0.2", role="edge"),
            _dev("cs1", "opengear", "10.0.9.1", role="console"), _dev("r4", "arista-eos", None),
            _dev("r5", "weird-os", "10.0.0.5"), _dev("r6", "eos", "10.1.0.6", site="lax1"),
            _dev("bad name", "eos", "10.0.0.7"), _dev("pp1", None, None, role="patch-panel"),
            _dev("pp2", None, None, role="patch-panel"),
        ],
        "dcim/console-ports": [
            _cabled("r1", "Console", "console-ports", 1, _end("cs1", "port05", "console-server-ports", 5)),
            _cabled("r6", "Console", "console-ports", 6, _end("cs1", "port06", "console-server-ports", 6)),
            _cabled("r2", "Console", "console-ports", 2, None),  # the panel's far side is not cabled
        ],
        "dcim/interfaces": [
            _cabled("r1", "TenGigE0/0/0", "interfaces", 11, _end("r2", "et-0/0/0", "interfaces", 21),
                    tags=[{"slug": "backbone"}], lag=None),
            {**_end("r2", "et-0/0/0", "interfaces", 21), "tags": [], "lag": {"name": "ae0"},
             "link_peers_type": "dcim.interface", "link_peers": [_end("r1", "TenGigE0/0/0", "interfaces", 11)],
             "connected_endpoints": [_end("r1", "TenGigE0/0/0", "interfaces", 11)],
             "connected_endpoints_reachable": True},
            {**_end("r2", "et-0/0/1", "interfaces", 22), "tags": [{"slug": "upstream"}], "lag": None,
             "link_peers_type": "dcim.interface", "link_peers": [_end("transit-a", "xe-1/0/0", "interfaces", 99)],
             "connected_endpoints": [_end("transit-a", "xe-1/0/0", "interfaces", 99)],
             "connected_endpoints_reachable": True},
        ],
    }


class NetBoxApi(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []
    authorizations: ClassVar[list[str]] = []
    data: ClassVar[dict[str, list[dict[str, Any]]]] = sample()
    by_device: ClassVar[dict[str, dict[int, list[dict[str, Any]]]]] = {}
    max_page: ClassVar[int] = 2
    fault: ClassVar[str | None] = None  # "foreign-next", "short", "fail-page", "trace-only"
    foreign: ClassVar[str] = ""  # base URL of the other host a foreign `next` points at

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _public(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        if self.fault == "trace-only":
            out.pop("connected_endpoints", None)
            out.pop("connected_endpoints_reachable", None)
        return out

    def do_GET(self) -> None:  # the http.server API names it so
        self.requests.append(self.path)
        self.authorizations.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") not in (f"Token {TOKEN}", f"Bearer {TOKEN_V2}"):
            self._send(403, {"detail": "Invalid v1 token" if "Token" in str(self.headers.get("Authorization"))
                             else "Invalid v2 token"})
            return
        url = urlparse(self.path)
        endpoint = url.path.removeprefix("/api/").strip("/")
        if endpoint.endswith("/trace"):
            kind, obj_id = endpoint.removesuffix("/trace").rsplit("/", 1)
            found = [o for o in self.data.get(kind, []) if str(o.get("id")) == obj_id]
            self._send(200, found[0]["_trace"]) if found else self._send(404, {"detail": "Not found."})
            return
        if endpoint not in self.data:
            self._send(404, {"detail": "Not found."})
            return
        multi = parse_qs(url.query)
        query = {k: v[0] for k, v in multi.items()}
        items = self._select(endpoint, multi, query)
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 50)), self.max_page)
        if self.fault == "fail-page" and offset > 0:
            self._send(502, {"detail": "Bad Gateway"})
            return
        page = items[offset : offset + limit]
        nxt = None
        if offset + limit < len(items) and not (self.fault == "short" and endpoint == "dcim/devices"):
            base = self.foreign if self.fault == "foreign-next" else f"http://127.0.0.1:{self.server.server_address[1]}"
            pairs = [(k, v) for k, vs in multi.items() if k not in ("offset", "limit") for v in vs]
            nxt = f"{base}{url.path}?" + urlencode([*pairs, ("limit", limit), ("offset", offset + limit)])
        self._send(200, {"count": len(items), "next": nxt, "previous": None,
                         "results": [self._public(o) for o in page]})

    def _select(self, endpoint: str, multi: dict[str, list[str]], query: dict[str, str]) -> list[dict[str, Any]]:
        items = self.data[endpoint]
        if "device_id" in multi:
            index = self.by_device.get(endpoint)
            wanted = [int(i) for i in multi["device_id"]]
            if index is not None:
                items = [o for i in wanted for o in index.get(i, [])]
            else:
                items = [o for o in items if o["device"]["id"] in set(wanted)]
        if "id" in multi:
            items = [o for o in items if str(o.get("id")) in multi["id"]]
        for key in ("site", "role"):
            if key in query:
                items = [i for i in items if (i.get(key) or {}).get("slug") == query[key]]
        if query.get("cabled") == "true":
            items = [i for i in items if i.get("link_peers")]
        return items


def load(data: dict[str, list[dict[str, Any]]]) -> None:
    """Serve this data (indexed by device for the component queries)."""
    NetBoxApi.data = data
    NetBoxApi.by_device = {}
    for kind in ("dcim/console-ports", "dcim/interfaces"):
        index: dict[int, list[dict[str, Any]]] = {}
        for obj in data.get(kind, []):
            index.setdefault(obj["device"]["id"], []).append(obj)
        NetBoxApi.by_device[kind] = index


@contextmanager
def serve_netbox(*, data: dict[str, list[dict[str, Any]]] | None = None, max_page: int = 2,
                 host: str = "127.0.0.1") -> Iterator[str]:
    """The API on HOST:<free port>; its base URL."""
    NetBoxApi.requests = []
    NetBoxApi.authorizations = []
    NetBoxApi.fault = None
    NetBoxApi.max_page = max_page
    load(data if data is not None else sample())
    server = ThreadingHTTPServer((host, 0), NetBoxApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Thief(BaseHTTPRequestHandler):
    """Another host: records whatever reaches it (a `next` link must never bring the token here)."""

    seen: ClassVar[list[tuple[str, str]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization", "")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@contextmanager
def serve_thief(host: str = "127.0.0.2") -> Iterator[str]:
    Thief.seen = []
    server = ThreadingHTTPServer((host, 0), Thief)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
