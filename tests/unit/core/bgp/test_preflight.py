"""Every preflight refusal, and the passes next to them."""

from __future__ import annotations

import json

import pytest

from oob_console.core.bgp.intent import BgpIntent, make_route
from oob_console.core.bgp.preflight import (
    BgpPolicy,
    JournalView,
    OwnedBlock,
    PreflightReport,
    UpstreamPolicy,
    VrpSnapshot,
    bogon,
    martian,
    run_preflight,
)
from oob_console.core.bgp.rpki import parse_vrps

NOW = 1_800_000_000.0
VRPS = parse_vrps(json.dumps({"roas": [
    {"asn": 64500, "prefix": "203.0.113.0/24", "maxLength": 24},
    {"asn": 64500, "prefix": "2001:db8::/32", "maxLength": 48},
    {"asn": 15169, "prefix": "8.8.8.0/24", "maxLength": 24},
    {"asn": 13335, "prefix": "1.1.1.0/24", "maxLength": 24},
]}))
SNAP = VrpSnapshot("vrps.json", VRPS, age_seconds=600, age_from="export metadata")
UPSTREAMS = {
    "lab": UpstreamPolicy("lab", "exabgp", allow_bogons=True),
    "isp": UpstreamPolicy("isp", "exabgp"),
    "v4only": UpstreamPolicy("v4only", "exabgp", families=("ipv4",), allow_bogons=True),
    "v4session": UpstreamPolicy("v4session", "exabgp", allow_bogons=True, session_version=4),
    "cf": UpstreamPolicy("cf", "cloudflare", provisioned=("203.0.113.0/24",), origin_as=64500, allow_bogons=True),
    "aws": UpstreamPolicy("aws", "aws", provisioned=("203.0.113.0/24",), allow_bogons=True),
    "long": UpstreamPolicy("long", "exabgp", max_length_v4=25, allow_bogons=True),
}
POLICY = BgpPolicy(
    local_as=64500,
    owned=(OwnedBlock("203.0.113.0/24", 25, 64500), OwnedBlock("2001:db8::/32", 48, 64500),
           OwnedBlock("8.8.8.0/24", 24, 64500), OwnedBlock("10.0.0.0/8", 24, 64500),
           OwnedBlock("127.0.0.0/8", 24, 64500)),
    upstreams=UPSTREAMS, max_lease=86400,
)


def plan(prefix: str = "203.0.113.0/24", upstreams: tuple[str, ...] = ("lab",), action: str = "announce",
         policy: BgpPolicy = POLICY, snap: VrpSnapshot = SNAP, journal: JournalView | None = None,
         lease: int = 3600, **route: object) -> PreflightReport:
    r = make_route(prefix, origin_as=route.pop("origin_as", 64500), **route)  # type: ignore[arg-type]
    intent = BgpIntent(action, r, upstreams, lease, "local:t", "2026-01-01T00:00:00Z",  # type: ignore[arg-type]
                       "2026-01-01T00:30:00Z", "n")
    return run_preflight(intent, policy, snap, journal or JournalView(), now=NOW)


def failed(report: PreflightReport) -> dict[str, str]:
    return {c.name: c.detail for c in report.failures}


def test_clean_plan_passes_and_shows_every_check() -> None:
    r = plan()
    assert r.ok, r.lines()
    names = {c.name for c in r.checks}
    assert {"prefix.martian", "prefix.owned", "origin", "lease", "rpki.age", "rpki", "prefix.length",
            "next-hop"} <= names
    assert r.rov is not None and r.rov.state == "valid"
    assert any("VRP snapshot is 10m old (from export metadata)" in c.detail for c in r.checks)


def test_bogon_refused_unless_the_upstream_allows() -> None:
    f = failed(plan(upstreams=("isp",)))
    assert "203.0.113.0/24 (documentation)" in f["prefix.bogon"]
    assert "documentation AS" in f["origin.asn"]


@pytest.mark.parametrize(("prefix", "why"), [
    ("0.0.0.0/0", "the default route"), ("127.0.0.0/24", "loopback"), ("fe80::/64", "outside IPv6 global")])
def test_martians_never(prefix: str, why: str) -> None:
    assert why in failed(plan(prefix, upstreams=("lab",)))["prefix.martian"]


def test_not_owned_and_too_specific_for_block() -> None:
    assert "not inside an owned block" in failed(plan("1.1.1.0/24"))["prefix.owned"]
    assert "longer than its max /24" in failed(plan("8.8.8.0/25"))["prefix.owned"]


def test_longer_than_24_unless_upstream_allows() -> None:
    assert "longer than lab accepts (/24)" in failed(plan("203.0.113.0/25"))["prefix.length"]
    assert "prefix.length" not in failed(plan("203.0.113.0/25", upstreams=("long",)))
    v6 = failed(plan("2001:db8:1:1::/64"))
    assert "longer than lab accepts (/48)" in v6["prefix.length"] and "max /48" in v6["prefix.owned"]


def test_rpki_invalid_never_not_found_only_if_allowed() -> None:
    assert failed(plan("8.8.8.0/24", upstreams=("isp",)))["rpki"].startswith("Invalid")
    nf = plan("10.1.0.0/24")
    assert failed(nf)["rpki"].startswith("NotFound")
    allowed = BgpPolicy(**{**POLICY.__dict__, "allow_not_found": True})
    ok = plan("10.1.0.0/24", policy=allowed)
    assert ok.ok and any(c.name == "rpki" and c.status == "warn" for c in ok.checks)
    invalid_even_if_allowed = plan("8.8.8.0/24", upstreams=("isp",), policy=allowed)
    assert failed(invalid_even_if_allowed)["rpki"].startswith("Invalid")


