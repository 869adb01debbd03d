"""Run ``oob serve``'s server in-process (its own thread and event loop) for lab tests.

Clients are real: OpenSSH's ``ssh`` in a subprocess, or asyncssh in the test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import asyncssh

from oob_console.bootstrap import App
from oob_console.config import ServerConfig
from oob_console.core.login_limits import FailureLimiter
from oob_console.core.sk_signature import blob_from_openssh
from oob_console.server.host_key import init_host_key, load_host_key
from oob_console.server.listener import ServerContext, start_server
from oob_console.services.login_ports import EnrolledSkKey
from oob_console.services.ssh_login import SshLoginService


class MemoryKeyDirectory:
    """An in-test credential store holding sk keys (stands in until the real store lands)."""

    def __init__(self) -> None:
        self.keys: dict[bytes, EnrolledSkKey] = {}
        self._lock = threading.Lock()

    def enroll(self, user: str, public_line: str, *, verify_required: bool = False,
               no_touch_required: bool = False) -> EnrolledSkKey:
        blob = blob_from_openssh(public_line)
        key = EnrolledSkKey(user, f"k{len(self.keys) + 1}", " ".join(public_line.split()[:2]),
                            verify_required, no_touch_required)
        self.keys[blob] = key
        return key

    def revoke(self, public_line: str) -> None:
        blob = blob_from_openssh(public_line)
        self.keys[blob] = dataclasses.replace(self.keys[blob], revoked=True)

    def find_sk_key(self, blob: bytes) -> EnrolledSkKey | None:
        return self.keys.get(blob)

    def advance_sk_counter(self, key_id: str, counter: int) -> bool:
        with self._lock:
            for blob, key in self.keys.items():
                if key.key_id == key_id:
                    if counter <= key.last_counter:
                        return False
                    self.keys[blob] = dataclasses.replace(key, last_counter=counter)
                    return True
        return False

    def sk_keys(self, user: str | None = None) -> list[EnrolledSkKey]:
        return [k for k in self.keys.values() if not k.revoked and (user is None or k.user == user)]


class ServerThread:
    """The SSH server on 127.0.0.1:<free port>, served from a background event loop."""

    def __init__(self, site: Path, directory: MemoryKeyDirectory, **overrides: Any) -> None:
        self.site = site
        self.app = App.from_config(str(site / "config.toml"))
        defaults: dict[str, Any] = {"console": ("whoami",), "line_console": ("whoami",)}
        self.config = dataclasses.replace(ServerConfig(), **{**defaults, **overrides})
        key_path = site / "ssh_host_ed25519_key"
        if not key_path.exists():
            init_host_key(key_path)
        self.host_public = (site / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        limiter = FailureLimiter(self.config.max_failures, self.config.failure_window, self.config.lockout)
        self.login = SshLoginService(directory, self.app.audit, limiter, self.config.login_user)
        self.ctx = ServerContext(self.config, self.app.loaded.path, self.login)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self.port = 0

    def start(self) -> ServerThread:
        self._thread.start()
        host_key = load_host_key(self.site / "ssh_host_ed25519_key")
        self._acceptor = self.call(start_server(self.ctx, host_key, listen="127.0.0.1", port=0))
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self

    def call(self, coro: Any, timeout: float = 30) -> Any:
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the server's loop (to read its state safely)."""

        async def wrapper() -> Any:
            return fn()

        return self.call(wrapper())

    def known_hosts(self, path: Path) -> Path:
        path.write_text(f"[127.0.0.1]:{self.port} {' '.join(self.host_public)}\n")
        return path

    def stop(self) -> None:
        if self._acceptor is not None:
            acceptor = self._acceptor

            async def close() -> None:
                acceptor.close()
                await acceptor.wait_closed()

            self.call(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
