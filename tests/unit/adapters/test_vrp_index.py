"""The VRP index: streaming build, the same answers as parsing into memory, rebuilt exactly when the
export changes, atomically; hostmask lengths and future-dated exports refused."""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

import pytest

from oob_console.adapters import rpki_json
from oob_console.adapters.rpki_json import VrpFile
from oob_console.core.bgp.intent import BgpIntent, make_route
from oob_console.core.bgp.preflight import BgpPolicy, JournalView, OwnedBlock, run_preflight
from oob_console.core.bgp.rpki import parse_vrps, validate_origin
from oob_console.core.bgp.vrp_index import VrpIndex
from tests.vrp_export import write_export

OURS = {"asn": 64500, "prefix": "203.0.113.0/24", "maxLength": 24, "ta": "ripe"}


def test_streaming_index_answers_like_the_in_memory_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rpki_json, "CHUNK", 777)  # entries and numbers cut across chunk boundaries
    path = write_export(tmp_path / "vrps.json", 3000, extra=[OURS])
    whole = parse_vrps(path.read_bytes())
    index = VrpFile(path, tmp_path / "idx").lookup()
    assert isinstance(index, VrpIndex) and index.count == whole.count == 3001
    assert index.flavour == whole.flavour == "rpki-client" and index.generated == whole.generated
    probes = [v.prefix for v in whole.vrps[:400]] + [ipaddress.ip_network("203.0.113.0/24"),
                                                     ipaddress.ip_network("2001:db8::/48")]
    for p in probes:
        got = sorted(map(str, index.covering(p)))
        assert got == sorted(map(str, whole.covering(p)))
        sub = p if p.prefixlen == p.max_prefixlen else next(p.subnets(new_prefix=min(p.max_prefixlen,
                                                                                     p.prefixlen + 3)))
        assert validate_origin(index, sub, 64500).state == validate_origin(whole, sub, 64500).state
    assert validate_origin(index, ipaddress.ip_network("203.0.113.0/24"), 64500).state == "valid"


def test_metadata_after_the_list_and_a_bare_list(tmp_path: Path) -> None:
    path = tmp_path / "late.json"
    path.write_text(json.dumps({"roas": [OURS], "metadata": {"generated": 1700000000}}))
    snap = VrpFile(path, tmp_path / "i1").load(1700000060.0)
    assert snap.vrps is not None and snap.vrps.count == 1 and snap.age_seconds == 60.0
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps([OURS]))
    assert VrpFile(bare, tmp_path / "i2").lookup().count == 1


def test_rebuilt_only_when_the_content_changes(tmp_path: Path) -> None:
    path = write_export(tmp_path / "vrps.json", 50, extra=[OURS])
    idx = tmp_path / "idx"
    VrpFile(path, idx).lookup()
    built = idx.stat().st_ino
    assert VrpFile(path, idx).lookup().count == 51 and idx.stat().st_ino == built  # steady state: reused
    os.utime(path, (1, 1))  # touched, same content: the header is rewritten, not the index rebuilt
    assert VrpFile(path, idx).lookup().count == 51
    header = VrpIndex.open(idx.read_bytes()).header
    assert header["stamp"][0] == 1_000_000_000
    write_export(path, 10)  # new content
    assert VrpFile(path, idx).lookup().count == 10
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("idx.")] == []  # no temporary left
    assert idx.stat().st_mode & 0o777 == 0o600


def test_a_damaged_index_is_rebuilt_never_trusted(tmp_path: Path) -> None:
    path = write_export(tmp_path / "vrps.json", 20, extra=[OURS])
    idx = tmp_path / "idx"
    VrpFile(path, idx).lookup()
    idx.write_bytes(idx.read_bytes()[:-7])  # truncated
    assert VrpFile(path, idx).lookup().count == 21
    idx.write_bytes(b"garbage")
    assert VrpFile(path, idx).lookup().count == 21


def test_an_unwritable_index_directory_still_answers(tmp_path: Path) -> None:
    path = write_export(tmp_path / "vrps.json", 5, extra=[OURS])
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert VrpFile(path, blocker / "idx").lookup().count == 6  # from memory for this command


def test_hostmask_and_non_canonical_vrps_are_refused_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "vrps.json"
    path.write_text(json.dumps({"metadata": {"buildtime": "2026-12-08T00:00:00Z"}, "roas": [
        {"asn": 64500, "prefix": "203.0.113.0/0.0.0.255", "maxLength": 24, "ta": "ripe"},
        {"asn": 64500, "prefix": "198.51.100.0/255.255.255.0", "maxLength": 24, "ta": "ripe"},
        {"asn": 64500, "prefix": "2001:0db8::/32", "maxLength": 48, "ta": "ripe"}]}))
    index = VrpFile(path, tmp_path / "idx").lookup()
    assert index.count == 0 and index.skipped == 3 and "hostmask is refused" in index.skipped_example
    at = _at("2026-12-08T00:10:00Z")
    report = _plan(VrpFile(path, tmp_path / "idx").load(at), at)
    entries = [c for c in report.checks if c.name == "rpki.entries"]
    assert entries and entries[0].status == "warn" and "3 entries" in entries[0].detail
    assert report.rov is not None and report.rov.state == "not-found"  # the /24 was NOT read as a VRP


def test_a_future_dated_export_is_refused_as_clock_skew(tmp_path: Path) -> None:
    path = tmp_path / "vrps.json"
    path.write_text(json.dumps({"metadata": {"buildtime": "2027-01-07T00:00:00Z"}, "roas": [OURS]}))
    now = _at("2026-12-08T00:00:00Z")
    report = _plan(VrpFile(path, tmp_path / "idx").load(now), now)
    assert not report.ok and report.rov is None  # the export is not used at all
    clock = next(c for c in report.checks if c.name == "rpki.clock")
    assert clock.status == "fail" and "2027-01-07T00:00:00Z" in clock.detail and "2026-12-08T00:00:00Z" in clock.detail
    assert "30d" in clock.detail and not any(c.name == "rpki" and c.status == "pass" for c in report.checks)
    # a few seconds ahead (clocks never agree exactly) is not skew
    path.write_text(json.dumps({"metadata": {"buildtime": "2026-12-08T00:00:30Z"}, "roas": [OURS]}))
    near = _plan(VrpFile(path, tmp_path / "idx").load(now), now)
    assert not any(c.name == "rpki.clock" for c in near.checks)
    assert [c.status for c in near.checks if c.name in ("rpki.age", "rpki")] == ["pass", "pass"]


def _at(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _plan(snap, now: float = 0.0):  # type: ignore[no-untyped-def]
    policy = BgpPolicy(64500, (OwnedBlock("203.0.113.0/24", 24, 64500),), {})
    intent = BgpIntent("announce", make_route("203.0.113.0/24", origin_as=64500), ("x",), 3600, "t",
                       "2026-12-08T00:00:00Z", "2026-12-08T00:30:00Z", "n")
    return run_preflight(intent, policy, snap, JournalView(), now=now)
