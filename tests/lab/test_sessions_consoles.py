"""Interactive sessions through the real CLI on a pseudo-terminal: `oob ssh` to sshd+vtysh,
`oob console` over a local serial line (socat pty), ser2net telnet and raw ports, and an SSH
console server; recordings, redaction after password prompts, break, `oob sessions list|play`."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_oob
from tests.lab.consoles import CONSOLE_PASSWORD, PtyProcess, Ser2net, SerialLine, consoles_unavailable
from tests.lab.fault_ssh import FaultServer
from tests.lab.routers import Router, RouterLab, wait_for, write_inventory

pytestmark = pytest.mark.lab


@pytest.fixture
def serial_router(router_lab: RouterLab) -> Iterator[tuple[Router, SerialLine]]:
    reason = consoles_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    r1 = router_lab.router("r1")
    line = SerialLine(r1)
    yield r1, line
    line.stop()


def _recording(site: Path) -> tuple[Path, dict[str, Any], list[list[Any]]]:
    casts = sorted((site / "recordings").glob("*.cast"))
    assert len(casts) == 1, casts
    lines = casts[0].read_text().splitlines()
    return casts[0], json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def _console_login(term: PtyProcess, name: str = "r1") -> None:
    term.expect(f"{name} login: ")
    term.send("alice\r")
    term.expect("Password: ")
    term.send(CONSOLE_PASSWORD + "\r")
    term.expect(f"{name}# ")


def _login_show_break_quit(term: PtyProcess, name: str) -> None:
    _console_login(term, name)
    term.send("show version\r")
    term.expect("FRRouting 8")
    term.send("~B")
    term.expect(r"\[oob\] break sent")
    term.send("\r~.")
    assert term.wait() == 0


def _assert_redacted(site: Path) -> list[list[Any]]:
    path, header, events = _recording(site)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert header["version"] == 2 and header["width"] == 100 and header["height"] == 30
    raw = path.read_text()
    assert CONSOLE_PASSWORD not in raw and "enable-secret" not in raw
    inputs = "".join(e[2] for e in events if e[1] == "i")
    assert inputs.count("[redacted]") == 1, inputs
    return events


def test_ssh_session_is_recorded_and_plays_back(site: Path, router_lab: RouterLab) -> None:
    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry()])
    term = PtyProcess.oob("ssh", "r1", home=site)
    term.expect(r"recording \S+; ~\. ends")
    term.expect("r1# ")
    term.send("show version\r")
    term.expect("FRRouting 8")
    term.expect("r1# ")
    term.send("~?")
    term.expect("end the session")
    term.send("\r~.")
    assert term.wait() == 0
    assert "ended by the operator" in term.seen.decode(errors="replace")
    path, header, events = _recording(site)
    assert "oob ssh r1" in header["title"]
    output = "".join(e[2] for e in events if e[1] == "o")
    assert "FRRouting 8" in output and "r1# " in output
    assert "show version\r" in "".join(e[2] for e in events if e[1] == "i")

    listed = json.loads(run_oob("sessions", "list", "--json", home=site).stdout)["result"]
    assert [r["id"] for r in listed] == [path.stem]
    played = run_oob("sessions", "play", path.stem[:20], "--no-wait", home=site)
    assert played.returncode == 0 and "FRRouting 8" in played.stdout
    actions = [json.loads(line)["action"] for line in (site / "audit.jsonl").read_text().splitlines()]
    assert actions[-3:] == ["session.ssh.start", "session.ssh.end", "session.play"]


def test_ssh_session_with_paramiko_and_password_prompt_redaction(site: Path, tmp_path: Path) -> None:
    with FaultServer(tmp_path / "fault") as server:
        write_inventory(site / "inventory.toml", [server.device_entry("f1")])
        term = PtyProcess.oob("ssh", "--transport", "paramiko", "f1", home=site)
        term.expect("fault# ")
        term.send("enable\r")
        term.expect("Password: ")
        term.send("enable-secret\r")
        term.expect("fault# ")
        term.send("~B")
        term.expect("cannot send a break")  # paramiko has no RFC 4335 break
        term.send("exit\r")
        assert term.wait() == 0
        assert "the device closed the session" in term.seen.decode(errors="replace")
    _assert_redacted(site)


def test_local_serial_console_login_break_and_redaction(site: Path, serial_router: tuple[Router, SerialLine]) -> None:
    r1, line = serial_router
    write_inventory(site / "inventory.toml",
                    [r1.device_entry(console={"kind": "serial", "line": str(line.path), "baud": 115200})])
    term = PtyProcess.oob("console", "r1", home=site)
    term.expect(r"serial \S+ at 115200 baud")
    _console_login(term)  # the wake-up newline made the login prompt appear
    term.send("show running-config\r")
    term.expect("router bgp 64512")
    term.expect("r1# ")
    term.send("~B")
    term.expect(r"\[oob\] break sent")
    term.send("\r")
    term.expect("r1# ")
    term.send("~.")
    assert term.wait() == 0
    events = _assert_redacted(site)
    assert "[break]" in [e[2] for e in events if e[1] == "i"]
    end = [json.loads(x) for x in (site / "audit.jsonl").read_text().splitlines()][-1]
    assert end["action"] == "session.console.end" and end["details"]["breaks"] == 1
    assert end["details"]["redactions"] == 1


def test_ser2net_telnet_and_raw_ports(site: Path, router_lab: RouterLab, tmp_path: Path) -> None:
    reason = consoles_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    r1, r2 = router_lab.router("r1"), router_lab.router("r2")
    l1, l2 = SerialLine(r1), SerialLine(r2)
    ser2net = Ser2net(tmp_path, {"r1": (l1.path, "telnet"), "r2": (l2.path, "raw")})
    try:
        write_inventory(site / "inventory.toml", [
            r1.device_entry(console={"kind": "telnet", "server": "127.0.0.1", "port": ser2net.ports["r1"]}),
            r2.device_entry(console={"kind": "raw", "server": "127.0.0.1", "port": ser2net.ports["r2"]}),
        ])
        term = PtyProcess.oob("console", "r1", home=site)
        _login_show_break_quit(term, "r1")

        term = PtyProcess.oob("console", "r2", home=site)
        _console_login(term, "r2")
        term.send("~B")
        term.expect("this transport cannot send a break")
        term.send("\rexit\r")
        term.expect("r2 login: ")  # back at the console's login prompt, as on a real port
        term.send("~.")
        assert term.wait() == 0
    finally:
        ser2net.stop()
        l1.stop()
        l2.stop()


def test_ssh_console_server_port_addressing_and_break(site: Path, serial_router: tuple[Router, SerialLine],
                                                      tmp_path: Path) -> None:
    r1, line = serial_router
    with FaultServer(tmp_path / "cs", console_lines={"port5": str(line.path)}) as cs:
        write_inventory(
            site / "inventory.toml",
            [r1.device_entry(console={"kind": "ssh", "server": "cs1", "line": "port5"})],
            [{"name": "cs1", "host": "127.0.0.1", "port": cs.port, "username": "alice",
              "key_file": str(cs.client_key), "host_keys": [cs.host_key_line]}],
        )
        shown = run_oob("inventory", "show", "r1", home=site)
        assert f"console ssh alice:port5@127.0.0.1:{cs.port}" in shown.stdout
        term = PtyProcess.oob("console", "r1", home=site)
        _login_show_break_quit(term, "r1")
        assert cs.logins == ["alice:port5"]
        assert cs.breaks == [("port5", 500)]
    _assert_redacted(site)


def test_console_server_key_must_be_pinned_first(site: Path, serial_router: tuple[Router, SerialLine],
                                                           tmp_path: Path) -> None:
    r1, line = serial_router
    with FaultServer(tmp_path / "cs", console_lines={"port5": str(line.path)}) as cs:
        write_inventory(site / "inventory.toml",
                        [r1.device_entry(console={"kind": "ssh", "server": "cs1", "line": "port5"})],
                        [{"name": "cs1", "host": "127.0.0.1", "port": cs.port, "username": "alice",
                          "key_file": str(cs.client_key)}])
        term = PtyProcess.oob("console", "r1", home=site)
        assert term.wait() == 7
        assert "no pinned host key" in term.seen.decode() and "--console" in term.seen.decode()
        assert cs.logins == []
        piped = run_oob("console", "r1", home=site)  # stdin is not a terminal here
        assert piped.returncode == 2 and "needs a terminal" in piped.stderr

        from oob_console.core.devices.hostkeys import HostKey

        fingerprint = HostKey.parse(cs.host_key_line).fingerprint
        pinned = run_oob("inventory", "pin-hostkey", "r1", "--console", "--expect", fingerprint, home=site)
        assert pinned.returncode == 0 and "console server cs1" in pinned.stdout, pinned.stderr
        assert f"[127.0.0.1]:{cs.port} ssh-ed25519" in (site / "known_hosts").read_text()
        term = PtyProcess.oob("console", "r1", home=site)
        _login_show_break_quit(term, "r1")
        assert cs.logins == ["alice:port5"]


def test_recording_survives_kill_9(site: Path, router_lab: RouterLab) -> None:
    import os
    import signal

    r1 = router_lab.router("r1")
    write_inventory(site / "inventory.toml", [r1.device_entry()])
    term = PtyProcess.oob("ssh", "r1", home=site)
    term.expect("r1# ")
    term.send("show version\r")
    term.expect("FRRouting 8")
    term.expect("r1# ")
    os.kill(term.proc.pid, signal.SIGKILL)
    term.wait()
    path, header, events = _recording(site)  # header and every event written so far are intact
    assert header["version"] == 2
    assert "FRRouting 8" in "".join(e[2] for e in events if e[1] == "o")
    played = run_oob("sessions", "play", path.stem, "--no-wait", home=site)
    assert played.returncode == 0 and "FRRouting 8" in played.stdout
    actions = [json.loads(line)["action"] for line in (site / "audit.jsonl").read_text().splitlines()]
    assert "session.ssh.start" in actions and run_oob("audit", "verify", home=site).returncode == 0


def _audit(site: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (site / "audit.jsonl").read_text().splitlines()]


def test_second_console_on_a_serial_line_is_refused(site: Path, serial_router: tuple[Router, SerialLine]) -> None:
    r1, line = serial_router
    write_inventory(site / "inventory.toml",
                    [r1.device_entry(console={"kind": "serial", "line": str(line.path), "baud": 115200})])
    first = PtyProcess.oob("console", "r1", home=site)
    _console_login(first)
    lock = Path("/run/lock") / ("LCK.." + os.path.realpath(line.path)[len("/dev/"):].replace("/", "_"))
    assert lock.read_text() == f"{first.proc.pid:10d}\n"  # HDB UUCP: ten digits and a newline
    second = PtyProcess.oob("console", "r1", home=site)
    assert second.wait() == 8
    seen = second.seen.decode(errors="replace")
    assert "is busy" in seen and f"PID {first.proc.pid}" in seen and "oob_console console r1" in seen
    first.send("show version\r")  # the first session still owns the line, and only it sees the output
    first.expect("FRRouting 8")
    first.send("\r~.")
    assert first.wait() == 0
    assert not lock.exists()
    ends = [e for e in _audit(site) if e["action"] == "session.console.end"]
    assert [e["outcome"] for e in ends] == ["failed", "ok"]

    # a lock left by a program that is gone is stale: removed, the line opens
    gone = subprocess.Popen(["true"])
    gone.wait()
    lock.write_text(f"{gone.pid:10d}\n")
    third = PtyProcess.oob("console", "r1", home=site)
    third.expect("r1# ")  # still logged in: a console line keeps its session, as on a real port
    assert lock.read_text() == f"{third.proc.pid:10d}\n"
    # the line dies mid-session (the far end goes away): non-zero, audited failed
    line.stop()
    assert third.wait() == 8
    assert "console line of r1 closed" in third.seen.decode(errors="replace")
    assert _audit(site)[-1]["action"] == "session.console.end" and _audit(site)[-1]["outcome"] == "failed"
    assert not lock.exists()


def test_serial_line_held_by_ser2net_is_refused(site: Path, serial_router: tuple[Router, SerialLine],
                                                tmp_path: Path) -> None:
    r1, line = serial_router
    ser2net = Ser2net(tmp_path, {"r1": (line.path, "raw")})
    try:
        write_inventory(site / "inventory.toml",
                        [r1.device_entry(console={"kind": "serial", "line": str(line.path), "baud": 115200})])
        with socket.create_connection(("127.0.0.1", ser2net.ports["r1"]), timeout=5) as client:
            client.sendall(b"\r")  # a user on the ser2net port: ser2net has the line open now
            wait_for(lambda: _opened_by_ser2net(line.path), 5, "ser2net to open the line")
            term = PtyProcess.oob("console", "r1", home=site)
            assert term.wait() == 8
            seen = term.seen.decode(errors="replace")
            assert "is busy" in seen and "ser2net" in seen, seen
        assert _audit(site)[-1]["outcome"] == "failed"
    finally:
        ser2net.stop()


def _opened_by_ser2net(path: Path) -> bool:
    rdev = os.stat(path).st_rdev
    for link in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if "ser2net" in Path(f"/proc/{link.parts[2]}/comm").read_text() and link.stat().st_rdev == rdev:
                return True
        except OSError:
            continue
    return False


@pytest.mark.parametrize("mode", ["telnet", "raw"])
def test_console_server_refusal_is_shown_and_fails(site: Path, serial_router: tuple[Router, SerialLine],
                                                    tmp_path: Path, mode: str) -> None:
    r1, line = serial_router
    ser2net = Ser2net(tmp_path, {"r1": (line.path, mode)}, kick=False)
    try:
        write_inventory(site / "inventory.toml", [
            r1.device_entry(console={"kind": mode, "server": "127.0.0.1", "port": ser2net.ports["r1"]})])
        with socket.create_connection(("127.0.0.1", ser2net.ports["r1"]), timeout=5) as holder:
            holder.sendall(b"\r")
            time.sleep(0.3)
            term = PtyProcess.oob("console", "r1", home=site)
            assert term.wait() == 8
        seen = term.seen.decode(errors="replace")
        assert "Port already in use" in seen and "console line of r1 closed" in seen, seen
        assert "Connection lost" not in seen
        end = _audit(site)[-1]
        assert end["action"] == "session.console.end" and end["outcome"] == "failed"
        assert "Port already in use" in end["details"]["reason"]
    finally:
        ser2net.stop()
