"""`oob guard check|drill` as an operator runs them (a real subprocess)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_oob
from tests.guard_support import CORPUS_DIR

INVENTORY = str(CORPUS_DIR / "inventory.toml")


@pytest.mark.parametrize(("text", "code", "word"), [
    ("show interfaces | include shutdown", 0, "READ-ONLY"),
    ("conf t\ninterface Gi0/8\n shutdown", 10, "CHANGE"),
    ("clear ip bgp *", 20, "DANGEROUS"),
])
def test_exit_codes_and_reasons(text: str, code: int, word: str) -> None:
    result = run_oob("guard", "check", "--platform", "ios", "--", text)
    assert result.returncode == code, result.stderr
    assert result.stdout.startswith(word)
    assert "rules" in result.stdout and "blast" in result.stdout


def test_a_block_from_stdin_on_inventory_devices_as_json() -> None:
    block = "conf t\ninterface GigabitEthernet0/5\n shutdown\ninterface GigabitEthernet0/6\n shutdown\nend\n"
    result = run_oob("guard", "check", "--inventory", INVENTORY, "-d", "ios-bb1", "--json", "-", input=block)
    assert result.returncode == 20, result.stderr
    data = json.loads(result.stdout)["result"]
    assert data["verdict"] == "dangerous" and data["devices"] == ["ios-bb1"] and data["platform"] == "ios"
    verdicts = {c["checker"]: c["verdict"] for c in data["checkers"]}
    # only the inventory knows it is one bundle: blast measures it, the model (no backup) counts its members
    assert verdicts == {"rules": "change", "blast": "dangerous", "model": "dangerous"}
    assert data["decided_by"] == ["blast", "model"]
    assert "needs 2 fresh hardware-key approval(s)" in data["needs"]


def test_an_unknown_platform_fails_closed() -> None:
    result = run_oob("guard", "check", "-p", "vyos", "--", "show version")
    assert result.returncode == 20 and "does not know the platform" in result.stdout


def test_nxos_is_judged_by_its_own_rules() -> None:
    assert run_oob("guard", "check", "-p", "nxos", "--", "show version").returncode == 0
    result = run_oob("guard", "check", "-p", "nxos", "--", "rollback running-config checkpoint before")
    assert result.returncode == 20 and "checkpoint the guard cannot read" in result.stdout


@pytest.mark.parametrize(("args", "code", "message"), [
    (["-p", "ios"], 2, "no command given"),
    (["--", "show version"], 2, "say which platform"),
    (["--inventory", INVENTORY, "-d", "nope", "--", "show run"], 6, "no device 'nope'"),
    (["--inventory", INVENTORY, "-d", "ios-bb1", "-p", "junos", "--", "show run"], 2, "does not match"),
])
def test_errors(args: list[str], code: int, message: str) -> None:
    result = run_oob("guard", "check", *args)
    assert result.returncode == code and message in result.stderr


def test_a_site_supplies_thresholds_and_the_inventory(site: Path) -> None:
    shutil.copy(CORPUS_DIR / "inventory.toml", site / "inventory.toml")
    one_link = "conf t\ninterface Gi0/1\n shutdown"
    assert run_oob("guard", "check", "-d", "ios-bb1", "--", one_link, home=site).returncode == 10
    config = site / "config.toml"
    config.write_text(config.read_text() + "\n[guard]\nlink_share = 0.1\n"
                      '[approvals.classes."command.dangerous"]\nquorum = 3\n')
    result = run_oob("guard", "check", "-d", "ios-bb1", "--", one_link, home=site)
    assert result.returncode == 20 and "at or above link_share 10%" in result.stdout
    assert "needs 3 fresh hardware-key approval(s)" in result.stdout


def test_a_bad_guard_config_names_key_and_line(site: Path) -> None:
    config = site / "config.toml"
    config.write_text(config.read_text() + "\n[guard]\nlink_share = 2.0\n")
    result = run_oob("guard", "check", "-p", "ios", "--", "show run", home=site)
    assert result.returncode == 3 and "guard.link_share" in result.stderr and "at most 1.0" in result.stderr


def test_the_drill_passes_on_the_corpus() -> None:
    result = run_oob("guard", "drill", str(CORPUS_DIR))
    assert result.returncode == 0, result.stdout[-2000:]
    assert "drill passed" in result.stdout
    for platform in ("eos", "frr", "ios", "iosxr", "junos"):
        assert f"\n  {platform}" in result.stdout


def test_the_drill_fails_on_a_case_judged_too_leniently(tmp_path: Path) -> None:
    shutil.copy(CORPUS_DIR / "inventory.toml", tmp_path / "inventory.toml")
    (tmp_path / "bad.toml").write_text('platform = "ios"\n[[case]]\nid = "too-lenient"\nlabel = "dangerous"\n'
                                       'command = "show running-config"\n\n[[case]]\nid = "over"\n'
                                       'label = "read-only"\ncommand = "reload"\n')
    result = run_oob("guard", "drill", str(tmp_path), "--json")
    assert result.returncode == 1
    data = json.loads(result.stdout)["result"]
    assert [f["id"] for f in data["failures"]] == ["too-lenient"]
    assert [s["id"] for s in data["stricter_cases"]] == ["over"]


def test_a_missing_corpus() -> None:
    result = run_oob("guard", "drill", "/nonexistent/corpus")
    assert result.returncode == 6 and "no guard corpus" in result.stderr


def test_help_describes_the_exit_codes() -> None:
    result = run_oob("guard", "check", "--help")
    assert result.returncode == 0 and "20 dangerous" in result.stdout.replace("\n", " ")
