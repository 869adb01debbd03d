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


def test_announce_creates_one_pending_intent_with_one_id_then_cancel(bgp_home: Path) -> None:
    out = run_oob("bgp", "announce", "203.0.113.0/24", "--json", home=bgp_home)
    assert out.returncode == 0, out.stderr
    intent = json.loads(out.stdout)["result"]["intent"]
    # one intent: the BGP intent's ID is its ID in the approvals store
    assert intent["status"] == "pending" and intent["ticket"] == intent["id"]
    listed = json.loads(run_oob("intent", "list", "--json", home=bgp_home).stdout)["result"]
    assert intent["id"] in {v["id"] for v in listed}
    text = run_oob("bgp", "announce", "203.0.113.0/24", home=bgp_home).stdout
    second = text.split()[1].rstrip(":")
    assert f"needs 2 approval(s) on intent {second}" in text and f"oob approve {second} --local-key" in text
    assert "bgp-" not in text
    status = json.loads(run_oob("bgp", "status", "--json", home=bgp_home).stdout)["result"]
    assert {i["id"]: i["approvals"]["need"] for i in status["intents"]}[intent["id"]] == 2
    signed = run_oob("intent", "show", intent["ticket"], home=bgp_home).stdout
    assert '"action":"bgp.announce"' in signed  # approvers sign the BGP payload, carried as the params
    assert json.loads(signed)["params"]["route"]["prefix"] == "203.0.113.0/24"
    run = run_oob("bgp", "run", intent["id"], home=bgp_home)
    assert run.returncode == 5 and "0 of 2 approvals" in run.stderr  # nothing runs before the quorum
    assert run_oob("bgp", "cancel", intent["id"], home=bgp_home).returncode == 0
    assert json.loads(run_oob("intent", "status", intent["ticket"], "--json", home=bgp_home).stdout)[
        "result"]["state"] == "cancelled"
    assert run_oob("bgp", "cancel", intent["id"], home=bgp_home).returncode == 9


def test_quorum_policy_weaker_than_the_bgp_section_is_refused(bgp_home: Path) -> None:
    config = bgp_home / "config.toml"
    config.write_text(config.read_text().replace("approvals_required = 2", "approvals_required = 3"))
    out = run_oob("bgp", "announce", "203.0.113.0/24", home=bgp_home)
    assert out.returncode == 7 and "asks only 2 approval(s)" in out.stderr


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
