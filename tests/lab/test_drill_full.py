"""The whole drill on a loopback site: routers, three kinds of console, BGP, comms endpoints and a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lab.drill_site import DRILL_PREFIX, DrillSite, skip_unless_drill_lab
from tests.lab.softsk import SoftDevice

pytestmark = pytest.mark.lab


def test_every_recovery_path_is_drilled_and_the_drill_passes(tmp_path: Path) -> None:
    skip_unless_drill_lab()
    with DrillSite(tmp_path, tmp_path / "site") as lab:
        out = lab.oob("drill", "run", "--json", timeout=300)
        report = json.loads(out.stdout)["result"]
        steps = {(s["kind"], s["target"]): s for s in report["steps"]}
        bad = {k: s["detail"] for k, s in steps.items() if s["status"] != "pass"}
        assert not bad, bad
        assert out.returncode == 0 and report["verdict"] == "pass" and report["missing"] == {}
        assert {t for k, t in steps if k == "console-ports"} == {"r1", "r2", "r3"}
        assert {t for k, t in steps if k == "ssh-devices"} == {"r1", "r2", "r3"}
        assert steps[("console-ports", "r1")]["detail"].startswith("prompt 'r1 login:'")
        assert "via ssh alice:port5@127.0.0.1" in steps[("console-ports", "r1")]["detail"]
        assert "via telnet 127.0.0.1" in steps[("console-ports", "r2")]["detail"]
        assert "via serial" in steps[("console-ports", "r3")]["detail"]
        assert "with the pinned host key; 'show version' answered" in steps[("ssh-devices", "r2")]["detail"]
        assert all(s["seconds"] > 0 for s in report["steps"] if s["status"] == "pass")
        assert steps[("bgp-sessions", "bird")]["detail"].startswith("session to 127.")
        assert steps[("bgp-drill-prefix", "bird")]["detail"] == (
            f"{DRILL_PREFIX} announced and withdrawn via bird, every stage confirmed")
        assert DRILL_PREFIX not in lab.bird.routes()
        posts = lab.comms.slack_posts  # automatic notices: drill start and end, the drill prefix out and back
        assert any(f"drill: announced {DRILL_PREFIX}" in p and "every stage confirmed" in p for p in posts)
        assert any(f"drill: withdrew {DRILL_PREFIX}" in p for p in posts)
        assert any("break-glass drill" in p and ": pass (" in p for p in posts)
        listing = lab.oob("drill", "report")
        assert f"last passing drill: {report['id']}, 0.0 days ago" in listing.stdout
        actions = [e["action"] for e in json.loads(lab.oob("audit", "show", "--json").stdout)["result"]]
        assert actions.count("session.console.wake") == 3 and actions.count("drill.ssh.finish") == 3


def test_a_changed_host_key_and_a_dead_console_line_fail_their_steps(tmp_path: Path) -> None:
    skip_unless_drill_lab()
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "devices"\n[[steps]]\nkind = "ssh-devices"\n[[steps]]\nkind = "console-ports"\n'
                    'timeout = 3\n')
    with DrillSite(tmp_path, tmp_path / "site") as lab:
        lab.routers["r2"].rotate_host_key()  # a changed key is refused, never accepted
        lab.lines["r3"].stop()  # the serial line is gone
        out = lab.oob("drill", "run", "--plan", str(plan), "--json", timeout=120)
        assert out.returncode == 1, out.stdout + out.stderr
        steps = {(s["kind"], s["target"]): s for s in json.loads(out.stdout)["result"]["steps"]}
        assert steps[("ssh-devices", "r1")]["status"] == "pass"
        r2 = steps[("ssh-devices", "r2")]
        assert r2["status"] == "fail" and "host key" in r2["detail"].lower()
        r3 = steps[("console-ports", "r3")]
        assert r3["status"] == "fail" and r3["seconds"] < 10
        assert steps[("console-ports", "r1")]["status"] == "pass"


def test_a_site_whose_only_engineer_has_an_ssh_sk_key_passes_a_drill_end_to_end(tmp_path: Path,
                                                                                  soft_device: SoftDevice) -> None:
    skip_unless_drill_lab()
    with DrillSite(tmp_path, tmp_path / "site", sk_device=soft_device) as lab:
        before = json.loads(lab.oob("drill", "run", "--json", timeout=300).stdout)["result"]
        (untested,) = [s for s in before["steps"] if s["kind"] == "keys"]
        assert untested["status"] == "skipped" and "ssh-keygen -Y sign" in untested["detail"]
        assert before["verdict"] == "incomplete"

        intent_id = lab.sk_drill_approval()  # stock ssh-keygen -Y sign, verified like any approval
        out = lab.oob("drill", "run", "--json", timeout=300)
        report = json.loads(out.stdout)["result"]
        bad = {(s["kind"], s["target"]): s["detail"] for s in report["steps"] if s["status"] != "pass"}
        assert not bad, bad
        assert out.returncode == 0 and report["verdict"] == "pass"
        (keys,) = [s for s in report["steps"] if s["kind"] == "keys"]
        assert keys["target"].startswith("SHA256:") and f"signed drill intent {intent_id}" in keys["detail"]
        assert "last passing drill: " + report["id"] in lab.oob("drill", "report").stdout
