"""The command guard on the typed line: `oob ssh` and `oob console` to a real sshd + FRR vtysh router.

Every check of what reached the router is made on the router (its running
config read with vtysh), never taken from our own log.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oob_console.core.guard import default_checkers
from oob_console.wiring import SOFT_KEY_ENV, Services
from tests.conftest import run_oob
from tests.guard_support import enroll_team
from tests.lab.consoles import CONSOLE_PASSWORD, PtyProcess, Ser2net, SerialLine, consoles_unavailable
from tests.lab.oob_server import ServerThread, Store, connect_asyncssh
from tests.lab.routers import Router, RouterLab, write_inventory
from tests.lab.softsk import SoftAgent
from tests.lab.test_serve_console import read_until
from tests.unit.auth_lab import Lab, make_lab

pytestmark = pytest.mark.lab


@pytest.fixture
def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, router_lab: RouterLab) -> Iterator[tuple[Lab, Router]]:
    lab = enroll_team(make_lab(tmp_path, monkeypatch))
    r1 = router_lab.router("r1")
    write_inventory(lab.home / "inventory.toml", [r1.device_entry()])
    yield lab, r1
    lab.app.store.close()


def session(lab: Lab, *args: str, key: str | None = "alice-key", extra: dict[str, str] | None = None) -> PtyProcess:
    """`oob ARGS` on a terminal; ``key``: that person's software key is attached to the host."""
    env = dict(os.environ, OOB_HOME=str(lab.home), TERM="vt100", COLUMNS="100", LINES="30", **(extra or {}))
    if key:
        env[SOFT_KEY_ENV] = str(lab.keys[key])
    return PtyProcess([sys.executable, "-m", "oob_console", *args], env)


class FakeTerminal:
    """The operator's terminal for an in-process session: keys in, what is shown out."""

    def __init__(self) -> None:
        self.keys: asyncio.Queue[bytes] = asyncio.Queue()
        self.shown = bytearray()
        self._read = 0

    def size(self) -> tuple[int, int]:
        return 100, 30

    def term(self) -> str:
        return "vt100"

    async def read(self) -> bytes:
        return await self.keys.get()

    def write(self, data: bytes) -> None:
        self.shown += data

    def on_resize(self, callback: Any) -> None:
        pass

    async def type(self, text: str) -> None:
        await self.keys.put(text.encode())

    async def expect(self, pattern: str, timeout: float = 10) -> str:
        rx = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            new = self.shown[self._read:].decode(errors="replace")
            m = rx.search(new)
            if m:
                self._read += len(new[:m.end()].encode())
                return new[:m.end()]
            if loop.time() > deadline:
                raise AssertionError(f"did not see {pattern!r}; got {new[-600:]!r}")
            await asyncio.sleep(0.02)

    def text(self) -> str:
        return self.shown.decode(errors="replace")


def audit(lab: Lab) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (lab.home / "audit.jsonl").read_text().splitlines()]


def has_bgp(router: Router) -> bool:
    return "router bgp 64512" in router.vtysh("show running-config")


def test_no_router_bgp_typed_in_oob_ssh_is_held_and_goes_once_after_two_approvals(
        guarded: tuple[Lab, Router]) -> None:
    lab, r1 = guarded
    term = session(lab, "ssh", "r1")
    term.expect("r1# ")
    term.send("show version\r")
    term.expect("FRRouting 8")
    term.expect("r1# ")
    term.send("configure terminal\r")  # entering config changes nothing yet
    term.expect(r"r1\(config\)# ")
    term.send("log syslog informational\r")  # a change outside every protected part: one touch for the session
    term.expect("touch your security key")
    term.expect(r"r1\(config\)# ")
    term.send("no router bgp 64512\r")
    seen = term.expect(r"once approved, ~a sends exactly this line")
    assert "DANGEROUS, not sent" in seen
    intent = re.search(r"intent (\w+) needs", seen)
    assert intent, seen
    term.expect(r"r1\(config\)# ")
    term.send("log timestamp precision 3\r")  # a change again: the session's touch still holds
    term.expect(r"r1\(config\)# ")
    term.send("end\r")
    term.expect("r1# ")
    assert has_bgp(r1), "the dangerous line reached the router"
    assert "log timestamp precision 3" in r1.vtysh("show running-config")
    assert term.seen.count(b"touch your security key") == 0

    for approver in ("alice-key", "bob-key"):
        proc = run_oob("approve", intent.group(1), "--local-key", home=lab.home,
                       env={SOFT_KEY_ENV: str(lab.keys[approver])})
        assert proc.returncode == 0, proc.stderr
    term.send("~a")  # at exec: not the mode it was approved in
    term.expect("no longer in the mode this line was approved for")
    assert has_bgp(r1)
    term.send("configure terminal\r")
    term.expect(r"r1\(config\)# ")
    term.send("~a")
    term.expect(r"no router bgp 64512")
    term.expect(r"r1\(config\)# ")
    term.send("~a")
    term.expect("nothing is waiting for approval")
    term.send("end\r")
    term.expect("r1# ")
    term.send("~.")
    assert term.wait() == 0
    assert not has_bgp(r1)
    entries = audit(lab)
    refused = [e for e in entries if e["action"] == "session.line"]
    assert [e["outcome"] for e in refused] == ["refused", "refused"]  # the line, then the ~a in the wrong mode
    assert refused[0]["details"]["intent"] == intent.group(1)
    claimed = [e for e in entries if e["action"] == "guard.clear" and e["outcome"] == "ok"]
    assert any(e["target"] == intent.group(1) and sorted(e["details"]["approvers"]) == ["alice", "bob"]
               for e in claimed)
    assert lab.app.approvals.get(intent.group(1)).state == "executed"


