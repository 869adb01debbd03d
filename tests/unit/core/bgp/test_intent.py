"""Intent parsing and canonical bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.bgp.intent import (
    BgpIntent,
    as_path,
    community_value,
    format_seconds,
    make_route,
    parse_asn,
    parse_community,
    parse_next_hop,
    parse_prefix,
)


def intent(**kw: object) -> BgpIntent:
    base: dict[str, object] = dict(
        action="announce", route=make_route("203.0.113.0/24", origin_as=64500), upstreams=("isp-a",),
        lease_seconds=3600, requested_by="local:alice", created_at="2026-01-01T00:00:00Z",
        expires_at="2026-01-01T00:30:00Z", nonce="n1",
    )
    base.update(kw)
    return BgpIntent(**base)  # type: ignore[arg-type]


def test_prefix_parsing() -> None:
    assert str(parse_prefix(" 203.0.113.0/24 ")) == "203.0.113.0/24"
    assert str(parse_prefix("2001:DB8::/32")) == "2001:db8::/32"
    with pytest.raises(ValueError, match=r"host bits set; did you mean 203\.0\.113\.0/24"):
        parse_prefix("203.0.113.7/24")
    with pytest.raises(ValueError, match="no prefix length"):
        parse_prefix("203.0.113.0")
    with pytest.raises(ValueError, match="longer than IPv4 allows"):
        parse_prefix("203.0.113.0/33")


@pytest.mark.parametrize(("text", "why"), [
    ("203.0.113.0/0.0.0.255", r"not a decimal prefix length \(a netmask or hostmask is refused\); did you mean "
                              r"203\.0\.113\.0/24"),
    ("203.0.113.0/255.255.255.0", "a netmask or hostmask is refused"),
    ("203.0.113.0/024", "not a decimal prefix length"),
    ("203.0.113.0/+24", "not a decimal prefix length"),
    ("2001:0db8::/32", "not in canonical notation; write 2001:db8::/32"),
    ("2001:db8:0:0::/64", "not in canonical notation; write 2001:db8::/64"),
    ("203.0.113.0 /24", "not an IP address"),
    ("203.0.113.0/24/24", "not ADDRESS/LENGTH"),
])
def test_only_canonical_prefix_notation_is_accepted(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_prefix(text)


def test_next_hop() -> None:
    assert parse_next_hop("SELF") == "self"
    assert parse_next_hop("2001:DB8::1") == "2001:db8::1"
    with pytest.raises(ValueError, match="neither"):
        parse_next_hop("router1")


@pytest.mark.parametrize(("text", "norm"), [
    ("NO_EXPORT", "no-export"), ("no-export", "no-export"), ("65535:65281", "no-export"),
    ("nopeer", "no-peer"), ("64500:666", "64500:666"), ("64500:1:2", "64500:1:2"),
    ("0065535:00666", "blackhole"),
])
def test_community_normalisation(text: str, norm: str) -> None:
    assert parse_community(text) == norm


@pytest.mark.parametrize("bad", ["64500", "65536:1", "a:b", "1:2:3:4", "4294967296:1:1", ""])
def test_community_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_community(bad)


@given(st.integers(0, 65535), st.integers(0, 65535))
def test_standard_community_round_trip(a: int, b: int) -> None:
    assert community_value(parse_community(f"{a}:{b}")) == (a, b)


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_large_community_round_trip(a: int, b: int, c: int) -> None:
    assert community_value(parse_community(f"{a}:{b}:{c}")) == (a, b, c)


def test_asn() -> None:
    assert parse_asn("AS64500") == parse_asn("as64500") == parse_asn(64500) == 64500
    with pytest.raises(ValueError):
        parse_asn("AS4294967296")


def test_route_normalises_and_sorts_communities() -> None:
    r = make_route("203.0.113.0/24", origin_as="AS64500", communities=["64500:2", "NO_EXPORT", "64500:2"])
    assert r.communities == ("64500:2", "no-export")
    with pytest.raises(ValueError):
        make_route("203.0.113.0/24", origin_as=1, prepend=-1)


def test_as_path() -> None:
    assert as_path(make_route("203.0.113.0/24", origin_as=64500, prepend=2), 64500) == [64500, 64500, 64500]
    assert as_path(make_route("203.0.113.0/24", origin_as=64510), 64500) == [64500, 64510]


def test_id_binds_content() -> None:
    a, b = intent(), intent(nonce="n2")
    assert a.id.startswith("bgp-") and a.id != b.id
    assert a.canonical() == intent().canonical()
    assert intent(lease_seconds=7200).digest() != a.digest()
    assert BgpIntent.from_payload(a.payload()) == a
    assert BgpIntent.from_payload(a.payload()).id == a.id
    with pytest.raises(ValueError):
        BgpIntent.from_payload({"kind": "other"})


def test_summary() -> None:
    text = intent(route=make_route("203.0.113.0/24", origin_as=64500, communities=["no-export"], prepend=1,
                                   next_hop="192.0.2.1")).summary()
    assert text == ("announce 203.0.113.0/24 origin AS64500 via isp-a lease 1h "
                    "(next-hop 192.0.2.1, communities no-export, prepend 1)")


def test_format_seconds() -> None:
    assert [format_seconds(x) for x in (0.123, 45, 90, 14400, 5400, 90061)] == [
        "0.12s", "45s", "1m30s", "4h", "1h30m", "1d1h"]
