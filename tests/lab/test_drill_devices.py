"""The drill on a loopback site with real routers, three kinds of console, comms endpoints and a key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.lab.drill_site import DrillSite, skip_unless_drill_lab

pytestmark = pytest.mark.lab


def test_every_console_port_device_key_and_channel_is_drilled(site: Path, tmp_path: Path) -> None:
    skip_unless_drill_lab()
    with DrillSite(tmp_path, site) as lab:
        out = lab.oob("drill", "run", "--json", timeout=300)
        report = json.loads(out.stdout)["result"]
        steps = {(s["kind"], s["target"]): s for s in report["steps"]}
        # This site configures consoles, devices, keys and a channel, but no BGP: those steps must
        # say so (BGP drills run against real upstreams in the BGP lab tests).
        unconfigured = {k for k in steps if k[0].startswith("bgp-")}
        assert all(steps[k]["status"] == "skipped" and "nothing of this kind is configured" in steps[k]["detail"]
                   for k in unconfigured), {k: steps[k] for k in unconfigured}
        bad = {k: s["detail"] for k, s in steps.items()
               if k not in unconfigured and s["status"] not in ("pass", "missing")}
        assert not bad, bad
        assert {t for k, t in steps if k == "console-ports"} == {"r1", "r2", "r3"}
        assert {t for k, t in steps if k == "ssh-devices"} == {"r1", "r2", "r3"}
        assert steps[("console-ports", "r1")]["detail"].startswith("prompt 'r1 login:'")
        assert "via ssh alice:port5@127.0.0.1" in steps[("console-ports", "r1")]["detail"]
        assert "via telnet 127.0.0.1" in steps[("console-ports", "r2")]["detail"]
        assert "via serial" in steps[("console-ports", "r3")]["detail"]
        assert "with the pinned host key; 'show version' answered" in steps[("ssh-devices", "r2")]["detail"]
        assert all(s["seconds"] > 0 for s in report["steps"] if s["status"] == "pass")
        missing = set(report["missing"])
        # a drill that could not exercise every path (here: no BGP configured) is incomplete, never a pass
        assert report["verdict"] == ("incomplete" if missing or unconfigured else "pass")
        assert out.returncode == (10 if missing or unconfigured else 0), out.stdout + out.stderr
        assert missing <= {"bgp-sessions", "bgp-drill-prefix"}
        actions = [e["action"] for e in json.loads(lab.oob("audit", "show", "--json").stdout)["result"]]
        assert actions.count("session.console.wake") == 3 and actions.count("drill.ssh.finish") == 3


def test_a_changed_host_key_and_a_dead_console_line_fail_their_steps(site: Path, tmp_path: Path) -> None:
    skip_unless_drill_lab()
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "devices"\n[[steps]]\nkind = "ssh-devices"\n[[steps]]\nkind = "console-ports"\n'
                    'timeout = 3\n')
    with DrillSite(tmp_path, site) as lab:
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