def test_a_paste_is_judged_whole_and_sent_whole_or_not_at_all(guarded: tuple[Lab, Router]) -> None:
    lab, r1 = guarded
    term = session(lab, "ssh", "r1")
    term.expect("r1# ")
    term.send("configure terminal\rlog syslog informational\rno router bgp 64512\rend\r")
    seen = term.expect("once approved, ~a sends exactly this line")
    assert "DANGEROUS" in seen
    term.expect("r1# ")
    config = r1.vtysh("show running-config")
    assert "router bgp 64512" in config and "log syslog informational" not in config  # none of it was sent
    term.send("\x1b[200~configure terminal\rlog syslog informational\rend\r\x1b[201~")
    term.expect("touch your security key")
    term.expect("r1# ")
    assert "log syslog informational" in r1.vtysh("show running-config")
    term.send("\r~.")  # the paste's end mark came last: an escape starts a line
    assert term.wait() == 0


def test_split_over_lines_and_modes_the_verdict_is_the_blocks(guarded: tuple[Lab, Router]) -> None:
    # Reaching config mode over several typed lines and a detour through another mode, then the
    # dangerous line: judged in the mode the device is in (its prompt says), as the block it executes.
    lab, r1 = guarded
    term = session(lab, "ssh", "r1")
    term.expect("r1# ")
    for line, prompt in (("conf t", r"r1\(config\)# "), ("interface lo", r"r1\(config-if\)# "),
                         ("exit", r"r1\(config\)# ")):
        term.send(line + "\r")
        term.expect(prompt)
    term.send("no router bgp 64512\r")
    term.expect("DANGEROUS, not sent")
    term.send("end\r")
    term.expect("r1# ")
    term.send("~.")
    assert term.wait() == 0
    assert has_bgp(r1)
    judged = [e["details"]["text"] for e in audit(lab) if e["action"] == "guard.decision"]
    assert "conf t\ninterface lo\nexit\nno router bgp 64512" in judged


def test_guard_failure_holds_every_line_until_it_recovers(guarded: tuple[Lab, Router]) -> None:
    # In-process, so a checker can be broken and mended while the session runs: nothing typed reaches
    # the router while the guard cannot judge, and the operator is told; then it works again.
    lab, r1 = guarded
    rules, *others = default_checkers()

    class Flaky:
        name = rules.name
        broken = True

        def check(self, request: Any, policy: Any) -> Any:
            if self.broken:
                raise RuntimeError("the rules checker is broken")
            return rules.check(request, policy)

    flaky = Flaky()
    services = Services.from_config(str(lab.home / "config.toml"))
    services.guard.checkers = (flaky, *others)
    term = FakeTerminal()

    async def scenario() -> None:
        task = asyncio.ensure_future(services.sessions.ssh("r1", term))
        await term.expect("r1# ")
        await term.type("show version\r")
        said = await term.expect("exactly this line\r\n")
        assert "not sent" in said and "the rules checker is broken" in said, said
        await term.type("configure terminal\r")
        said = await term.expect("exactly this line\r\n")
        assert "not sent" in said and "the rules checker is broken" in said, said
        flaky.broken = False
        await term.type("show version\r")
        await term.expect("FRRouting 8")
        await term.type("~.")
        await asyncio.wait_for(task, 10)

    asyncio.run(scenario())
    assert has_bgp(r1)
    assert term.text().count("FRRouting 8") == 1  # only the line typed after the guard recovered
    held = [e for e in audit(lab) if e["action"] == "session.line"]
    assert [e["details"]["text"] for e in held] == ["show version", "configure terminal"]


