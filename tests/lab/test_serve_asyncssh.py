"""An asyncssh client (keys in a real ssh-agent backed by the software key) against ``oob serve``."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from tests.lab.oob_server import ServerThread, Store, connect_asyncssh
from tests.lab.softsk import SoftAgent

pytestmark = pytest.mark.lab


def start(site: Path, **overrides: Any) -> ServerThread:
    return ServerThread(site, **overrides).start()


def test_pty_session_gets_the_client_terminal_size(site: Path, alice_in_agent: Store, soft_agent: SoftAgent,
                                                   tmp_path: Path) -> None:
    """(The TUI redrawing on a resize is in test_serve_console.)"""
    server = start(site)

    async def go() -> str:
        async with await connect_asyncssh(server, soft_agent, tmp_path) as conn:
            result = await conn.run(term_type="xterm-256color", term_size=(132, 43), timeout=30)
            return str(result.stdout)

    try:
        out = asyncio.run(go())
    finally:
        server.stop()
    assert "user:alice" in out
    started = alice_in_agent.audit("ssh.session.start")[-1]["details"]
    assert started["size"] == "132x43" and started["term"] == "xterm-256color"


def test_idle_connection_is_logged_out(site: Path, alice_in_agent: Store, soft_agent: SoftAgent,
                                       tmp_path: Path) -> None:
    server = start(site, idle_timeout=1)

    async def go() -> float:
        conn = await connect_asyncssh(server, soft_agent, tmp_path)
        began = time.monotonic()
        await asyncio.wait_for(conn.wait_closed(), 10)
        return time.monotonic() - began

    try:
        waited = asyncio.run(go())
    finally:
        server.stop()
    assert 0.9 <= waited < 5


def test_connections_beyond_the_limit_are_dropped(site: Path, alice_in_agent: Store, soft_agent: SoftAgent,
                                                  tmp_path: Path) -> None:
    server = start(site, max_connections=2)

    async def go() -> None:
        first = await connect_asyncssh(server, soft_agent, tmp_path)
        second = await connect_asyncssh(server, soft_agent, tmp_path)
        with pytest.raises((asyncssh.Error, OSError)):
            await connect_asyncssh(server, soft_agent, tmp_path)
        first.close()
        await first.wait_closed()
        await asyncio.sleep(0.2)
        third = await connect_asyncssh(server, soft_agent, tmp_path)  # room again
        third.close()
        second.close()

    try:
        asyncio.run(go())
    finally:
        server.stop()


def test_no_forwarding_of_any_kind(site: Path, alice_in_agent: Store, soft_agent: SoftAgent, tmp_path: Path) -> None:
    server = start(site)

    async def go() -> None:
        async with await connect_asyncssh(server, soft_agent, tmp_path) as conn:
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", server.port)
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.run(subsystem="sftp", timeout=30)
            result = await conn.run(subsystem="netconf", timeout=30)
            assert result.exit_status == 1 and "subsystem 'netconf' is not offered" in str(result.stderr)

    try:
        asyncio.run(go())
    finally:
        server.stop()
