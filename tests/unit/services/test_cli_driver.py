"""The prompt-driven CLI driver on platforms that cannot run here (IOS, IOS-XR, Junos, EOS).

FRR is driven for real in tests/lab (vtysh over sshd). For the vendors we have
no router, so a scripted channel plays back what their CLIs print: the echo,
the output and the next prompt, in the vendor's own format.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from oob_console.core.devices.platforms import spec
from oob_console.errors import DeadlineError, UnavailableError
from oob_console.services.devices.cli_driver import CliDriver


class ScriptedChannel:
    """Answers each typed line with ``respond(line, prompt)``; the prompt follows the mode."""

    supports_break = False

    def __init__(self, banner: str, respond: Callable[[str], tuple[str, str]]) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        if banner:
            self._queue.put_nowait(banner.encode())
        self.respond = respond
        self.typed: list[str] = []

    async def read(self) -> bytes:
        return await self._queue.get()

    async def write(self, data: bytes) -> None:
        line = data.decode().rstrip("\r\n")
        self.typed.append(line)
        output, prompt = self.respond(line)
        for piece in (f"{line}\r\n", output, prompt):  # echo, output, prompt, in pieces
            if piece:
                self._queue.put_nowait(piece.encode())

    async def send_break(self, millis: int = 500) -> None: ...
    def resize(self, cols: int, rows: int) -> None: ...
    async def close(self) -> None: ...


def ios(line: str) -> tuple[str, str]:
    mode = "core1(config)#" if ios.config else "core1#"  # type: ignore[attr-defined]
    if line.startswith("configure terminal"):
        ios.config = True  # type: ignore[attr-defined]
        return "Enter configuration commands, one per line.  End with CNTL/Z.\r\n", "core1(config)#"
    if line == "end":
        ios.config = False  # type: ignore[attr-defined]
        return "", "core1#"
    if line == "show ip bgp sum":
        return "BGP router identifier 10.0.0.1, local AS number 65000\r\n", mode
    if line == "router bgpp 65000":
        return "                ^\r\n% Invalid input detected at '^' marker.\r\n\r\n", mode
    return "", mode


@pytest.mark.parametrize("platform", ["ios", "eos"])
def test_ios_style_open_send_and_error(platform: str) -> None:
    async def scenario() -> None:
        ios.config = False  # type: ignore[attr-defined]
        ch = ScriptedChannel("\r\nUser Access Verification\r\n\r\ncore1#", ios)
        driver = CliDriver(ch, spec(platform), label="core1")
        await driver.open(2)
        assert ch.typed == list(spec(platform).paging_off)
        reply = await driver.send("show ip bgp sum", 2)
        assert reply.ok and reply.output == "BGP router identifier 10.0.0.1, local AS number 65000"
        assert driver.prompt == "core1#"
        bad = await driver.send("router bgpp 65000", 2)
        assert bad.error == "% Invalid input detected at '^' marker."

    asyncio.run(scenario())


def test_ios_commit_confirmed_is_a_revert_timer_and_errors_stop_the_change() -> None:
    async def scenario() -> None:
        ios.config = False  # type: ignore[attr-defined]
        ch = ScriptedChannel("core1#", ios)
        driver = CliDriver(ch, spec("ios"), label="core1")
        await driver.open(2)
        ch.typed.clear()
        replies = await driver.configure(["router bgp 65000", "network 203.0.113.0 mask 255.255.255.0"], 2,
                                         confirmed_minutes=5)
        assert ch.typed == ["configure terminal revert timer 5", "router bgp 65000",
                            "network 203.0.113.0 mask 255.255.255.0", "end"]
        assert all(r.ok for r in replies)
        ch.typed.clear()
        replies = await driver.configure(["router bgpp 65000", "never sent"], 2)
        assert ch.typed == ["configure terminal", "router bgpp 65000", "end"]
        assert not replies[-1].ok

    asyncio.run(scenario())


def junos(line: str) -> tuple[str, str]:
    cfg = junos.config  # type: ignore[attr-defined]
    if line == "configure private":
        junos.config = True  # type: ignore[attr-defined]
        return "warning: uncommitted changes will be discarded on exit\r\nEntering configuration mode\r\n\r\n" \
               "[edit]\r\n", "netops@mx1# "
    if line.startswith("commit confirmed"):
        return "commit confirmed will be automatically rolled back in 10 minutes unless confirmed\r\n" \
               "commit complete\r\n\r\n[edit]\r\n", "netops@mx1# "
    if line == "exit configuration-mode":
        junos.config = False  # type: ignore[attr-defined]
        return "Exiting configuration mode\r\n\r\n", "netops@mx1> "
    if line == "set protocols bgp group up neighbor 198.51.100.1 peer-as":
        return "                                                          ^\r\nsyntax error, expecting <number>.\r\n" \
               "\r\n[edit]\r\n", "netops@mx1# "
    return ("\r\n[edit]\r\n" if cfg else ""), ("netops@mx1# " if cfg else "netops@mx1> ")


def test_junos_commit_confirmed() -> None:
    async def scenario() -> None:
        junos.config = False  # type: ignore[attr-defined]
        ch = ScriptedChannel("--- JUNOS 23.4R1 built 2024-01-01\r\nnetops@mx1> ", junos)
        driver = CliDriver(ch, spec("junos"), label="mx1")
        await driver.open(2)
        ch.typed.clear()
        replies = await driver.configure(["set routing-options static route 203.0.113.0/24 discard"], 2,
                                         confirmed_minutes=10)
        assert ch.typed == ["configure private", "set routing-options static route 203.0.113.0/24 discard",
                            "commit confirmed 10", "exit configuration-mode"]
        assert all(r.ok for r in replies) and driver.prompt == "netops@mx1>"
        ch.typed.clear()
        replies = await driver.configure(["set protocols bgp group up neighbor 198.51.100.1 peer-as"], 2)
        assert replies[-1].error == "syntax error, expecting <number>."
        assert ch.typed[-2:] == ["rollback 0", "exit configuration-mode"]

    asyncio.run(scenario())


def test_iosxr_commit_confirmed_seconds() -> None:
    def xr(line: str) -> tuple[str, str]:
        if line == "configure terminal":
            xr.config = True  # type: ignore[attr-defined]
        if line == "end":
            xr.config = False  # type: ignore[attr-defined]
        prompt = "RP/0/RP0/CPU0:xr1(config)#" if getattr(xr, "config", False) else "RP/0/RP0/CPU0:xr1#"
        return "", prompt

    async def scenario() -> None:
        ch = ScriptedChannel("RP/0/RP0/CPU0:xr1#", xr)
        driver = CliDriver(ch, spec("iosxr"), label="xr1")
        await driver.open(2)
        ch.typed.clear()
        await driver.configure(["router static address-family ipv4 unicast 203.0.113.0/24 Null0"], 2,
                               confirmed_minutes=2)
        assert ch.typed == ["configure terminal", "router static address-family ipv4 unicast 203.0.113.0/24 Null0",
                            "commit confirmed 120", "end"]

    asyncio.run(scenario())


def test_silent_device_gets_a_newline_then_times_out_and_closed_channel_is_a_drop() -> None:
    async def scenario() -> None:
        ch = ScriptedChannel("", lambda line: ("", ""))
        with pytest.raises(DeadlineError, match=r"no prompt within 1\.2s"):
            await CliDriver(ch, spec("frr"), label="r1").open(1.2)
        assert ch.typed == [""]  # the wake-up Enter

        closed = ScriptedChannel("r1# ", lambda line: ("", "r1# "))
        driver = CliDriver(closed, spec("frr"), label="r1")
        await driver.open(1)
        closed._queue.put_nowait(b"")  # the far end closes mid-command
        closed.respond = lambda line: ("partial", "")
        with pytest.raises(UnavailableError) as info:
            await driver.send("show version", 1)
        assert info.value.details["dropped"] is True

    asyncio.run(scenario())
