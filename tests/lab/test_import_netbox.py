"""`oob inventory import netbox` against a NetBox-shaped REST API served over real HTTP on loopback.

The server pages at 2 objects (as a NetBox with MAX_PAGE_SIZE=2 would), checks
the token and filters devices by site, so pagination, auth and filters are real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from oob_console.adapters.inventory_toml import InventoryFile
from tests.conftest import run_oob
from tests.lab.routers import free_port, write_inventory

pytestmark = pytest.mark.lab
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


class _NetBox(BaseHTTPRequestHandler):
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


@pytest.fixture
def netbox() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NetBox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _NetBox.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "netbox.token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


def test_import_pages_maps_and_merges(site: Path, netbox: str, token_file: Path) -> None:
    local_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    write_inventory(site / "inventory.toml", [
        {"name": "r1", "platform": "ios", "host": "192.0.2.1", "username": "netops", "host_keys": [local_key],
         "bgp": [{"neighbor": "198.51.100.1", "peer_as": 65001, "kind": "upstream"}]},
        {"name": "lab-only", "platform": "frr", "host": "127.0.0.1"},
    ])
    proc = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(token_file),
                   "--platform-map", "weird-os=frr", "--json", home=site)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)["result"]
    assert sorted(result["added"]) == ["r2", "r5", "r6"] and result["updated"] == ["r1"]
    assert result["kept"] == ["lab-only"]
    assert any("r4" in w and "no primary IP" in w for w in result["warnings"])
    assert any("bad name" in w for w in result["warnings"])
    assert sum("/api/dcim/devices/" in r for r in _NetBox.requests) == 4  # 7 devices, 2 per page

    inv = InventoryFile(site / "inventory.toml").load()
    r1 = inv.get("r1")
    assert r1 is not None
    assert (r1.host, r1.platform, r1.site, r1.role) == ("10.0.0.1", "ios", "sjc1", "core")
    assert r1.username == "netops" and r1.host_keys == (local_key,)  # local-only fields kept
    assert r1.bgp[0].peer_as == 65001
    assert r1.console is not None and (r1.console.kind, r1.console.server, r1.console.line) == ("ssh", "cs1", "port05")
    assert inv.console_server("cs1") is not None and inv.console_server("cs1").host == "10.0.9.1"  # type: ignore[union-attr]
    assert [(lk.interface, lk.peer_device, lk.kind) for lk in r1.links] == [("TenGigE0/0/0", "r2", "backbone")]
    r2 = inv.get("r2")
    assert r2 is not None and r2.platform == "junos"
    assert {(lk.interface, lk.kind, lk.lag) for lk in r2.links} == {("et-0/0/0", "backbone", "ae0"),
                                                                  ("et-0/0/1", "upstream", None)}
    assert (site / "inventory.toml.prev").exists()
    audit = [json.loads(x) for x in (site / "audit.jsonl").read_text().splitlines()]
    assert audit[-1]["action"] == "inventory.import" and TOKEN not in json.dumps(audit)


def test_filters_dry_run_and_prune(site: Path, netbox: str, token_file: Path) -> None:
    write_inventory(site / "inventory.toml", [{"name": "old", "platform": "frr", "host": "127.0.0.1"}])
    before = (site / "inventory.toml").read_text()
    dry = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(token_file),
                  "--filter", "site=lax1", "--prune", "--dry-run", home=site)
    assert dry.returncode == 0 and "would write" in dry.stdout and "1 removed" in dry.stdout
    assert (site / "inventory.toml").read_text() == before
    assert any("site=lax1" in r for r in _NetBox.requests)
    real = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(token_file),
                   "--filter", "site=lax1", "--prune", "--json", home=site)
    assert json.loads(real.stdout)["result"]["removed"] == ["old"]
    assert [d.name for d in InventoryFile(site / "inventory.toml").load().devices] == ["r6"]


def test_netbox_errors(site: Path, netbox: str, token_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.token"
    bad.write_text("nope\n")
    bad.chmod(0o600)
    proc = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(bad), home=site)
    assert proc.returncode == 5 and "refused the token" in proc.stderr
    loose = tmp_path / "loose.token"
    loose.write_text(TOKEN)
    loose.chmod(0o644)
    proc = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(loose), home=site)
    assert proc.returncode == 3 and "chmod 600" in proc.stderr
    proc = run_oob("inventory", "import", "netbox", "--url", f"http://127.0.0.1:{free_port()}",
                   "--token-file", str(token_file), "--timeout", "2", home=site)
    assert proc.returncode == 8 and "cannot reach NetBox" in proc.stderr
    assert not (site / "inventory.toml").exists()
