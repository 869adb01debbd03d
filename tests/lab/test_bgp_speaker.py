"""Emergency BGP end to end against real upstreams: BIRD 2 and FRR, ExaBGP as our speaker."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, FrrUpstream, LookingGlass, pair
from tests.lab.bgp_site import PREFIX, SpeakerProcess, bgp_site, upstream_toml

pytestmark = pytest.mark.lab


def audit_actions(home: Path) -> list[str]:
    return [json.loads(line)["action"] for line in (home / "audit.jsonl").read_text().splitlines()]


def test_announce_reaches_bird_and_frr_with_attributes_then_withdraw(tmp_path: Path) -> None:
    bird, console_b = pair(tmp_path / "bird", BirdUpstream, local_as=64501)
    frr, console_f = pair(tmp_path / "frr", FrrUpstream, local_as=64502)
    with bird, frr, LookingGlass(bird) as lg:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("bird", bird, console_b, looking_glass="lab")
                 + upstream_toml("frr", frr, console_f), looking_glass_url=lg.url)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            # FRR treats 127/8 next hops as martian: announce with a next hop outside it
            out = run_oob("bgp", "announce", PREFIX, "--community", "no-export", "--community", "64500:42",
                          "--prepend", "1", "--next-hop", "192.0.2.1", "--lease", "1h", "--json", home=home)
            assert out.returncode == 0, out.stdout + out.stderr
            result = json.loads(out.stdout)["result"]["execution"]
            states = {(r["upstream"], s["name"]): s["state"] for r in result["routes"] for s in r["stages"]}
            assert states == {("bird", "accepted"): "done", ("bird", "advertised"): "done",
                              ("bird", "visible"): "done", ("frr", "accepted"): "done",
                              ("frr", "advertised"): "done", ("frr", "visible"): "skipped"}
            for up in (bird, frr):
                route = up.wait_route(PREFIX)
                assert route is not None
                assert route.as_path == [64500, 64500]
                assert route.next_hop == "192.0.2.1"
                assert sorted(route.communities) in (["64500:42", "65535:65281"], ["64500:42", "no-export"])
            assert lg.requests >= 1

            out = run_oob("bgp", "withdraw", PREFIX, "--json", home=home)
            assert out.returncode == 0, out.stdout + out.stderr
            bird.wait_route(PREFIX, present=False)
            frr.wait_route(PREFIX, present=False)
        actions = audit_actions(home)
        for action in ("bgp.intent.create", "bgp.announce", "bgp.announce.result", "bgp.withdraw",
                       "bgp.stage", "bgp.supervisor.start", "bgp.speaker.start"):
            assert action in actions, action
