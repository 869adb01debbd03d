"""Router templates: what each platform gets to announce and to withdraw."""

from __future__ import annotations

import pytest

from oob_console.core.bgp.intent import make_route
from oob_console.core.bgp.router_config import (
    ROUTER_PLATFORMS,
    advertised_command,
    advertised_in,
    policy_name,
    router_lines,
)

FULL = make_route("203.0.113.0/24", origin_as=64500, communities=["no-export", "64500:7", "64500:1:2"], prepend=2,
                  next_hop="192.0.2.1")


def test_frr_announce_and_withdraw() -> None:
    assert router_lines("frr", local_as=64500, route=FULL, announce=True) == [
        "ip route 203.0.113.0/24 blackhole",
        "route-map OOB-BGP-203-0-113-0-24 permit 10",
        " set community 64500:7 no-export additive",
        " set large-community 64500:1:2 additive",
        " set as-path prepend 64500 64500",
        " set ip next-hop 192.0.2.1",
        "exit",
        "router bgp 64500", " address-family ipv4 unicast",
        "  network 203.0.113.0/24 route-map OOB-BGP-203-0-113-0-24",
        " exit-address-family", "exit"]
    assert router_lines("frr", local_as=64500, route=FULL, announce=False) == [
        "router bgp 64500", " address-family ipv4 unicast", "  no network 203.0.113.0/24",
        " exit-address-family", "exit", "no route-map OOB-BGP-203-0-113-0-24", "no ip route 203.0.113.0/24 blackhole"]


def test_ios_uses_masks_and_refuses_large_communities() -> None:
    plain = make_route("203.0.113.0/24", origin_as=64500, communities=["no-export"])
    lines = router_lines("ios", local_as=64500, route=plain, announce=True)
    assert lines[0] == "ip route 203.0.113.0 255.255.255.0 Null0"
    assert "  network 203.0.113.0 mask 255.255.255.0 route-map OOB-BGP-203-0-113-0-24" in lines
    with pytest.raises(ValueError, match="large communities"):
        router_lines("ios", local_as=64500, route=FULL, announce=True)


def test_iosxr_route_policy() -> None:
    lines = router_lines("iosxr", local_as=64500, route=FULL, announce=True)
    assert "  set community (64500:7, no-export) additive" in lines
    assert "  prepend as-path 64500 2" in lines and "end-policy" in lines
    assert "  network 203.0.113.0/24 route-policy OOB-BGP-203-0-113-0-24" in lines


def test_junos_needs_a_group_and_exports_through_it() -> None:
    with pytest.raises(ValueError, match="BGP group"):
        router_lines("junos", local_as=64500, route=FULL, announce=True)
    lines = router_lines("junos", local_as=64500, route=FULL, announce=True, bgp_group="transit")
    assert lines[0] == "set routing-options static route 203.0.113.0/24 discard"
    assert "set policy-options community OOB-BGP-203-0-113-0-24-C members [ 64500:7 no-export ]" in lines
    assert lines[-1] == "set protocols bgp group transit export OOB-BGP-203-0-113-0-24"
    assert router_lines("junos", local_as=64500, route=FULL, announce=False, bgp_group="transit")[0] == (
        "delete protocols bgp group transit export OOB-BGP-203-0-113-0-24")


def test_ipv6_and_eos() -> None:
    v6 = make_route("2001:db8::/48", origin_as=64500)
    assert router_lines("eos", local_as=64500, route=v6, announce=True)[0] == "ipv6 route 2001:db8::/48 Null0"
    assert "  network 2001:db8::/48 route-map OOB-BGP-2001-DB8-48" in router_lines(
        "eos", local_as=64500, route=v6, announce=True)
    assert policy_name("2001:db8::/48") == "OOB-BGP-2001-DB8-48"


def test_every_platform_has_an_advertised_check() -> None:
    for platform in ROUTER_PLATFORMS:
        assert "192.0.2.2" in advertised_command(platform, "192.0.2.2", "203.0.113.0/24")
    with pytest.raises(ValueError, match="no BGP template"):
        router_lines("nxos", local_as=1, route=FULL, announce=True)


def test_advertised_in_matches_exact_prefix_only() -> None:
    out = "   Network          Next Hop\n*> 203.0.113.0/24   0.0.0.0   0   32768 i\n*> 198.51.100.0/25"
    assert advertised_in(out, "203.0.113.0/24")
    assert not advertised_in(out, "203.0.113.0/2") and not advertised_in(out, "198.51.100.0/24")
