"""Preflight refuses a next hop the upstream cannot use on that session, with the fix."""

from __future__ import annotations

import pytest

from oob_console.core.bgp.intent import BgpIntent, make_route
from oob_console.core.bgp.preflight import (
    BgpPolicy,
    JournalView,
    OwnedBlock,
    UpstreamPolicy,
    VrpSnapshot,
    run_preflight,
)


def next_hop(prefix: str, hop: str, **session: str) -> tuple[str, str, str]:
    up = UpstreamPolicy("isp", "exabgp", allow_bogons=True, families=("ipv4", "ipv6"),
                        session_version=4 if "." in session.get("session_local", "1.1.1.1") else 6, **session)
    policy = BgpPolicy(64500, (OwnedBlock(prefix, 48, 64500),), {"isp": up})
    intent = BgpIntent("announce", make_route(prefix, origin_as=64500, next_hop=hop), ("isp",), 3600, "t",
                       "2026-12-08T00:00:00Z", "2026-12-08T00:30:00Z", "n")
    report = run_preflight(intent, policy, VrpSnapshot("none"), JournalView(), now=0.0)
    check = next(c for c in report.checks if c.name == "next-hop")
    return check.status, check.detail, check.hint


@pytest.mark.parametrize(("hop", "session", "status", "words"), [
    # the issue's false success: "self" was the session's loopback-range local address
    ("self", {"session_local": "127.0.0.3", "session_peer": "198.51.100.1"}, "fail", "loopback"),
    ("127.0.0.9", {"session_local": "198.51.100.2", "session_peer": "198.51.100.1"}, "fail", "loopback"),
    # same host (a lab, a local route server): usable, but some implementations drop it
    ("self", {"session_local": "127.0.0.3", "session_peer": "127.0.0.2"}, "warn", "FRR"),
    # single-hop eBGP: the next hop must be on the link
    ("192.0.2.77", {"session_local": "198.51.100.2", "session_peer": "198.51.100.1",
                    "session_subnet": "198.51.100.0/30"}, "fail", "not on the link 198.51.100.0/30"),
    ("198.51.100.2", {"session_local": "198.51.100.2", "session_peer": "198.51.100.1",
                      "session_subnet": "198.51.100.0/30"}, "pass", "198.51.100.2"),
    ("self", {"session_local": "198.51.100.2", "session_peer": "198.51.100.1",
              "session_subnet": "198.51.100.0/30"}, "pass", "self (198.51.100.2"),
    # wrong family
    ("2001:db8::1", {"session_local": "198.51.100.2", "session_peer": "198.51.100.1"}, "fail", "IPv6 for an IPv4"),
])
def test_next_hop_usable_on_the_session(hop: str, session: dict[str, str], status: str, words: str) -> None:
    got, detail, hint = next_hop("203.0.113.0/24", hop, **session)
    assert got == status and words in detail, detail
    if status == "fail":
        assert hint  # always with the fix


def test_self_on_an_ipv4_session_for_an_ipv6_prefix() -> None:
    got, detail, hint = next_hop("2001:db8:1::/48", "self", session_local="198.51.100.2",
                                 session_peer="198.51.100.1")
    assert got == "fail" and "needs an IPv6 next hop" in detail and "--next-hop" in hint
