"""The demo routers are real SSH servers on loopback: pinned host keys, key login, a vtysh-like CLI."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import asyncssh
import pytest

from oob_console.demo.routers import ROUTERS, RouterFleet, answer


@pytest.fixture
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def fleet(client_key: asyncssh.SSHKey) -> Iterator[RouterFleet]:
    routers = RouterFleet(client_key.export_public_key().decode())
    routers.start()
    yield routers
    routers.stop()


def _connect(fleet: RouterFleet, name: str, key: asyncssh.SSHKey, pin: str | None = None) -> asyncssh.connect:
    known = asyncssh.import_known_hosts(f"[127.0.0.1]:{fleet.ports[name]} {pin or fleet.host_key(name)}\n")
    return asyncssh.connect("127.0.0.1", fleet.ports[name], username="demo", client_keys=[key],
                            known_hosts=known, connect_timeout=10)


def test_answers_like_vtysh() -> None:
    bb1 = ROUTERS[0]
    out, status = answer(bb1, "sh ip bgp sum")
    assert status == 0 and "192.0.2.2" in out and "Active" in out
    assert answer(bb1, "show interface brief")[0].count("\n") == 4
    assert answer(bb1, "show nonsense") == ("% Unknown command: show nonsense\n", 1)
    assert answer(bb1, "configure terminal")[1] == 1
    assert answer(bb1, "  ") == ("", 0)


def test_exec_and_interactive_sessions(fleet: RouterFleet, client_key: asyncssh.SSHKey) -> None:
    async def run() -> tuple[asyncssh.SSHCompletedProcess, asyncssh.SSHCompletedProcess, str]:
        async with _connect(fleet, "bb2.sjc1", client_key) as conn:
            ok = await conn.run("show version", timeout=10)
            bad = await conn.run("show nonsense", timeout=10)
            proc = await conn.create_process(term_type="vt100")
            proc.stdin.write("show ip bgp summary\nexit\n")
            shown = await asyncio.wait_for(proc.stdout.read(), 10)
            return ok, bad, shown

    ok, bad, shown = asyncio.run(run())
    assert ok.exit_status == 0 and "DEMO router bb2.sjc1" in str(ok.stdout)
    assert bad.exit_status == 1 and str(bad.stdout).startswith("% Unknown command")
    assert "bb2.sjc1# " in shown and "198.51.100.2" in shown


def test_wrong_host_key_and_wrong_client_key_are_refused(fleet: RouterFleet, client_key: asyncssh.SSHKey) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")

    async def attempt(key: asyncssh.SSHKey, pin: str | None) -> None:
        async with _connect(fleet, "bb1.sjc1", key, pin):
            pass

    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        asyncio.run(attempt(client_key, other.export_public_key().decode().strip()))
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(attempt(other, None))


def test_stop_closes_listeners_and_sessions(client_key: asyncssh.SSHKey) -> None:
    routers = RouterFleet(client_key.export_public_key().decode())
    ports = routers.start()
    assert set(ports) == {r.name for r in ROUTERS} and len(set(ports.values())) == len(ports)

    async def open_session() -> asyncssh.SSHClientConnection:
        conn = await _connect(routers, "edge1.sjc1", client_key)
        await conn.create_process(term_type="vt100")
        return conn

    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(open_session())
    routers.stop()
    loop.run_until_complete(asyncio.wait_for(conn.wait_closed(), 10))  # the server hung up on us
    loop.close()
    for port in ports.values():
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    routers.stop()  # a second stop is harmless
