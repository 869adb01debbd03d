"""What we tell ExaBGP: its config and the API commands (pure renderers)."""

from __future__ import annotations

from oob_console.adapters.bgp.speaker_exabgp import Neighbor, render_config, route_command
from oob_console.core.bgp.desired import Change
from oob_console.core.bgp.intent import make_route


def test_config_has_our_process_api_and_each_session() -> None:
    text = render_config([Neighbor("isp", "198.51.100.1", 64501, "198.51.100.2", 1179, ("ipv4", "ipv6"), 30, "s3")],
                         local_as=64500, router_id="192.0.2.9", helper=["/py", "-I", "-S", "/b.py", "/run/api.sock"])
    assert "run /py -I -S /b.py /run/api.sock;" in text and "encoder json;" in text
    for line in ("neighbor 198.51.100.1 {", "local-address 198.51.100.2;", "local-as 64500;", "peer-as 64501;",
                 "connect 1179;", "hold-time 30;", 'md5-password "s3";', "ipv4 unicast;", "ipv6 unicast;",
                 "processes [ oob-console ];", "neighbor-changes;", 'description "isp";'):
        assert line in text, line
    assert "connect" not in render_config([Neighbor("x", "198.51.100.1", 1, "198.51.100.2")], local_as=1,
                                          router_id="1.1.1.1", helper=["h"])


def test_commands_carry_numeric_communities_and_the_path() -> None:
    route = make_route("203.0.113.0/24", origin_as=64500, communities=["no-export", "64500:1", "64500:1:2"],
                       prepend=2, next_hop="192.0.2.1")
    assert route_command(Change("announce", "isp", route, 1), "198.51.100.1", 64500) == (
        "neighbor 198.51.100.1 announce route 203.0.113.0/24 next-hop 192.0.2.1 community [ 64500:1 65535:65281 ] "
        "large-community [ 64500:1:2 ] as-path [ 64500 64500 64500 ]")
    assert route_command(Change("withdraw", "isp", route, 2), "198.51.100.1", 64500) == (
        "neighbor 198.51.100.1 withdraw route 203.0.113.0/24")
    other = make_route("203.0.113.0/24", origin_as=64510)
    assert route_command(Change("announce", "isp", other, 1), "p", 64500).endswith(
        "next-hop self as-path [ 64500 64510 ]")


def test_state_events_are_read_from_exabgps_own_json_encoder() -> None:
    from exabgp.reactor.api.response.json import JSON

    from oob_console.adapters.bgp.speaker_exabgp import state_event

    class Neighbor(dict):  # what ExaBGP's encoder reads from its neighbour object
        def __init__(self) -> None:
            super().__init__({"local-address": "127.0.0.3", "peer-address": "127.0.0.2", "local-as": 64500,
                              "peer-as": 64501, "router-id": "192.0.2.250"})

    encoder = JSON("6.0.0")
    encoder._counter = lambda neighbor: 1  # type: ignore[method-assign]
    assert state_event(encoder.up(Neighbor())) == ("127.0.0.2", "up", "")
    assert state_event(encoder.connected(Neighbor())) == ("127.0.0.2", "connected", "")
    assert state_event(encoder.down(Neighbor(), "peer reset the session")) == ("127.0.0.2", "down",
                                                                                "peer reset the session")
    assert state_event('{"type": "update", "neighbor": {}}') is None and state_event("{not json") is None