def test_rpki_snapshot_too_old_missing_or_unreadable() -> None:
    old = VrpSnapshot("vrps.json", VRPS, age_seconds=3 * 86400, age_from="file modification time")
    assert "3d old (from file modification time); maximum 1d" in failed(plan(snap=old))["rpki.age"]
    missing = VrpSnapshot("vrps.json", error="no such file")
    assert "unusable: no such file" in failed(plan(snap=missing))["rpki"]
    lax = BgpPolicy(**{**POLICY.__dict__, "rpki_required": False})
    assert plan(snap=missing, policy=lax).ok  # only a warning when RPKI is explicitly not required


def test_origin_must_be_the_blocks() -> None:
    f = failed(plan(origin_as=64510))
    assert "originated by AS64500, not AS64510" in f["origin"]
    assert "reserved" in failed(plan(origin_as=23456))["origin.asn"]


def test_lease() -> None:
    assert "needs a lease" in failed(plan(lease=0))["lease"]
    assert "longer than the maximum 1d" in failed(plan(lease=2 * 86400))["lease"]


def test_next_hop_sanity() -> None:
    assert "loopback" in plan(next_hop="127.0.0.9").failures[0].detail
    assert "IPv6 for an IPv4 prefix" in failed(plan(next_hop="2001:db8::1"))["next-hop"]
    assert "inside the announced" in failed(plan(next_hop="203.0.113.1"))["next-hop"]
    assert plan(next_hop="192.0.2.1").ok
    assert "no next hop can be set" in failed(plan(upstreams=("cf",), next_hop="192.0.2.1"))["next-hop"]


def test_communities_sanity_per_backend() -> None:
    assert "BLACKHOLE" in failed(plan(communities=["blackhole"]))["communities"]
    assert "reserved ASN half" in failed(plan(communities=["0:5"]))["communities"]
    warn = plan(communities=["no-export", "64500:1"])
    assert warn.ok and any(c.status == "warn" and "NO_EXPORT" in c.detail for c in warn.checks)
    assert "cannot attach communities" in failed(plan(upstreams=("cf",), communities=["64500:1"]))["communities"]


def test_prepend_limits() -> None:
    assert "exceeds 3" in failed(plan(prepend=4))["prepend"]
    assert plan(upstreams=("cf",), prepend=3).ok
    assert "exceeds 0 for aws" in failed(plan(upstreams=("aws",), prepend=1))["prepend"]


def test_self_next_hop_must_match_the_session_family() -> None:
    assert "needs an IPv6 next hop" in failed(plan("2001:db8::/48", upstreams=("v4session",)))["next-hop"]
    assert plan("2001:db8::/48", upstreams=("v4session",), next_hop="2001:db8:ffff::1").ok
    assert plan(upstreams=("v4session",)).ok


def test_family_must_be_carried() -> None:
    assert "not ipv6" in failed(plan("2001:db8::/48", upstreams=("v4only",)))["family"]


def test_provider_exact_prefix_and_rate_limit() -> None:
    f = failed(plan("203.0.113.0/25", upstreams=("aws",)))
    assert "only its provisioned prefixes exactly" in f["provider.prefix"]
    recent = JournalView(last_calls={"aws": NOW - 4})
    r = plan(upstreams=("aws",), journal=recent)
    assert r.ok and r.wait_seconds == pytest.approx(6)
    assert plan(upstreams=("aws",), journal=JournalView(last_calls={"aws": NOW - 11})).wait_seconds == 0
    assert plan(upstreams=("cf",), journal=recent).wait_seconds == 0


def test_provider_origin() -> None:
    cf = UpstreamPolicy("cf", "cloudflare", provisioned=("203.0.113.0/24",), origin_as=13335, allow_bogons=True)
    policy = BgpPolicy(**{**POLICY.__dict__, "upstreams": {"cf": cf}})
    assert "originates it from AS13335" in failed(plan(upstreams=("cf",), policy=policy))["provider.origin"]


def test_unknown_or_no_upstream() -> None:
    assert "unknown upstream 'nope'" in failed(plan(upstreams=("nope",)))["upstream"]
    assert "no upstream chosen" in failed(plan(upstreams=()))["upstreams"]


def test_withdraw_skips_rpki_and_warns_when_not_journaled() -> None:
    r = plan(action="withdraw", lease=0, snap=VrpSnapshot("x", error="gone"))
    assert r.ok
    assert any(c.name == "rpki" and c.status == "skip" for c in r.checks)
    assert any(c.name == "announced" and c.status == "warn" for c in r.checks)
    journaled = plan(action="withdraw", lease=0, journal=JournalView(announced=frozenset({("lab", "203.0.113.0/24")})))
    assert not any(c.name == "announced" for c in journaled.checks)
    assert not plan("1.1.1.0/24", action="withdraw", lease=0).ok


def test_report_json_and_lines() -> None:
    r = plan("8.8.8.0/24", upstreams=("isp",))
    data = r.to_json()
    assert data["ok"] is False and data["rpki"] == "invalid"
    assert any(line.startswith("  FAIL  rpki:") for line in r.lines())


def test_tables() -> None:
    import ipaddress
    assert martian(ipaddress.ip_network("224.1.0.0/16"))
    assert bogon(ipaddress.ip_network("2001:db8:5::/48"))
    assert bogon(ipaddress.ip_network("193.0.0.0/21")) is None and martian(ipaddress.ip_network("2a00::/12")) is None
