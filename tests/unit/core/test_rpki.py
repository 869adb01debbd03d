"""RFC 6811 origin validation and tolerant VRP parsing."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.bgp.rpki import Vrp, VrpFormatError, parse_vrps, validate_origin

RPKI_CLIENT = {
    "metadata": {"buildmachine": "rp1", "buildtime": "2026-11-20T10:00:00Z", "elapsedtime": 60, "roas": 2},
    "roas": [
        {"asn": 64500, "prefix": "203.0.113.0/24", "maxLength": 24, "ta": "ripe", "expires": 1900000000},
        {"asn": 64501, "prefix": "198.51.100.0/22", "maxLength": 23, "ta": "arin", "expires": 1900000000},
        {"asn": 64500, "prefix": "192.0.2.0/24", "maxLength": 24, "ta": "ripe", "expires": 1000},
    ],
    "bgpsec_keys": [], "aspas": [],
}
ROUTINATOR = {
    "metadata": {"generated": 1795000000, "generatedTime": "2026-11-18T08:26:40Z"},
    "roas": [{"asn": "AS64500", "prefix": "2001:db8::/32", "maxLength": 48, "ta": "ripe"}],
}
JSONEXT = {"roas": [{"asn": "AS64500", "prefix": "203.0.113.0/24", "maxLength": 24,
                     "source": [{"type": "roa", "uri": "rsync://x/y.roa", "validity": {}}]}]}


def net(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text)


def test_rpki_client_flavour() -> None:
    s = parse_vrps(json.dumps(RPKI_CLIENT).encode())
    assert s.flavour == "rpki-client" and len(s.vrps) == 3 and s.skipped == 0
    assert s.generated == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert s.vrps[0].expires == 1900000000


def test_routinator_flavours() -> None:
    s = parse_vrps(json.dumps(ROUTINATOR))
    assert s.flavour == "routinator" and s.generated == datetime.fromtimestamp(1795000000, UTC)
    assert s.vrps[0].asn == 64500 and s.vrps[0].max_length == 48
    ext = parse_vrps(json.dumps(JSONEXT))
    assert ext.flavour == "routinator-jsonext" and ext.generated is None and ext.vrps[0].asn == 64500


def test_tolerant_entries_and_skips() -> None:
    doc = {"roas": [
        {"asn": "64500", "prefix": "203.0.113.0/24", "max_length": "24"},  # strings, other spelling
        {"asn": "as64500", "prefix": "198.51.100.0/24"},  # no max length: the prefix length
        {"asn": 64500, "prefix": "203.0.113.0/24", "maxLength": 20},  # max shorter than prefix
        {"asn": 64500, "prefix": "203.0.113.5/24", "maxLength": 24},  # host bits
        {"asn": "ASX", "prefix": "203.0.113.0/24"}, {"asn": True, "prefix": "203.0.113.0/24"}, "junk",
    ]}
    s = parse_vrps(json.dumps(doc))
    assert [(str(v.prefix), v.max_length) for v in s.vrps] == [("203.0.113.0/24", 24), ("198.51.100.0/24", 24)]
    assert s.skipped == 5 and s.flavour == "roas-list"
    assert len(parse_vrps(json.dumps(doc["roas"])).vrps) == 2  # a bare list


@pytest.mark.parametrize("bad", [b"", b"not json", b"{}", b'{"roas": 3}', b"42", b"\xff\xfe"])
def test_unreadable_exports(bad: bytes) -> None:
    with pytest.raises(VrpFormatError):
        parse_vrps(bad)


def test_rfc6811_states() -> None:
    s = parse_vrps(json.dumps(RPKI_CLIENT))
    now = datetime(2026, 11, 21, tzinfo=UTC)
    assert validate_origin(s, net("203.0.113.0/24"), 64500, now).state == "valid"
    inv = validate_origin(s, net("203.0.113.0/24"), 64999, now)
    assert inv.state == "invalid" and "none authorises AS64999" in inv.reason
    too_long = validate_origin(s, net("198.51.100.0/24"), 64501, now)
    assert too_long.state == "invalid" and "only up to /23" in too_long.reason
    assert validate_origin(s, net("198.51.100.0/23"), 64501, now).state == "valid"
    assert validate_origin(s, net("100.64.0.0/24"), 64500, now).state == "not-found"
    # an expired VRP (rpki-client "expires") does not count
    assert validate_origin(s, net("192.0.2.0/24"), 64500, now).state == "not-found"
    assert validate_origin(s, net("192.0.2.0/24"), 64500).state == "valid"


def test_as0_never_matches() -> None:
    vrps = [Vrp(net("203.0.113.0/24"), 24, 0)]
    assert validate_origin(vrps, net("203.0.113.0/24"), 0).state == "invalid"


prefixes4 = st.builds(lambda a, n: ipaddress.ip_network((a, n), strict=False),
                      st.integers(0, 2**32 - 1), st.integers(8, 28))


@given(st.lists(st.tuples(prefixes4, st.integers(0, 4), st.sampled_from([0, 64500, 64501])), max_size=12),
       prefixes4, st.sampled_from([64500, 64501]))
def test_rov_matches_brute_force(entries: list[tuple[ipaddress.IPv4Network, int, int]],
                                 route: ipaddress.IPv4Network, origin: int) -> None:
    vrps = [Vrp(p, min(32, p.prefixlen + extra), asn) for p, extra, asn in entries]
    covering = [v for v in vrps if route.subnet_of(v.prefix)]  # type: ignore[arg-type]
    matched = [v for v in covering if v.asn and v.asn == origin and route.prefixlen <= v.max_length]
    expected = "valid" if matched else "invalid" if covering else "not-found"
    assert validate_origin(vrps, route, origin).state == expected


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                    max_leaves=15))
def test_parser_never_crashes(doc: object) -> None:
    for value in (doc, {"roas": doc}, {"roas": [doc]}, {"metadata": doc, "roas": []}):
        try:
            parse_vrps(json.dumps(value))
        except VrpFormatError:
            pass
