"""Received UPDATEs of a feed session: read from ExaBGP's own JSON encoder, kept only inside our blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.bgp.speaker_exabgp import ExabgpSpeaker, Neighbor, render_config, update_event
from oob_console.errors import UnavailableError


def _exabgp_update(announce: list[str], withdraw: list[str], path: list[int], *, peer: str = "127.0.0.2") -> str:
    """An UPDATE as ExaBGP 5's JSON encoder writes it to our API process."""
    from exabgp.bgp.message import Action
    from exabgp.bgp.message.update import Update
    from exabgp.bgp.message.update.attribute import Attributes
    from exabgp.bgp.message.update.attribute.aspath import SEQUENCE, ASPath
    from exabgp.bgp.message.update.attribute.origin import Origin
    from exabgp.bgp.message.update.nlri.cidr import CIDR
    from exabgp.bgp.message.update.nlri.inet import INET
    from exabgp.protocol.family import AFI, SAFI
    from exabgp.protocol.ip import IP
    from exabgp.reactor.api.response.json import JSON

    def nlri(prefix: str, action: Action) -> INET:
        n = INET(AFI.ipv4, SAFI.unicast, action)
        net, length = prefix.split("/")
        n.cidr = CIDR(IP.pton(net), int(length))
        n.nexthop = IP.create("127.0.0.5")
        return n

    attrs = Attributes()
    if announce:
        attrs.add(Origin(Origin.IGP))
        attrs.add(ASPath([SEQUENCE(path)]))
    update = Update([nlri(p, Action.ANNOUNCE) for p in announce] + [nlri(p, Action.WITHDRAW) for p in withdraw],
                    attrs)

    class Peer(dict):  # type: ignore[type-arg]
        def __init__(self) -> None:
            super().__init__({"local-address": "127.0.0.3", "peer-address": peer, "local-as": 64500,
                              "peer-as": 64502, "router-id": "192.0.2.250"})

    encoder = JSON("5.0.0")
    encoder._counter = lambda neighbor: 1  # type: ignore[method-assign]
    return str(encoder.update(Peer(), "receive", update, None, b"", b""))


def test_updates_are_read_from_exabgps_own_json_encoder() -> None:
    line = _exabgp_update(["203.0.113.0/24"], ["198.51.100.0/24"], [64502, 64501, 64500])
    assert update_event(line) == ("127.0.0.2", [("203.0.113.0/24", (64502, 64501, 64500))], ["198.51.100.0/24"])
    assert update_event('{"type": "state", "neighbor": {}}') is None and update_event("{nope") is None
    assert update_event('{"type": "update", "neighbor": {"direction": "send", "address": {"peer": "p"}, '
                        '"message": {"update": {}}}}') is None  # what we sent is not a feed


def test_a_feed_session_asks_exabgp_for_received_updates_and_others_do_not() -> None:
    feed = render_config([Neighbor("isp-b", "198.51.100.5", 64502, "198.51.100.6", receive=True)],
                         local_as=64500, router_id="192.0.2.9", helper=["h"])
    assert "receive {" in feed and "parsed;" in feed and "update;" in feed
    assert "receive" not in render_config([Neighbor("isp-a", "198.51.100.1", 64501, "198.51.100.2")],
                                          local_as=64500, router_id="192.0.2.9", helper=["h"])


def test_only_our_prefixes_are_kept_and_a_closed_session_forgets_them(tmp_path: Path) -> None:
    speaker = ExabgpSpeaker(runtime_dir=tmp_path / "run", exabgp="exabgp", local_as=64500, router_id="192.0.2.9",
                            neighbors=[Neighbor("isp-a", "127.0.0.9", 64501, "127.0.0.3"),
                                       Neighbor("isp-b", "127.0.0.2", 64502, "127.0.0.3", receive=True)],
                            keep=["203.0.113.0/24"])
    speaker.on_state("127.0.0.2", "up", "")
    full_table = [f"10.{i // 256}.{i % 256}.0/24" for i in range(2000)]
    for event in (update_event(_exabgp_update([*full_table, "203.0.113.0/25"], [], [64502, 64501, 64500])),
                  update_event(_exabgp_update(["203.0.113.0/24"], [], [64502, 64501, 64500]))):
        assert event is not None
        speaker.on_update(*event)
    assert speaker._received["isp-b"] == {"203.0.113.0/25": (64502, 64501, 64500),
                                          "203.0.113.0/24": (64502, 64501, 64500)}  # nothing of the table
    got = speaker.received("isp-b", "203.0.113.0/24")
    assert got.up and got.path == (64502, 64501, 64500)
    event = update_event(_exabgp_update([], ["203.0.113.0/25"], []))
    assert event is not None
    speaker.on_update(*event)
    assert speaker.received("isp-b", "203.0.113.0/25").path is None
    speaker.on_state("127.0.0.2", "down", "peer reset")
    got = speaker.received("isp-b", "203.0.113.0/24")
    assert not got.up and got.path is None and "peer reset" in got.detail
    with pytest.raises(UnavailableError, match="not watched"):
        speaker.received("isp-a", "203.0.113.0/24")
