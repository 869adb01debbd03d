"""`oob inventory import netbox` against a NetBox-shaped REST API served over real HTTP on loopback.

The server (:mod:`tests.lab.netbox_api`) pages at 2 objects (as a NetBox with
MAX_PAGE_SIZE=2 would), checks the token and filters devices by site, so
pagination, auth and filters are real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.adapters.inventory_toml import InventoryFile
from tests.conftest import run_oob
from tests.lab.netbox_api import TOKEN, NetBoxApi, serve_netbox
from tests.lab.routers import free_port, write_inventory

pytestmark = pytest.mark.lab


@pytest.fixture
def netbox() -> Iterator[str]:
    with serve_netbox() as url:
        yield url


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
    assert sum("/api/dcim/devices/" in r for r in NetBoxApi.requests) == 4  # 7 devices, 2 per page

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
    assert any("site=lax1" in r for r in NetBoxApi.requests)
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
