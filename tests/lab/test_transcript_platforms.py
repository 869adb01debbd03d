"""NX-OS and IOS `enable` against a CLI server speaking their transcripts (tests/lab/transcript_cli.py),
over real SSH with the real asyncssh engine: NX-OS platform data (prompts in every mode, paging, errors,
configure terminal, checkpoint/rollback as the safe change), IOS `enable` with a secret reference
through `oob run`, and an enable password the device echoes kept out of the recording."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from oob_console.adapters.ssh.asyncssh_session import AsyncsshEngine
from oob_console.core.devices.hostkeys import HostKey
from oob_console.core.devices.platforms import platform_from_alias, spec
from oob_console.services.devices.cli_driver import CliDriver
from oob_console.services.devices.ports import SshTarget
from tests.conftest import run_oob
from tests.lab.consoles import PtyProcess
from tests.lab.routers import write_inventory
from tests.lab.transcript_cli import TranscriptServer

pytestmark = pytest.mark.lab

ENABLE = "en4ble-S3cret-9f"


def _target(server: TranscriptServer) -> SshTarget:
    return SshTarget(label="leaf1", host="127.0.0.1", port=server.port, username="ops",
                     host_keys=(HostKey.parse(server.host_key_line),), connect_timeout=10,
                     key_file=str(server.client_key))


async def _nxos_session(server: TranscriptServer) -> None:
    session = await AsyncsshEngine().connect(_target(server))
    channel = await session.shell(term="vt100", cols=511, rows=24)
    try:
        driver = CliDriver(channel, spec("nxos"), label="leaf1")
        await driver.open(10)
        assert driver.prompt == "leaf1#"
        version = await driver.send("show version", 10)
        assert version.ok and "NXOS: version 10.3(4a)" in version.output
        bad = await driver.send("show bogus-thing", 10)
        assert bad.error == "% Invalid command at '^' marker."

        # a clean change: checkpoint first, lines in configure terminal (config-if prompt followed), end,
        # checkpoint deleted
        replies = await driver.configure(["interface Ethernet1/2", "no shutdown", "description to-fw1"], 10,
                                         session="t1")
        assert all(r.ok for r in replies), replies
        assert [r.command.split()[0] for r in replies] == ["checkpoint", "configure", "interface", "no",
                                                           "description", "end"]
        assert "  description to-fw1" in server.config and server.checkpoints == {}

        # a rejected line: leave configuration, roll back to the checkpoint (the earlier lines undone)
        before = list(server.config)
        replies = await driver.configure(["interface Ethernet1/1", "shutdown", "descrption typo"], 10,
                                         session="t2")
        assert replies[-1].command == "descrption typo" and not replies[-1].ok
        rolled = [r for r in replies if r.command.startswith("rollback running-config checkpoint oob-t2-")]
        assert rolled and rolled[0].ok and "Rollback completed successfully" in rolled[0].output
        assert server.config == before and server.checkpoints == {}
        assert driver.prompt == "leaf1#"
    finally:
        await channel.close()
        await session.close()


def test_nxos_platform_data_against_the_transcript_server(tmp_path: Path) -> None:
    assert platform_from_alias("cisco_nxos") == "nxos" and platform_from_alias("cisco-nx-os") == "nxos"
    with TranscriptServer(tmp_path / "nx", "nxos") as server:
        asyncio.run(_nxos_session(server))
        assert server.typed[:2] == ["terminal length 0", "terminal width 511"]  # paging off first


def _enable_site(site: Path, server: TranscriptServer, secret: str) -> None:
    secret_file = site / "r1.enable"
    secret_file.write_text(secret + "\n")
    secret_file.chmod(0o600)
    write_inventory(site / "inventory.toml", [server.device_entry("r1", enable_secret=f"file:{secret_file}")])


def test_ios_enable_with_a_secret_reference_through_oob_run(site: Path, tmp_path: Path) -> None:
    with TranscriptServer(tmp_path / "ios", "ios", enable_secret=ENABLE) as server:
        _enable_site(site, server, ENABLE)
        proc = run_oob("run", "--json", "r1", "--", "show running-config", home=site)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        result = json.loads(proc.stdout)["result"]["results"][0]
        assert result["status"] == "ok" and "interface Gi0/0" in result["output"]
        assert server.typed[:2] == ["enable", "terminal length 0"]  # privileged first, then paging off
        assert ENABLE not in proc.stdout + proc.stderr + (site / "audit.jsonl").read_text()

        _enable_site(site, server, "not-the-secret")
        wrong = run_oob("run", "--json", "r1", "--", "show running-config", home=site)
        assert wrong.returncode != 0
        failed = json.loads(wrong.stdout)["result"]["results"][0]
        assert "refused the enable secret" in failed["error"]
        assert server.typed.count("show running-config") == 1  # never typed in unprivileged mode


def test_an_echoed_enable_password_is_kept_out_of_the_recording(site: Path, tmp_path: Path) -> None:
    with TranscriptServer(tmp_path / "ios", "ios", enable_secret=ENABLE, echo_secret=True) as server:
        write_inventory(site / "inventory.toml", [server.device_entry("r1")])
        term = PtyProcess.oob("ssh", "r1", home=site)
        term.expect("r1>")
        term.send("enable\r")
        term.expect("Password: ")
        term.send(ENABLE + "\r")
        term.expect(ENABLE)  # the device really echoes it to the operator's screen
        term.expect("r1#")
        term.send("show privilege\r")
        term.expect("level is 15")
        term.send("exit\r")
        assert term.wait() == 0
    casts = sorted((site / "recordings").glob("*.cast"))
    raw = casts[0].read_text()
    assert ENABLE not in raw and ENABLE[:6] not in raw
    events = [json.loads(line) for line in raw.splitlines()[1:]]
    output = "".join(e[2] for e in events if e[1] == "o")
    assert "[redacted]" in output and "level is 15" in output and "r1#" in output
