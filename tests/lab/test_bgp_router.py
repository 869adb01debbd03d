"""The router backend against a real router: FRR (vtysh over OpenSSH) announcing to BIRD as the upstream."""

from __future__ import annotations

import getpass
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, pair, start_staticd
from tests.lab.bgp_site import PREFIX, bgp_site
from tests.lab.routers import RouterLab, lab_unavailable, write_inventory
from tests.lab.test_bgp_providers import stages
from tests.lab.xr_router import XrRouter

pytestmark = pytest.mark.lab


@pytest.fixture
def router_root() -> Iterator[Path]:
    """Where lab routers live: staticd runs as user frr, which must be able to reach its vty directory
    (pytest's own tmp dirs are 0700), so a fresh 0711 directory of our own, removed afterwards."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"LAB ROUTERS UNAVAILABLE: {reason}")
    root = Path(tempfile.mkdtemp(prefix="oob-bgp-router-"))
    root.chmod(0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def router_toml(device: str, neighbor: str) -> str:
    return f"""
[bgp.upstreams.edge]
backend = "router"
allow_bogons = true
advertise_timeout = "20s"

[bgp.upstreams.edge.router]
device = "{device}"
neighbor = "{neighbor}"
"""


def test_router_announces_to_its_upstream_and_withdraws(tmp_path: Path, router_root: Path) -> None:
    bird, router_address = pair(tmp_path / "bird", BirdUpstream, local_as=64501)
    with bird, RouterLab(router_root) as lab:
        r1 = lab.router("edge1", asn=64500)
        staticd = start_staticd(r1.vty_dir)
        try:
            # the router's own session to its upstream (what the site configured long before the outage);
            # the lab has no zebra, so bgpd cannot see the static route: import-check off
            n = bird.address
            r1.vtysh("configure terminal", "router bgp 64500", "no bgp network import-check",
                     f"neighbor {n} remote-as 64501", f"neighbor {n} port {bird.port}",
                     f"neighbor {n} update-source {router_address}", f"neighbor {n} ebgp-multihop 2")
            bird.wait_established(20)
            home = tmp_path / "site"
            bgp_site(home, router_toml("edge1", n))
            write_inventory(home / "inventory.toml", [r1.device_entry()])

            out = run_oob("bgp", "announce", PREFIX, "--community", "64500:9", "--prepend", "1", "--json",
                          home=home, timeout=120)
            assert out.returncode == 10, out.stdout + out.stderr  # no confirmation source: UNCONFIRMED
            assert stages(out.stdout) == {("edge", "accepted"): "done", ("edge", "advertised"): "done",
                                          ("edge", "visible"): "unconfirmed"}
            execution = json.loads(out.stdout)["result"]["execution"]
            accepted = next(s for s in execution["routes"][0]["stages"] if s["name"] == "accepted")
            assert "applied line by line" in accepted["detail"] and "no commit-confirmed" in accepted["detail"]
            route = bird.wait_route(PREFIX)
            assert route is not None and route.as_path == [64500, 64500] and route.communities == ["64500:9"]
            running = r1.vtysh("show running-config")
            assert "ip route 203.0.113.0/24 blackhole" in running and "route-map OOB-BGP-203-0-113-0-24" in running

            out = run_oob("bgp", "withdraw", PREFIX, "--json", home=home, timeout=120)
            assert out.returncode == 10, out.stdout + out.stderr
            bird.wait_route(PREFIX, present=False)
            running = r1.vtysh("show running-config")
            assert "OOB-BGP-" not in running and "203.0.113.0/24" not in running  # nothing left behind
        finally:
            staticd.terminate()
            staticd.wait(10)


def test_unreachable_router_fails_the_stage_with_the_reason(tmp_path: Path, router_root: Path) -> None:
    with RouterLab(router_root) as lab:
        r1 = lab.router("edge1", asn=64500)
        r1.stop_sshd()
        home = tmp_path / "site"
        bgp_site(home, router_toml("edge1", "192.0.2.77"))
        write_inventory(home / "inventory.toml", [r1.device_entry()])
        out = run_oob("bgp", "announce", PREFIX, home=home, timeout=120)
        assert out.returncode == 8, out.stdout + out.stderr
        assert "taken by our speaker     FAILED" in out.stdout and "edge1" in out.stdout


def xr_toml() -> str:
    return router_toml("xr1", "192.0.2.77").replace('neighbor = "192.0.2.77"\n',
                                                     'neighbor = "192.0.2.77"\ncommit_confirm = "1m"\n')


def test_commit_confirmed_is_confirmed_only_from_a_new_session(tmp_path: Path) -> None:
    with XrRouter(tmp_path / "xr") as xr:
        home = tmp_path / "site"
        bgp_site(home, xr_toml())
        write_inventory(home / "inventory.toml", [xr.device_entry(getpass.getuser())])
        out = run_oob("bgp", "announce", PREFIX, "--community", "64500:9", "--json", home=home, timeout=120)
        assert out.returncode == 10, out.stdout + out.stderr  # committed; nothing to confirm it upstream
        route = json.loads(out.stdout)["result"]["execution"]["routes"][0]
        accepted = next(s for s in route["stages"] if s["name"] == "accepted")
        assert "committed with commit-confirmed (1 min) and confirmed from a new session" in accepted["detail"]
        assert "commit confirmed 60" in xr.received and xr.confirmed == 1 and not xr.pending_confirm
        assert "route-policy OOB-BGP-203-0-113-0-24" in xr.running
        assert "set community (64500:9) additive" in xr.running
        assert xr.logins >= 3  # configure, confirm, then the advertised check: each its own login


def test_change_that_cuts_the_console_off_is_never_confirmed(tmp_path: Path) -> None:
    with XrRouter(tmp_path / "xr") as xr:
        xr.cut_off_after_commit = True
        home = tmp_path / "site"
        bgp_site(home, xr_toml())
        write_inventory(home / "inventory.toml", [xr.device_entry(getpass.getuser())])
        out = run_oob("bgp", "announce", PREFIX, home=home, timeout=120)
        assert out.returncode == 8, out.stdout + out.stderr
        assert "could not be reached again to confirm" in out.stdout
        assert "rolled back by the router within 1m" in out.stdout
        assert xr.pending_confirm and xr.confirmed == 0  # left for the router's own rollback


def test_rejected_line_stops_the_change_without_committing(tmp_path: Path) -> None:
    with XrRouter(tmp_path / "xr") as xr:
        xr.reject = "set large-community"  # as a release without large communities would
        home = tmp_path / "site"
        bgp_site(home, xr_toml())
        write_inventory(home / "inventory.toml", [xr.device_entry(getpass.getuser())])
        out = run_oob("bgp", "announce", PREFIX, "--community", "64500:1:2", home=home, timeout=120)
        assert out.returncode == 8, out.stdout + out.stderr
        assert "xr1 rejected 'set large-community (64500:1:2) additive'" in out.stdout
        assert "nothing was committed" in out.stdout
        assert "abort" in xr.received and xr.running == [] and not xr.pending_confirm
