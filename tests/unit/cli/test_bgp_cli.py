"""`oob bgp` as an operator runs it (no peers needed: plan, refusals, usage, status)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_oob

BGP = """
[bgp]
local_as = 64500
approvals_required = {approvals}

[[bgp.owned]]
prefix = "203.0.113.0/24"
max_length = 24

[bgp.upstreams.aws]
backend = "aws"
allow_bogons = true
provisioned = ["203.0.113.0/24"]

[bgp.upstreams.aws.aws]
region = "us-east-1"
access_key_id = "env:K"
secret_access_key = "env:S"
endpoint = "http://127.0.0.1:9"
"""


@pytest.fixture
def bgp_home(site: Path) -> Path:
    config = site / "config.toml"
    config.write_text(config.read_text() + BGP.format(approvals=2))
    (site / "rpki").mkdir()
    (site / "rpki" / "vrps.json").write_text(json.dumps({
        "metadata": {"generated": int(time.time())},
        "roas": [{"asn": "AS64500", "prefix": "203.0.113.0/24", "maxLength": 24, "ta": "test"}]}))
    return site


def test_plan_passes_and_changes_nothing(bgp_home: Path) -> None:
    out = run_oob("bgp", "plan", "announce", "203.0.113.0/24", "--json", home=bgp_home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)["result"]
    assert data["preflight"]["ok"] is True and data["preflight"]["rpki"] == "valid"
    assert data["intent"]["upstreams"] == ["aws"] and data["intent"]["lease_seconds"] == 4 * 3600
    assert not (bgp_home / "bgp-journal.db").exists() or "bgp-" not in run_oob("bgp", "status", home=bgp_home).stdout


def test_plan_refusal_exits_7_with_every_check_shown(bgp_home: Path) -> None:
    out = run_oob("bgp", "plan", "announce", "203.0.113.0/24", "--origin-as", "64510", "--community", "64500:1",
                  home=bgp_home)
    assert out.returncode == 7
    assert "FAIL  origin: 203.0.113.0/24 is originated by AS64500, not AS64510" in out.stdout
    assert "FAIL  rpki: Invalid" in out.stdout
    assert "FAIL  communities [aws]: this backend cannot attach communities" in out.stdout


def test_announce_refused_by_preflight_is_audited(bgp_home: Path) -> None:
    out = run_oob("bgp", "announce", "198.51.100.0/24", home=bgp_home)
    assert out.returncode == 7 and "preflight refused" in out.stderr
    assert "bgp.refused" in (bgp_home / "audit.jsonl").read_text()


def test_announce_needs_an_approval_store_when_approvals_are_required(bgp_home: Path) -> None:
    out = run_oob("bgp", "announce", "203.0.113.0/24", home=bgp_home)
    assert out.returncode == 7 and "no approval store" in out.stderr


def test_usage_and_not_found(bgp_home: Path) -> None:
    out = run_oob("bgp", "plan", "announce", "203.0.113.0/24", "--community", "big", home=bgp_home)
    assert out.returncode == 2 and "community 'big'" in out.stderr
    assert run_oob("bgp", "plan", "announce", "203.0.113.0/24", "--lease", "soon", home=bgp_home).returncode == 2
    assert run_oob("bgp", "show", "bgp-000000000000", home=bgp_home).returncode == 6


def test_status_with_nothing_announced(bgp_home: Path) -> None:
    out = run_oob("bgp", "status", "--json", home=bgp_home)
    assert out.returncode == 0
    data = json.loads(out.stdout)["result"]
    assert data["routes"] == [] and data["intents"] == []
    assert data["sessions"][0]["upstream"] == "aws" and data["sessions"][0]["state"] == "api"
