"""`oob run` against real sshd + FRR vtysh routers, through the real CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_oob
from tests.lab.routers import RouterLab, free_port, write_inventory

pytestmark = pytest.mark.lab


def _json(proc: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(proc.stdout)
    return body


def _audit(site: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (site / "audit.jsonl").read_text().splitlines()]


def _by_device(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["device"]: r for r in body["result"]["results"]}


def test_show_on_two_routers_runs_audits_and_reports_each(site: Path, router_lab: RouterLab) -> None:
    r1, r2 = router_lab.router("r1"), router_lab.router("r2", asn=64513)
    write_inventory(site / "inventory.toml", [r1.device_entry(site="sjc1", role="core"),
                                              r2.device_entry(site="sjc1", role="edge")])
    proc = run_oob("run", "--json", "r1", "r2", "--", "show running-config", home=site)
    assert proc.returncode == 0, proc.stderr
    body = _json(proc)
    results = _by_device(body)
    assert results["r1"]["status"] == "ok" and results["r1"]["exit_status"] == 0
    assert "router bgp 64512" in results["r1"]["output"]
    assert "router bgp 64513" in results["r2"]["output"]
    assert body["result"]["verdict"] == "read-only" and body["result"]["intent"] is None
    actions = [(e["action"], e["outcome"]) for e in _audit(site)]
    assert ("run.start", "started") in actions and ("run.finish", "ok") in actions
    finish = next(e for e in _audit(site) if e["action"] == "run.finish")
    assert {r["device"]: r["status"] for r in finish["details"]["results"]} == {"r1": "ok", "r2": "ok"}

    text = run_oob("run", "--site", "sjc1", "--role", "edge", "--", "show", "version", home=site)
    assert text.returncode == 0, text.stderr
    assert "== r2  ok" in text.stdout and "== r1" not in text.stdout
    assert "FRRouting" in text.stdout and "-- 1 device: 1 ok" in text.stdout


def test_device_error_is_a_failure_with_its_line(site: Path, router_lab: RouterLab) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry()])
    proc = run_oob("run", "--json", "r1", "--", "show bogus", home=site)
    assert proc.returncode == 1
    r = _by_device(_json(proc))["r1"]
    assert r["status"] == "failed" and r["exit_status"] == 1
    assert r["error"] == "% Unknown command: show bogus"


@pytest.mark.parametrize(("command", "verdict"), [("write memory", "change"), ("clear bgp *", "dangerous"),
                                                  ("configure terminal\nno router bgp 64512", "dangerous")])
def test_unapproved_command_is_refused_before_connecting(site: Path, router_lab: RouterLab, command: str,
                                                         verdict: str) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry()])
    r1.stop_sshd()  # a refused run must not even try to connect
    proc = run_oob("run", "r1", "--", command, home=site)  # no security key on this host: a change is refused too
    assert proc.returncode == 7, proc.stderr
    assert proc.stderr.count("\n") == 1 and f"{verdict}: not sent" in proc.stderr
    actions = [e["action"] for e in _audit(site)]
    assert "run.refused" in actions and "run.start" not in actions


def test_changed_host_key_is_refused_with_both_fingerprints(site: Path, router_lab: RouterLab) -> None:
    from oob_console.core.devices.hostkeys import HostKey

    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry()])
    old = HostKey.parse(r1.host_key_line).fingerprint
    new = HostKey.parse(r1.rotate_host_key()).fingerprint
    for transport in ("asyncssh", "paramiko"):
        proc = run_oob("run", "--json", "--transport", transport, "r1", "--", "show version", home=site)
        assert proc.returncode == 1
        r = _by_device(_json(proc))["r1"]
        assert r["status"] == "hostkey", r
        assert "HOST KEY MISMATCH" in r["error"] and old in r["error"] and new in r["error"]
        assert r["output"] == ""


@pytest.mark.parametrize("transport", ["asyncssh", "paramiko"])
def test_unpinned_device_is_refused_not_trusted_on_first_use(site: Path, router_lab: RouterLab,
                                                            transport: str) -> None:
    from oob_console.core.devices.hostkeys import HostKey

    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry(host_keys=[], transport=transport)])
    proc = run_oob("run", "--json", "r1", "--", "show version", home=site)
    r = _by_device(_json(proc))["r1"]
    fingerprint = HostKey.parse(r1.host_key_line).fingerprint
    assert r["status"] == "hostkey" and "no pinned host key" in r["error"]
    assert f"--expect {fingerprint}" in r["error"]  # shown, for the operator to confirm; never trusted
    assert not (site / "known_hosts").exists()


def test_unreachable_and_slow_devices_fail_alone_and_on_time(site: Path, router_lab: RouterLab) -> None:
    ok, slow, down = router_lab.router("ok"), router_lab.router("slow"), router_lab.router("down")
    slow.set_delay(5)
    down.stop_sshd()
    closed = ok.device_entry("closed", port=free_port())
    write_inventory(site / "inventory.toml", [ok.device_entry(), slow.device_entry(), down.device_entry(), closed])
    started = time.monotonic()
    proc = run_oob("run", "--json", "--timeout", "1", "--all", "--", "show version", home=site)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1
    results = _by_device(_json(proc))
    assert {d: r["status"] for d, r in results.items()} == {
        "ok": "ok", "slow": "timeout", "down": "unreachable", "closed": "unreachable"}
    assert "did not finish the command within 1s" in results["slow"]["error"]
    assert "refused the TCP connection" in results["down"]["error"]
    assert elapsed < 4.5, f"a 1 s timeout took {elapsed:.1f}s"
    counts = _json(proc)["result"]["counts"]
    assert counts["ok"] == 1 and counts["timeout"] == 1 and counts["unreachable"] == 2


def test_paramiko_transport_runs_the_same_command(site: Path, router_lab: RouterLab) -> None:
    r1, r2 = router_lab.router("r1"), router_lab.router("r2")
    write_inventory(site / "inventory.toml", [r1.device_entry(transport="paramiko"), r2.device_entry()])
    proc = run_oob("run", "--json", "r1", "r2", "--", "show bogus", home=site)
    results = _by_device(_json(proc))
    assert results["r1"]["transport"] == "paramiko" and results["r2"]["transport"] == "asyncssh"
    assert results["r1"]["error"] == results["r2"]["error"] == "% Unknown command: show bogus"
    assert results["r1"]["exit_status"] == 1
    proc = run_oob("run", "--json", "--transport", "paramiko", "r2", "--", "show version", home=site)
    r = _by_device(_json(proc))["r2"]
    assert r["status"] == "ok" and r["transport"] == "paramiko" and "FRRouting" in r["output"]


@pytest.mark.parametrize("transport", ["asyncssh", "paramiko"])
def test_shell_mode_drives_the_interactive_cli(site: Path, router_lab: RouterLab, transport: str) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry(cli="shell", transport=transport)])
    proc = run_oob("run", "--json", "r1", "--", "show running-config", home=site)
    r = _by_device(_json(proc))["r1"]
    assert r["status"] == "ok", r
    lines = r["output"].splitlines()
    assert "router bgp 64512" in lines
    assert not any(line.startswith("r1#") for line in lines)  # no prompt, no echo
    assert "show running-config" not in lines
    proc = run_oob("run", "--json", "r1", "--", "show bogus", home=site)
    r = _by_device(_json(proc))["r1"]
    assert r["status"] == "failed" and r["error"] == "% Unknown command: show bogus"


def test_unknown_device_and_usage_errors(site: Path, router_lab: RouterLab) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry()])
    proc = run_oob("run", "r1", "nope", "--", "show version", home=site)
    assert proc.returncode == 6 and "nope" in proc.stderr
    proc = run_oob("run", "r1", "show version", home=site)
    assert proc.returncode == 2 and "separate the command with --" in proc.stderr
    proc = run_oob("run", "r1", "--timeout", "3", "--", "show version", home=site)
    assert proc.returncode == 2 and "put options first" in proc.stderr


def test_progress_bar_on_a_terminal_and_per_device_output(site: Path, router_lab: RouterLab) -> None:
    from tests.lab.consoles import PtyProcess

    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry(f"d{i}") for i in range(6)])
    term = PtyProcess.oob("run", "--all", "--summary", "--", "show version", home=site)
    assert term.wait(30) == 0
    seen = term.seen.decode(errors="replace")
    assert "] 6/6  failed 0" in seen and seen.count("  ok  (") == 6
    assert "-- 6 devices: 6 ok" in seen
    piped = run_oob("run", "--all", "--", "show version", home=site)  # not a terminal: no bar
    assert "6/6" not in piped.stderr and piped.stdout.count("FRRouting 8") == 6


def test_interrupted_run_is_audited_as_interrupted(site: Path, router_lab: RouterLab) -> None:
    import os
    import signal
    import subprocess
    import sys

    slow = router_lab.router("slow")
    slow.set_delay(30)
    write_inventory(site / "inventory.toml", [slow.device_entry()])
    env = dict(os.environ, OOB_HOME=str(site))
    proc = subprocess.Popen([sys.executable, "-m", "oob_console", "run", "slow", "--", "show version"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while "run.start" not in (site / "audit.jsonl").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    last = _audit(site)[-1]
    assert (last["action"], last["outcome"]) == ("run.finish", "interrupted")


def test_inventory_list_probe_shows_reachability(site: Path, router_lab: RouterLab) -> None:
    import socket

    up, down = router_lab.router("up"), router_lab.router("down")
    down.stop_sshd()
    with socket.socket() as silent:  # accepts, never says anything: a black hole
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        write_inventory(site / "inventory.toml", [
            up.device_entry(), down.device_entry(),
            up.device_entry("silent", port=silent.getsockname()[1]),
        ])
        proc = run_oob("inventory", "list", "--probe", "--timeout", "1", "--json", home=site)
    assert proc.returncode == 0, proc.stderr
    reach = {d["name"]: d["reach"] for d in _json(proc)["result"]}
    assert reach["up"]["ok"] and reach["up"]["banner"].startswith("SSH-2.0-OpenSSH")
    assert not reach["down"]["ok"] and reach["down"]["error"] == "Connection refused"
    assert not reach["silent"]["ok"] and "no answer within 1s" in reach["silent"]["error"]
    probe = _audit(site)[-1]
    assert probe["action"] == "inventory.probe" and probe["details"]["unreachable"] == ["down", "silent"]


def test_run_over_a_slow_link_and_login_deadline(site: Path, router_lab: RouterLab) -> None:
    from tests.lab.slow_link import SlowLink

    r1 = router_lab.router("r1")
    with SlowLink("127.0.0.1", r1.port, delay=0.1, rate=32_000) as lte, \
            SlowLink("127.0.0.1", r1.port, delay=1.0) as satellite:
        write_inventory(site / "inventory.toml", [
            r1.device_entry("lte-a", port=lte.port, host_keys=[r1.host_key_line]),
            r1.device_entry("lte-b", port=lte.port, transport="paramiko"),
            r1.device_entry("far", port=satellite.port),
        ])
        started = time.monotonic()
        proc = run_oob("run", "--json", "--connect-timeout", "3", "--all", "--", "show version", home=site)
        elapsed = time.monotonic() - started
    results = _by_device(_json(proc))
    assert results["lte-a"]["status"] == results["lte-b"]["status"] == "ok"
    assert "FRRouting" in results["lte-b"]["output"]
    assert results["far"]["status"] == "timeout" and "did not answer in time" in results["far"]["error"]
    assert elapsed < 7


@pytest.mark.parametrize("transport", ["asyncssh", "paramiko"])
def test_server_without_the_pinned_key_type_is_refused_with_both_keys(site: Path, router_lab: RouterLab,
                                                                         transport: str) -> None:
    import asyncssh

    r1 = router_lab.router("r1")  # its sshd has only an ed25519 host key
    other = asyncssh.generate_private_key("ecdsa-sha2-nistp256").export_public_key().decode().strip()
    write_inventory(site / "inventory.toml", [r1.device_entry(host_keys=[other], transport=transport)])
    proc = run_oob("run", "--json", "r1", "--", "show version", home=site)
    r = _by_device(_json(proc))["r1"]
    assert r["status"] == "hostkey", r
    from oob_console.core.devices.hostkeys import HostKey

    assert "HOST KEY MISMATCH" in r["error"] and "it presented ssh-ed25519" in r["error"]
    assert HostKey.parse(other).fingerprint in r["error"] and HostKey.parse(r1.host_key_line).fingerprint in r["error"]
