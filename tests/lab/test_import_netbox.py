"""`oob inventory import netbox` against a NetBox-shaped REST API served over real HTTP on loopback.

The server (:mod:`tests.lab.netbox_api`) pages at 2 objects (as a NetBox with
MAX_PAGE_SIZE=2 would), checks v1 and v2 tokens, filters devices and
components, cables consoles and links through two patch panels, and
misbehaves on request (a foreign `next` link, a short list, a failing page),
so pagination, auth, filters and cable paths are real.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.adapters.inventory_toml import InventoryFile
from tests.conftest import run_oob
from tests.lab.netbox_api import TOKEN, TOKEN_V2, NetBoxApi, serve_netbox, serve_thief
from tests.lab.pty_client import run_on_pty
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
    assert any(w.startswith("r2: console port") and "patch panel" in w for w in result["warnings"])
    assert sum(r.startswith("/api/dcim/devices/") for r in NetBoxApi.requests) == 5  # 9 devices, 2 per page

    inv = InventoryFile(site / "inventory.toml").load()
    r1 = inv.get("r1")
    assert r1 is not None
    assert (r1.host, r1.platform, r1.site, r1.role) == ("10.0.0.1", "ios", "sjc1", "core")
    assert r1.username == "netops" and r1.host_keys == (local_key,)  # local-only fields kept
    assert r1.bgp[0].peer_as == 65001
    # both the console and the link go through patch panels pp1/pp2: the far ends, never the panel
    assert r1.console is not None and (r1.console.kind, r1.console.server, r1.console.line) == ("ssh", "cs1", "port05")
    assert inv.console_server("cs1") is not None and inv.console_server("cs1").host == "10.0.9.1"  # type: ignore[union-attr]
    assert [(lk.interface, lk.peer_device, lk.peer_interface, lk.kind) for lk in r1.links] == [
        ("TenGigE0/0/0", "r2", "et-0/0/0", "backbone")]
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
    # the filter reached every query: components are asked for r6 (id 6) only, cs1 fetched by id
    components = [r for r in NetBoxApi.requests if "console-ports" in r or "interfaces" in r]
    assert components and all("device_id=6" in r and "device_id=1&" not in r for r in components)
    assert any(r.startswith("/api/dcim/devices/") and "id=3" in r for r in NetBoxApi.requests)
    # not on a terminal and no --yes: listed and refused, nothing written
    refused = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(token_file),
                      "--filter", "site=lax1", "--prune", home=site)
    assert refused.returncode == 7 and "would remove 1 device(s)" in refused.stderr and "(old)" in refused.stderr
    assert (site / "inventory.toml").read_text() == before
    real = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(token_file),
                   "--filter", "site=lax1", "--prune", "--yes", "--json", home=site)
    assert json.loads(real.stdout)["result"]["removed"] == ["old"]
    inv = InventoryFile(site / "inventory.toml").load()
    assert [d.name for d in inv.devices] == ["r6"]
    r6 = inv.get("r6")
    assert r6 is not None and r6.console is not None and (r6.console.server, r6.console.line) == ("cs1", "port06")
    assert inv.console_server("cs1") is not None


def test_prune_asks_on_a_terminal(site: Path, netbox: str, token_file: Path) -> None:
    write_inventory(site / "inventory.toml", [{"name": "old", "platform": "frr", "host": "127.0.0.1"}])
    before = (site / "inventory.toml").read_text()
    env = {**os.environ, "OOB_HOME": str(site)}
    cmd = [sys.executable, "-m", "oob_console", "inventory", "import", "netbox", "--url", netbox,
           "--token-file", str(token_file), "--filter", "site=lax1", "--prune"]
    no = run_on_pty(cmd, env, marker=b"Type 'yes' to remove", keys=b"no\r", timeout=30)
    assert b"would remove 1 device(s)" in no.output and b"old" in no.output and no.exit_status == 7
    assert (site / "inventory.toml").read_text() == before
    yes = run_on_pty(cmd, env, marker=b"Type 'yes' to remove", keys=b"yes\r", timeout=30)
    assert yes.exit_status == 0 and b"1 removed" in yes.output
    assert [d.name for d in InventoryFile(site / "inventory.toml").load().devices] == ["r6"]


def test_v2_token_and_trace_only_netbox(site: Path, netbox: str, tmp_path: Path) -> None:
    v2 = tmp_path / "v2.token"
    v2.write_text(TOKEN_V2 + "\n")
    v2.chmod(0o600)
    NetBoxApi.fault = "trace-only"  # no connected_endpoints: the importer asks for the path
    proc = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(v2), "--json", home=site)
    assert proc.returncode == 0, proc.stderr
    assert set(NetBoxApi.authorizations) == {f"Bearer {TOKEN_V2}"}
    assert any(r.endswith("/trace/") for r in NetBoxApi.requests)
    inv = InventoryFile(site / "inventory.toml").load()
    r1 = inv.get("r1")
    assert r1 is not None and r1.console is not None and (r1.console.server, r1.console.line) == ("cs1", "port05")
    assert [(lk.peer_device, lk.peer_interface) for lk in r1.links] == [("r2", "et-0/0/0")]
    warnings = json.loads(proc.stdout)["result"]["warnings"]
    assert any(w.startswith("r2: console port") and "patch panel" in w for w in warnings)


@pytest.mark.parametrize("fault", ["foreign-next", "short", "fail-page"])
def test_a_bad_page_fails_the_import_and_never_prunes(site: Path, netbox: str, token_file: Path,
                                                       fault: str) -> None:
    write_inventory(site / "inventory.toml", [{"name": "old", "platform": "frr", "host": "127.0.0.1"},
                                              {"name": "r1", "platform": "ios", "host": "192.0.2.1"}])
    before = (site / "inventory.toml").read_text()
    with serve_thief() as thief:
        NetBoxApi.fault, NetBoxApi.foreign = fault, thief
        proc = run_oob("inventory", "import", "netbox", "--url", netbox, "--token-file", str(token_file),
                       "--prune", "--yes", home=site)
        from tests.lab.netbox_api import Thief
        assert Thief.seen == []  # the other host never heard from us, let alone got the token
    assert proc.returncode == 8, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 3
    assert (site / "inventory.toml").read_text() == before and not (site / "inventory.toml.prev").exists()
    expected = {"foreign-next": "not at " + netbox, "short": "ended short: 2 of 9", "fail-page": "502"}[fault]
    assert expected in proc.stderr


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
