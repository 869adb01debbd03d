"""A NetBox-shaped REST API served over real HTTP on loopback.

It pages at 2 objects (as a NetBox with MAX_PAGE_SIZE=2 would), checks the
token and filters devices by site, so pagination, auth and filters are real.
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


def _dev(name: str, platform: str | None, ip: str | None, site: str = "sjc1", role: str = "core") -> dict[str, Any]:
    return {"id": hash(name) % 1000, "name": name, "platform": {"slug": platform} if platform else None,
            "primary_ip": {"address": f"{ip}/32"} if ip else None, "site": {"slug": site},
            "role": {"slug": role}, "tags": [{"slug": "prod"}], "status": {"value": "active"}}


DATA: dict[str, list[dict[str, Any]]] = {
    "dcim/devices": [
        _dev("r1", "cisco-ios-xe", "10.0.0.1"), _dev("r2", "juniper-junos", "10.0.0.2", role="edge"),
        _dev("cs1", "opengear", "10.0.9.1", role="console"), _dev("r4", "arista-eos", None),
        _dev("r5", "weird-os", "10.0.0.5"), _dev("r6", "eos", "10.1.0.6", site="lax1"),
        _dev("bad name", "eos", "10.0.0.7"),
    ],
    "dcim/console-ports": [
        {"device": {"name": "r1"}, "name": "Console", "link_peers_type": "dcim.consoleserverport",
         "link_peers": [{"device": {"name": "cs1"}, "name": "port05"}]},
    ],
    "dcim/interfaces": [
        {"device": {"name": "r1"}, "name": "TenGigE0/0/0", "tags": [{"slug": "backbone"}], "lag": None,
         "link_peers": [{"device": {"name": "r2"}, "name": "et-0/0/0"}]},
        {"device": {"name": "r2"}, "name": "et-0/0/0", "tags": [], "lag": {"name": "ae0"},
         "link_peers": [{"device": {"name": "r1"}, "name": "TenGigE0/0/0"}]},
        {"device": {"name": "r2"}, "name": "et-0/0/1", "tags": [{"slug": "upstream"}], "lag": None,
         "link_peers": [{"device": {"name": "transit-a"}, "name": "xe-1/0/0"}]},
    ],
}


class NetBoxApi(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:  # the http.server API names it so
        self.requests.append(self.path)
        if self.headers.get("Authorization") != f"Token {TOKEN}":
            self._send(403, {"detail": "Invalid token"})
            return
        url = urlparse(self.path)
        endpoint = url.path.removeprefix("/api/").strip("/")
        if endpoint not in DATA:
            self._send(404, {"detail": "Not found."})
            return
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        items = DATA[endpoint]
        if "site" in query:
            items = [i for i in items if i.get("site", {}).get("slug") == query["site"]]
        offset = int(query.get("offset", 0))
        limit = min(int(query.get("limit", 50)), 2)
        page = items[offset : offset + limit]
        nxt = None
        if offset + limit < len(items):
            nxt = f"http://127.0.0.1:{self.server.server_address[1]}{url.path}?" + urlencode(
                {**query, "offset": offset + limit, "limit": limit})
        self._send(200, {"count": len(items), "next": nxt, "previous": None, "results": page})


@contextmanager
def serve_netbox() -> Iterator[str]:
    """The API on 127.0.0.1:<free port>; its base URL."""
    NetBoxApi.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), NetBoxApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