def test_a_secret_at_an_echo_off_prompt_is_neither_judged_nor_recorded(guarded: tuple[Lab, Router]) -> None:
    reason = consoles_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    lab, r1 = guarded
    line = SerialLine(r1)
    try:
        write_inventory(lab.home / "inventory.toml",
                        [r1.device_entry(console={"kind": "serial", "line": str(line.path), "baud": 115200})])
        term = session(lab, "console", "r1")
        term.expect("r1 login: ")
        term.send("alice\r")
        term.expect("Password: ")  # the device turned echo off
        term.send(f"{CONSOLE_PASSWORD}\r")
        term.expect("r1# ")
        term.send("configure terminal\r")
        term.expect(r"r1\(config\)# ")
        term.send("no router bgp 64512\r")
        term.expect("not sent")
        term.send("end\r")
        term.expect("r1# ")
        term.send("~.")
        assert term.wait() == 0
    finally:
        line.stop()
    assert has_bgp(r1)
    recording = next((lab.home / "recordings").glob("*.cast")).read_text()
    assert CONSOLE_PASSWORD not in recording and "[redacted]" in recording
    decisions = [e["details"]["text"] for e in audit(lab) if e["action"] == "guard.decision"]
    assert all(CONSOLE_PASSWORD not in d for d in decisions), decisions
    assert "alice" not in decisions  # an answer to the login prompt is not a command


def test_through_oob_serve_and_a_ser2net_port(site: Path, alice_in_agent: Store, soft_agent: SoftAgent,
                                               router_lab: RouterLab, tmp_path: Path) -> None:
    # An engineer's own SSH session into the console (the line shell), then `ssh r1` from it: the same
    # guard holds the dangerous line; the touch of the engineer's SSH login allows the change. Then the
    # router's console through a ser2net telnet port, from the same shell.
    reason = consoles_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    r1 = router_lab.router("r1")
    line = SerialLine(r1)
    (tmp_path / "s2n").mkdir()
    ser2net = Ser2net(tmp_path / "s2n", {"r1": (line.path, "telnet")})
    write_inventory(site / "inventory.toml", [
        r1.device_entry(console={"kind": "telnet", "server": "127.0.0.1", "port": ser2net.ports["r1"]})])
    server = ServerThread(site, console=("tui",), line_console=("shell",)).start()

    async def go() -> bytes:
        async with await connect_asyncssh(server, soft_agent, tmp_path) as conn:
            proc = await conn.create_process(term_type="vt100", term_size=(100, 30), encoding=None)
            seen = await read_until(proc.stdout, lambda s: b"user:alice" in s)
            proc.stdin.write(b"ssh r1\r")
            seen += await read_until(proc.stdout, lambda s: s.endswith(b"r1# "))
            for typed, until in ((b"configure terminal\r", b"r1(config)# "),
                                 (b"log syslog informational\r", b"r1(config)# "),
                                 (b"no router bgp 64512\r", b"exactly this line\r\n"),
                                 (b"end\r", b"r1# ")):
                proc.stdin.write(typed)
                seen += await read_until(proc.stdout, lambda s, u=until: u in s)  # type: ignore[misc]
            proc.stdin.write(b"~.")
            seen += await read_until(proc.stdout, lambda s: s.endswith(b"\r\n> "))  # back at the shell
            proc.stdin.write(b"console r1\r")
            seen += await read_until(proc.stdout, lambda s: b"r1 login: " in s)
            proc.stdin.write(b"alice\r")
            seen += await read_until(proc.stdout, lambda s: b"Password: " in s)
            proc.stdin.write(CONSOLE_PASSWORD.encode() + b"\r")
            seen += await read_until(proc.stdout, lambda s: s.rstrip().endswith(b"r1#"))
            for typed, until in ((b"configure terminal\r", b"r1(config)# "),
                                 (b"no router bgp 64512\r", b"exactly this line\r\n")):
                proc.stdin.write(typed)
                seen += await read_until(proc.stdout, lambda s, u=until: u in s)  # type: ignore[misc]
            proc.stdin.write(b"\r~.")
            seen += await read_until(proc.stdout, lambda s: s.endswith(b"\r\n> "))
            proc.stdin.write(b"q\r")
            await asyncio.wait_for(proc.wait(), 30)
            return seen

    try:
        seen = asyncio.run(go())
    finally:
        server.stop()
        ser2net.stop()
        line.stop()
    text = seen.decode(errors="replace")
    assert text.count("DANGEROUS, not sent") == 2, text[-3000:]
    assert "touch your security key" not in text  # the SSH login's touch counts for the session
    config = r1.vtysh("show running-config")
    assert "router bgp 64512" in config and "log syslog informational" in config
