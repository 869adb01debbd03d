"""`oob notify`, `oob doctor`, `oob drill` from the command line (no network needed)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_oob


def test_notify_without_channels_is_a_config_error(site: Path) -> None:
    out = run_oob("notify", "hello", home=site)
    assert out.returncode == 3 and "no comms channels are configured" in out.stderr
    status = run_oob("notify", "status", "--json", home=site)
    assert status.returncode == 0 and json.loads(status.stdout)["result"] == []
    assert run_oob("notify", "send", home=site).returncode == 2
    assert run_oob("notify", "x", "--wait", "soon", home=site).returncode == 2


def test_drill_reports_when_there_are_none(site: Path) -> None:
    out = run_oob("drill", "report", home=site)
    assert out.returncode == 0 and "no drill has been run" in out.stdout
    last = run_oob("drill", "report", "--last", home=site)
    assert last.returncode == 6 and "oob drill run" in last.stderr


def test_drill_dry_run_lists_every_kind_and_touches_nothing(site: Path) -> None:
    before = (site / "audit.jsonl").read_bytes()
    out = run_oob("drill", "run", "--dry-run", "--json", home=site)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)["result"]
    kinds = [s["kind"] for s in report["steps"]]
    assert kinds[0] == "doctor" and "keys" in kinds and kinds[-1] == "freshness"
    assert {s["status"] for s in report["steps"] if s["kind"] == "bgp-sessions"} == {"skipped"}  # no upstreams
    assert {s["status"] for s in report["steps"] if s["kind"] == "keys"} == {"skipped"}  # none enrolled
    assert (site / "audit.jsonl").read_bytes() == before and not list((site / "reports").iterdir())


def test_a_bad_plan_is_a_config_error_with_its_line(site: Path, tmp_path: Path) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text('name = "x"\n[[steps]]\nkind = "coffee"\n')
    out = run_oob("drill", "run", "--plan", str(plan), home=site)
    assert out.returncode == 3 and f"{plan}:3 key steps[0].kind" in out.stderr


def test_help_tells_the_exit_codes() -> None:
    assert "20 a critical dependency" in run_oob("doctor", "--help").stdout
    assert "10 nothing failed" in run_oob("drill", "run", "--help").stdout
    assert "8 accepted but still queued" in run_oob("notify", "--help").stdout
