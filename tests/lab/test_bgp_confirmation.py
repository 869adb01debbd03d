"""An announcement is DONE only on evidence from the upstream's side (real ExaBGP, BIRD, FRR).

Upstreams that drop our route (an import filter, a route-map deny, a martian next
hop) must end NOT ACCEPTED (their own view shows it absent) or UNCONFIRMED
(nothing can tell), with a non-zero exit: never DONE. A route-collector API on
loopback (any URL + JSON path) that shows one prefix and not another decides
the last stage of each.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, FrrUpstream, LookingGlass, Upstream, pair
from tests.lab.bgp_site import PREFIX, SpeakerProcess, bgp_site, looking_glass_toml, upstream_toml

pytestmark = pytest.mark.lab

OTHER = "198.51.100.0/24"
EXIT_NOT_ACCEPTED, EXIT_UNCONFIRMED = 8, 10


def routes(out: str) -> dict[str, dict[str, dict[str, Any]]]:
    """upstream -> stage name -> the stage's JSON."""
    result = json.loads(out)["result"]["execution"]
    return {r["upstream"]: {s["name"]: s for s in r["stages"]} for r in result["routes"]}


class Collector:
    """A route collector's JSON API over an upstream's RIB: ``GET /routes/<prefix>`` ->
    ``{"result": {"routes": [{"net": ..., "path": [...]}]}}``; prefixes in ``hidden`` it never saw."""

    def __init__(self, upstream: Upstream, hidden: tuple[str, ...] = ()) -> None:
        self.requests: list[str] = []
        coll = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                prefix = unquote(urlparse(self.path).path.removeprefix("/routes/"))
                coll.requests.append(prefix)
                route = None if prefix in hidden else upstream.routes().get(prefix)
                found = [] if route is None else [{"net": route.prefix, "path": [upstream.local_as, *route.as_path]}]
                body = json.dumps({"result": {"routes": found}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_bird_import_filter_drop_is_not_accepted_and_an_accepted_route_is_done(tmp_path: Path) -> None:
    bird, console = pair(tmp_path / "bird", BirdUpstream)
    bird.reject = [OTHER]
    with bird, LookingGlass(bird) as lg:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("bird", bird, console, looking_glass="lab", visible_expected="1s",
                                     visible_timeout="5s"), looking_glass_url=lg.url)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            ok = run_oob("bgp", "announce", PREFIX, "--json", home=home)
            assert ok.returncode == 0, ok.stdout + ok.stderr
            stage = routes(ok.stdout)["bird"]
            assert stage["visible"]["state"] == "done" and stage["visible"]["proof"] == "the upstream's own view lab"
            assert stage["accepted"]["proof"] == "ExaBGP's ack"
            assert json.loads(ok.stdout)["result"]["execution"]["outcome"] == "DONE"

            dropped = run_oob("bgp", "announce", OTHER, home=home)
            assert dropped.returncode == EXIT_NOT_ACCEPTED, dropped.stdout + dropped.stderr
            assert "NOT ACCEPTED" in dropped.stdout and "DONE:" not in dropped.stdout.splitlines()[0]
            assert "does not show it" in dropped.stdout and "[by the upstream's own view lab]" in dropped.stdout
            assert OTHER not in bird.routes()  # the filter really refused it


def test_frr_route_map_deny_without_a_source_is_unconfirmed_and_with_its_view_not_accepted(tmp_path: Path) -> None:
    frr, console = pair(tmp_path / "frr", FrrUpstream, local_as=64502)
    frr.reject = [PREFIX]
    with frr, LookingGlass(frr) as lg:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("frr", frr, console, visible_expected="1s", visible_timeout="3s"),
                 looking_glass_url=lg.url)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            # FRR treats 127/8 next hops as martian: a usable next hop, refused by policy only
            blind = run_oob("bgp", "announce", PREFIX, "--next-hop", "192.0.2.1", "--json", home=home)
            assert blind.returncode == EXIT_UNCONFIRMED, blind.stdout + blind.stderr
            stage = routes(blind.stdout)["frr"]
            assert stage["advertised"]["state"] == "done"  # in our adj-RIB-out: that alone proves nothing
            assert stage["visible"]["state"] == "unconfirmed" and "no confirmation source" in stage["visible"]["detail"]
        check = run_oob("config", "check", home=home)
        assert "[bgp.upstreams.frr] has no confirmation source" in check.stdout

        config = home / "config.toml"
        config.write_text(config.read_text().replace('visible_expected = "1s"',
                                                     'visible_expected = "1s"\nlooking_glass = "lab"'))
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            seen = run_oob("bgp", "announce", PREFIX, "--next-hop", "192.0.2.1", home=home)
            assert seen.returncode == EXIT_NOT_ACCEPTED, seen.stdout + seen.stderr
            assert "NOT ACCEPTED" in seen.stdout and PREFIX not in frr.routes()


def test_frr_dropping_for_its_next_hop_is_not_accepted(tmp_path: Path) -> None:
    frr, console = pair(tmp_path / "frr", FrrUpstream, local_as=64502)
    with frr, LookingGlass(frr) as lg:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("frr", frr, console, looking_glass="lab", visible_expected="1s",
                                     visible_timeout="3s"), looking_glass_url=lg.url)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            # next hop "self" is the session's 127/8 address: FRR takes the UPDATE and drops the route
            out = run_oob("bgp", "announce", PREFIX, "--json", home=home)
            assert out.returncode == EXIT_NOT_ACCEPTED, out.stdout + out.stderr
            stage = routes(out.stdout)["frr"]
            assert stage["advertised"]["state"] == "done" and stage["visible"]["state"] == "rejected"
            assert PREFIX not in frr.routes()


def test_a_route_collector_api_decides_the_stage_seen_and_missing(tmp_path: Path) -> None:
    bird, console = pair(tmp_path / "bird", BirdUpstream)
    with bird:
        collector = Collector(bird, hidden=(OTHER,))
        try:
            home = tmp_path / "site"
            toml = looking_glass_toml("rc", collector.url + "/routes/{prefix}", kind="json", routes="result.routes",
                                      prefix_field="net", origin_field="path")
            bgp_site(home, upstream_toml("bird", bird, console, collectors=["rc"], visible_expected="1s",
                                         visible_timeout="3s"), extra="", looking_glass_url="")
            config = home / "config.toml"
            config.write_text(config.read_text() + toml)
            with SpeakerProcess(home) as speaker:
                speaker.wait_sessions_up()
                seen = run_oob("bgp", "announce", PREFIX, "--json", home=home)
                assert seen.returncode == 0, seen.stdout + seen.stderr
                visible = routes(seen.stdout)["bird"]["visible"]
                assert visible["state"] == "done" and visible["proof"] == "route collector rc"
                missing = run_oob("bgp", "announce", OTHER, "--json", home=home)
                # BIRD has it, but the only source never sees it: a collector's silence is not a refusal
                assert missing.returncode == EXIT_UNCONFIRMED, missing.stdout + missing.stderr
                assert OTHER in bird.routes()
                visible = routes(missing.stdout)["bird"]["visible"]
                assert visible["state"] == "unconfirmed" and "route collector rc" in visible["detail"]
            assert PREFIX in collector.requests and OTHER in collector.requests
        finally:
            collector.close()
