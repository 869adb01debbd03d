"""An asyncssh client (keys in a real ssh-agent backed by the software key) against ``oob serve``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from tests.lab.oob_server import ServerThread, Store, relax_backoff
from tests.lab.softsk import SoftAgent, SoftDevice

pytestmark = pytest.mark.lab


@pytest.fixture
def agent(soft_device: SoftDevice) -> Iterator[SoftAgent]:
    a = SoftAgent(soft_device)
    yield a
    a.stop()


@pytest.fixture
def alice(site: Path, soft_device: SoftDevice, agent: SoftAgent) -> Store:
    relax_backoff(site)
    store = Store(site)
    key = soft_device.enroll("alice")
    agent.add(key)
    store.add("alice", key)
    return store


def start(site: Path, store: Store, **overrides: Any) -> ServerThread:
    return ServerThread(site, **overrides).start()


async def connect(server: ServerThread, agent: SoftAgent, tmp: Path, **kw: Any) -> asyncssh.SSHClientConnection:
    async with asyncssh.connect_agent(str(agent.socket)) as agent_client:
        keys = await agent_client.get_keys()
    return await asyncssh.connect(
        "127.0.0.1", server.port, username="oob", client_keys=keys, agent_path=None, config=[],
        known_hosts=str(server.known_hosts(tmp / "known_hosts")), connect_timeout=30, **kw,
    )


def test_pty_session_gets_the_client_terminal_size(site: Path, alice: Store, agent: SoftAgent,
                                                   tmp_path: Path) -> None:
    server = start(site, alice)

    async def go() -> str:
        async with await connect(server, agent, tmp_path) as conn:
            result = await conn.run(term_type="xterm-256color", term_size=(132, 43), timeout=30)
            return str(result.stdout)

    try:
        out = asyncio.run(go())
    finally:
        server.stop()
    assert "user:alice" in out


def test_idle_connection_is_logged_out(site: Path, alice: Store, agent: SoftAgent,
                                       tmp_path: Path) -> None:
    server = start(site, alice, idle_timeout=1)

    async def go() -> float:
        conn = await connect(server, agent, tmp_path)
        began = time.monotonic()
        await asyncio.wait_for(conn.wait_closed(), 10)
        return time.monotonic() - began

    try:
        waited = asyncio.run(go())
    finally:
        server.stop()
    assert 0.9 <= waited < 5


def test_connections_beyond_the_limit_are_dropped(site: Path, alice: Store, agent: SoftAgent,
                                                  tmp_path: Path) -> None:
    server = start(site, alice, max_connections=2)

    async def go() -> None:
        first = await connect(server, agent, tmp_path)
        second = await connect(server, agent, tmp_path)
        with pytest.raises((asyncssh.Error, OSError)):
            await connect(server, agent, tmp_path)
        first.close()
        await first.wait_closed()
        await asyncio.sleep(0.2)
        third = await connect(server, agent, tmp_path)  # room again
        third.close()
        second.close()

    try:
        asyncio.run(go())
    finally:
        server.stop()


def test_no_forwarding_of_any_kind(site: Path, alice: Store, agent: SoftAgent, tmp_path: Path) -> None:
    server = start(site, alice)

    async def go() -> None:
        async with await connect(server, agent, tmp_path) as conn:
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
