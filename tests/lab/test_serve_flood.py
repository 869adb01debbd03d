"""Pre-auth flood: 200 idle connections from one address do not keep an engineer out.

The flooder (127.0.0.2) opens 200 TCP connections that send only an SSH banner
and keeps re-opening every one the server drops, for the whole test; the
engineer logs in from 127.0.0.3 with the real OpenSSH client and a software
security key, and must be in (``oob whoami`` answered) within 2 s.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.oob_server import ServerThread, Store, relax_backoff
from tests.lab.softsk import SoftDevice
from tests.lab.sshd import SshClient

pytestmark = pytest.mark.lab

FLOOD = 200


class Flooder:
    """Idle pre-auth connections from one loopback address, renewed as soon as one is dropped."""

    def __init__(self, port: int, source: str) -> None:
        self.port, self.source = port, source
        self.stop = threading.Event()
        self.opened = 0
        self.socks: list[socket.socket] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket | None:
        s = socket.socket()
        s.settimeout(1)
        try:
            s.bind((self.source, 0))
            s.connect(("127.0.0.1", self.port))
            s.sendall(b"SSH-2.0-flood\r\n")
        except OSError:
            s.close()
            return None
        s.setblocking(False)
        self.opened += 1
        return s

    def _alive(self, s: socket.socket) -> bool:
        try:
            data = s.recv(4096)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return bool(data)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.socks = [s for s in self.socks if self._alive(s) or s.close()]
            while len(self.socks) < FLOOD and not self.stop.is_set():
                s = self._open()
                if s is not None:
                    self.socks.append(s)
            time.sleep(0.01)
        for s in self.socks:
            s.close()

    def __enter__(self) -> Flooder:
        self.thread.start()
        deadline = time.monotonic() + 20
        while self.opened < FLOOD and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.fixture
def store(site: Path) -> Store:
    relax_backoff(site)
    return Store(site)


@pytest.fixture
def server(site: Path, store: Store) -> Iterator[ServerThread]:
    srv = ServerThread(site).start()
    yield srv
    srv.stop()


def test_engineer_logs_in_during_a_pre_auth_flood(server: ServerThread, store: Store, soft_device: SoftDevice,
                                                  tmp_path: Path) -> None:
    client = SshClient(server.port, server.known_hosts(tmp_path / "known_hosts"), soft_device, user="oob")
    key = soft_device.enroll("alice")
    store.add("alice", key)
    with Flooder(server.port, "127.0.0.2") as flood:
        assert flood.opened >= FLOOD  # the flood is on: 200 connections were opened (most dropped at once)
        began = time.monotonic()
        out = client.ssh(key, "whoami", "--json", extra=("-b", "127.0.0.3"))
        took = time.monotonic() - began
        renewed = flood.opened
    assert out.returncode == 0, out.stderr
    assert '"actor": "user:alice"' in out.stdout
    print(f"login during a {FLOOD}-connection flood: {took:.2f} s, {renewed} flood connections opened")
    assert took < 2.0, f"login during the flood took {took:.2f} s"
    assert renewed > FLOOD  # the flooder kept re-opening what the server dropped
    waiting = [c for c in server.ctx.connections if not c.authenticated and not c.dropped and c.address == "127.0.0.2"]
    assert len(waiting) <= server.config.per_source_startups
