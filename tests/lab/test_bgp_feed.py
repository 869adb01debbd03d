"""A second upstream's feed confirms the first (real ExaBGP and two BIRDs on loopback).

Our ExaBGP peers with upstream A (BIRD, AS 64501) and upstream B (BIRD, AS
64502); A and B peer with each other, A passes our prefix on to B, and B sends
our session what it learned. An announcement through A only is DONE when the
prefix comes back on B's session with A's AS in the path; when A's import
filter refuses the prefix the feed never shows it, and with no other source
the result is UNCONFIRMED (exit 10): a feed's silence is never NOT ACCEPTED.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, link, pair
from tests.lab.bgp_site import LOCAL_AS, PREFIX, SpeakerProcess, bgp_site, upstream_toml

pytestmark = pytest.mark.lab

OTHER = "198.51.100.0/24"
EXIT_UNCONFIRMED = 10


def _stages(out: str, upstream: str) -> dict[str, dict[str, str]]:
    execution = json.loads(out)["result"]["execution"]
    return {s["name"]: s for r in execution["routes"] if r["upstream"] == upstream for s in r["stages"]}


def test_a_route_seen_on_the_second_upstreams_feed_is_done_and_a_refused_one_unconfirmed(tmp_path: Path) -> None:
    a, console_a = pair(tmp_path / "a", BirdUpstream, local_as=64501)
    b, console_b = pair(tmp_path / "b", BirdUpstream, local_as=64502)
    a.reject = [OTHER]  # A's import filter refuses this one: it never reaches B
    b.export = True  # B sends our session what it learned (its feed)
    link(a, b)
    with a, b:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("isp-a", a, console_a, visible_expected="1s", visible_timeout="6s",
                                     extra='feeds = ["isp-b"]\n')
                 + upstream_toml("isp-b", b, console_b))
        check = run_oob("config", "check", home=home)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "[bgp.upstreams.isp-a] has no confirmation source" not in check.stdout  # the feed counts
        assert "[bgp.upstreams.isp-b] has no confirmation source" in check.stdout  # B itself has none
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            a.wait_established()
            b.wait_established()
            _wait_link(a)

            ok = run_oob("bgp", "announce", PREFIX, "--upstream", "isp-a", "--json", home=home)
            assert ok.returncode == 0, ok.stdout + ok.stderr
            visible = _stages(ok.stdout, "isp-a")["visible"]
            assert visible["state"] == "done" and visible["proof"] == "feed via isp-b", visible
            assert visible["detail"].startswith(f"seen on isp-b's feed (path 64502 64501 {LOCAL_AS}")
            assert json.loads(ok.stdout)["result"]["execution"]["outcome"] == "DONE"
            assert b.routes()[PREFIX].as_path == [64501, LOCAL_AS]  # B really has it, through A

            refused = run_oob("bgp", "announce", OTHER, "--upstream", "isp-a", "--json", home=home)
            assert refused.returncode == EXIT_UNCONFIRMED, refused.stdout + refused.stderr
            visible = _stages(refused.stdout, "isp-a")["visible"]
            assert visible["state"] == "unconfirmed" and "not on isp-b's feed" in visible["detail"], visible
            assert OTHER not in a.routes() and OTHER not in b.routes()  # A's filter really refused it

            text = run_oob("bgp", "announce", OTHER, "--upstream", "isp-a", home=home)
            assert text.returncode == EXIT_UNCONFIRMED and "NOT ACCEPTED" not in text.stdout

            # the withdrawal travels A -> B -> our feed session too: gone from the feed is its evidence
            gone = run_oob("bgp", "withdraw", PREFIX, "--upstream", "isp-a", "--json", home=home)
            assert gone.returncode == 0, gone.stdout + gone.stderr
            visible = _stages(gone.stdout, "isp-a")["visible"]
            assert visible["state"] == "done" and visible["detail"] == "not on isp-b's feed", visible
            assert PREFIX not in b.routes()


def _wait_link(a: BirdUpstream, timeout: float = 15) -> None:
    """A's session to B (protocol peer0) established."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Established" in a.birdc("show", "protocols", "peer0"):
            return
        time.sleep(0.05)
    raise AssertionError(f"A-B session not up: {a.birdc('show', 'protocols', 'all', 'peer0')}")
