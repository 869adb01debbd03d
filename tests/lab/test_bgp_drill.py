"""`oob drill` exercising emergency BGP for real: the session is up, the drill prefix goes out and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, LookingGlass, pair
from tests.lab.bgp_site import SpeakerProcess, bgp_site, upstream_toml

pytestmark = pytest.mark.lab
DRILL = "198.51.100.0/24"
PLAN = '''name = "bgp drill"
[[steps]]
kind = "bgp-sessions"
[[steps]]
kind = "bgp-drill-prefix"
'''


def test_drill_checks_sessions_and_announces_then_withdraws_the_drill_prefix(tmp_path: Path) -> None:
    bird, console = pair(tmp_path / "bird", BirdUpstream)
    with bird, LookingGlass(bird) as lg:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("bird", bird, console, looking_glass="lab"), approvals=2,
                 looking_glass_url=lg.url, extra=f'drill_prefix = "{DRILL}"\n')
        plan = tmp_path / "plan.toml"
        plan.write_text(PLAN)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            out = run_oob("drill", "run", "--plan", str(plan), "--unattended", "--json", home=home, timeout=120)
            assert out.returncode == 0, out.stdout + out.stderr
            steps = {(s["kind"], s["target"]): s for s in json.loads(out.stdout)["result"]["steps"]}
            assert steps[("bgp-sessions", "bird")]["status"] == "pass"
            drilled = steps[("bgp-drill-prefix", "bird")]
            assert drilled["status"] == "pass", drilled["detail"]
            assert drilled["detail"] == f"{DRILL} announced and withdrawn via bird, every stage confirmed"
            assert DRILL not in bird.routes()  # withdrawn again
            assert lg.requests >= 2  # seen upstream, then gone
            # the drill exemption is for the drill only: the same prefix through `oob bgp` needs the quorum
            asked = json.loads(run_oob("bgp", "announce", DRILL, "--json", home=home).stdout)["result"]
            assert asked["intent"]["status"] == "pending" and asked["intent"]["ticket"]
        entries = [json.loads(line) for line in (home / "audit.jsonl").read_text().splitlines()]
        drills = [e for e in entries if e["action"] == "bgp.intent.create" and e["details"].get("drill")]
        assert len(drills) == 2 and all(e["details"]["approvals_required"] == 0 for e in drills)
