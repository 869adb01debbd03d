"""`oob inventory pin-hostkey` and `oob backup run|list|show|diff` against real routers."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from oob_console.core.devices.hostkeys import HostKey
from tests.conftest import run_oob
from tests.lab.routers import RouterLab, write_inventory

pytestmark = pytest.mark.lab


def test_pin_needs_confirmation_then_connects(site: Path, router_lab: RouterLab) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry(host_keys=[])])
    fingerprint = HostKey.parse(r1.host_key_line).fingerprint

    shown = run_oob("inventory", "pin-hostkey", "r1", home=site)  # no terminal, no --expect: nothing confirms
    assert shown.returncode == 2, shown.stderr  # a usage error: a script must not think it pinned anything
    assert fingerprint in shown.stderr and "not pinned" in shown.stderr and "--expect" in shown.stderr
    assert not (site / "known_hosts").exists()

    wrong = run_oob("inventory", "pin-hostkey", "r1", "--expect", "SHA256:" + "A" * 43, home=site)
    assert wrong.returncode == 7 and fingerprint in wrong.stderr
    assert not (site / "known_hosts").exists()

    pinned = run_oob("inventory", "pin-hostkey", "r1", "--expect", fingerprint, home=site)
    assert pinned.returncode == 0, pinned.stderr
    assert stat.S_IMODE((site / "known_hosts").stat().st_mode) == 0o600
    assert f"[127.0.0.1]:{r1.port} ssh-ed25519 " in (site / "known_hosts").read_text()
    listed = json.loads(run_oob("inventory", "list", "--json", home=site).stdout)["result"]
    assert listed[0]["pinned_keys"] == 1
    run = run_oob("run", "r1", "--", "show version", home=site)
    assert run.returncode == 0, run.stdout + run.stderr

    new_fp = HostKey.parse(r1.rotate_host_key()).fingerprint
    refused = run_oob("run", "r1", "--", "show version", home=site)
    assert refused.returncode == 1 and "HOST KEY MISMATCH" in refused.stdout
    replaced = run_oob("inventory", "pin-hostkey", "r1", "--expect", new_fp, "--replace", home=site)
    assert replaced.returncode == 0, replaced.stderr
    assert fingerprint not in {HostKey.parse(" ".join(line.split()[1:3])).fingerprint
                               for line in (site / "known_hosts").read_text().splitlines()}
    assert run_oob("run", "r1", "--", "show version", home=site).returncode == 0
    audit = [json.loads(line) for line in (site / "audit.jsonl").read_text().splitlines()]
    pins = [e for e in audit if e["action"] == "inventory.pin-hostkey"]
    assert [p["details"]["confirmed_by"] for p in pins] == ["--expect", "--expect"]


def test_backup_keeps_history_and_diffs(site: Path, router_lab: RouterLab) -> None:
    r1, r2 = router_lab.router("r1"), router_lab.router("r2", asn=64513)
    write_inventory(site / "inventory.toml", [r1.device_entry(), r2.device_entry()])
    first = run_oob("backup", "run", "--json", home=site)
    assert first.returncode == 0, first.stdout + first.stderr
    results = {r["device"]: r for r in json.loads(first.stdout)["result"]["results"]}
    assert results["r1"]["changed"] == "true" and results["r1"]["output"] == ""
    stored = Path(results["r1"]["path"])
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    for folder in (stored.parent, stored.parent.parent):  # backups/ and backups/r1/: configs hold secrets
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    text = stored.read_text()
    assert "router bgp 64512" in text and "Building configuration" not in text

    again = json.loads(run_oob("backup", "run", "--json", "r1", home=site).stdout)["result"]["results"][0]
    assert again["changed"] == "false"

    r1.vtysh("configure terminal", "router bgp 64512", "neighbor 192.0.2.7 remote-as 65007")
    third = run_oob("backup", "run", "r1", home=site)
    assert third.returncode == 0 and "changed true" in third.stdout
    diff = run_oob("backup", "diff", "r1", home=site)
    assert diff.returncode == 0
    assert "+ neighbor 192.0.2.7 remote-as 65007" in diff.stdout
    versions = json.loads(run_oob("backup", "list", "--json", "r1", home=site).stdout)["result"]
    assert len(versions) == 2
    shown = run_oob("backup", "show", "r1", versions[0]["version"], home=site)
    assert "192.0.2.7" not in shown.stdout and "router bgp 64512" in shown.stdout
    one = run_oob("backup", "diff", "r2", home=site)  # r2 has one stored version: nothing to compare with
    assert one.returncode == 0 and "only one stored version of r2" in one.stdout
    assert "no difference" not in one.stdout
    assert json.loads(run_oob("backup", "diff", "r2", "--json", home=site).stdout)["result"]["only_version"] is True
    actions = [json.loads(line)["action"] for line in (site / "audit.jsonl").read_text().splitlines()]
    assert actions.count("backup.start") == 3 and actions.count("backup.store") == 3


def test_interactive_pin_asks_for_yes(site: Path, router_lab: RouterLab) -> None:
    from tests.lab.consoles import PtyProcess

    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry(host_keys=[])])
    fingerprint = HostKey.parse(r1.host_key_line).fingerprint
    term = PtyProcess.oob("inventory", "pin-hostkey", "r1", home=site)
    term.expect(re.escape(fingerprint))
    term.expect("Type 'yes' to pin: ")
    term.send("no\r")
    assert term.wait() == 7 and "not pinned" in term.seen.decode()  # declined: refused, nothing pinned
    assert not (site / "known_hosts").exists()
    term = PtyProcess.oob("inventory", "pin-hostkey", "r1", home=site)
    term.expect("Type 'yes' to pin: ")
    term.send("yes\r")
    assert term.wait() == 0 and "pinned ssh-ed25519" in term.seen.decode()
    assert run_oob("run", "r1", "--", "show version", home=site).returncode == 0
