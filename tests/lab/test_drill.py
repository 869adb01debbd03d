"""`oob drill` against the namespace lab: real routes, a real TCP uplink, real HTTP comms endpoints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.comms_servers import write_channel_config
from tests.lab.netns import OOB_GW, PRODUCTION_TOML, NetnsLab, enroll_software_key, netns_lab
from tests.lab.routers import write_inventory

pytestmark = pytest.mark.lab

BUILT = {"doctor", "uplink", "comms", "freshness", "keys"}


@pytest.fixture
def lab() -> Iterator[NetnsLab]:
    with netns_lab() as net:
        yield net


def configure(site: Path, base: str, uplink: str) -> None:
    cfg = site / "config.toml"
    comms = write_channel_config(site, base, timeout=2.0)
    drill = f'\n[drill]\nuplink = ["{uplink}"]\nstep_timeout = 20.0\n'
    cfg.write_text(cfg.read_text() + PRODUCTION_TOML + comms + drill + "\n[auth]\nallow_software_keys = true\n")
    (site / "runbooks" / "withdraw-drill-prefix.md").write_text("# withdraw the drill prefix\n")
    write_inventory(site / "inventory.toml", [])  # no devices in this lab: see test_drill_devices.py


def test_a_drill_runs_every_built_step_for_real_and_names_what_is_missing(lab: NetnsLab, site: Path,
                                                                          tmp_path: Path) -> None:
    base = lab.comms_server(tmp_path)
    configure(site, base, base.removeprefix("http://"))
    enroll_software_key(site, tmp_path / "alice.softkey")
    dry = lab.run_oob("drill", "run", "--dry-run", "--json", home=site)
    assert dry.returncode == 0, dry.stderr
    assert lab.comms_received() == {} or lab.comms_received()["requests"] == 0  # a dry run sends nothing

    out = lab.run_oob("drill", "run", "--json", home=site, env={"OOB_SOFT_KEY": str(tmp_path / "alice.softkey")})
    assert out.returncode == 10, out.stdout + out.stderr  # incomplete: nothing failed, some kinds not configured
    report = json.loads(out.stdout)["result"]
    by_kind = {(s["kind"], s["target"]): s for s in report["steps"]}
    assert {k for k, _ in by_kind if by_kind[(k, _)]["status"] == "pass"} == BUILT
    assert set(report["missing"]) == set()  # every kind is built (BGP drills: tests/lab/test_bgp_drill.py)
    assert {s["kind"] for s in report["steps"] if s["status"] == "skipped"} == {
        "console-ports", "ssh-devices", "bgp-sessions", "bgp-drill-prefix"}
    (key,) = [s for s in report["steps"] if s["kind"] == "keys"]
    assert key["target"].startswith("fido2:") and key["detail"].startswith("alice's software key signed (counter")
    assert {s["status"] for s in report["steps"] if s["kind"] not in BUILT} == {"skipped"}
    comms = [s for s in report["steps"] if s["kind"] == "comms"]
    assert sorted(s["target"] for s in comms) == ["hook", "matrix", "pd", "slack"]
    assert all(s["seconds"] > 0 for s in report["steps"] if s["kind"] in BUILT)
    assert by_kind[("uplink", base.removeprefix("http://"))]["detail"].startswith("TCP connect in")
    received = lab.comms_received()
    # each channel: the drill-start notice, its own test message, and the drill-finish notice
    assert len(received["slack_posts"]) == 3 and len(received["matrix_events"]) == 3
    assert any("test message" in p for p in received["slack_posts"])
    assert any("incomplete" in p for p in received["slack_posts"])

    md_path, json_path = Path(report["files"][1]), Path(report["files"][0])
    assert md_path.read_text().startswith("# Break-glass drill, site test: INCOMPLETE")
    assert json.loads(json_path.read_text())["id"] == report["id"]
    last = lab.run_oob("drill", "report", "--last", home=site)
    assert last.returncode == 0 and last.stdout == md_path.read_text()
    listing = lab.run_oob("drill", "report", home=site)
    assert report["id"] in listing.stdout and "no passing drill on record" in listing.stdout
    audit = json.loads(lab.run_oob("audit", "show", "--action", "drill.", "--json", home=site).stdout)["result"]
    assert audit[0]["action"] == "drill.start" and audit[-1]["outcome"] == "incomplete"


def test_a_dead_uplink_target_fails_the_drill(lab: NetnsLab, site: Path, tmp_path: Path) -> None:
    base = lab.comms_server(tmp_path)
    configure(site, base, f"{OOB_GW}:9")  # nothing listens there: refused over the OOB path
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "uplink only"\n[[steps]]\nkind = "uplink"\n[[steps]]\nkind = "doctor"\n')
    out = lab.run_oob("drill", "run", "--plan", str(plan), home=site)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "| 1 | uplink | 10.77.1.1:9 | fail |" in out.stdout and "cannot connect to 10.77.1.1:9" in out.stdout
    assert "## Not in this plan" in out.stdout and "- comms: " in out.stdout
