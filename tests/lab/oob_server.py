"""Run ``oob serve``'s server in-process (its own thread and event loop) for lab tests.

The site is a real one (``init_site``) with the real credential store; keys are
enrolled through the credential service, as ``oob key add-ssh`` does. Clients
are real: OpenSSH's ``ssh`` in a subprocess, or asyncssh in the test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import asyncssh

from oob_console.cli.main import build_parser
from oob_console.config import ServerConfig
from oob_console.core.auth.identity import Identity
from oob_console.core.auth.login_limits import FailureLimiter
from oob_console.server.host_key import init_host_key, load_host_key
from oob_console.server.listener import ServerContext, serve_forever, start_server
from oob_console.services.auth.ssh_login import SshLoginService
from oob_console.wiring import Services
from tests.lab.softsk import SoftAgent, SoftKey

ADMIN = Identity.local("local:lab-admin")


BACKOFF = 1.0  # seconds a user waits after a failed login in the lab sites (the shortest allowed)


def relax_backoff(site: Path) -> None:
    """The shortest wait after a failed login (tests provoke many); lockout stays at its default."""
    config = site / "config.toml"
    config.write_text(config.read_text() + '\n[auth]\nbackoff = "1s"\nbackoff_max = "1s"\n')


def after_failure() -> None:
    """Wait out the user's backoff after a refused login, as a person retrying would."""
    time.sleep(BACKOFF + 0.1)


class Store:
    """Users and their SSH security keys in the site's real credential store."""

    def __init__(self, site: Path) -> None:
        self.app = Services.from_config(str(site / "config.toml"))

    def add(self, user: str, key: SoftKey, *, verify_required: bool = False, no_touch_required: bool = False,
            roles: tuple[str, ...] = ("operator",)) -> str:
        """Enrol ``key`` for ``user`` (created if new); return its key ID (the SHA256 fingerprint)."""
        creds = self.app.credentials
        if self.app.credential_repo.get_user(user) is None:
            creds.add_user(ADMIN, user, roles)
        cred = creds.add_ssh_key(ADMIN, user, key.public_line, verify_required=verify_required,
                                 no_touch_required=no_touch_required)
        return cred.key_id

    def revoke(self, key_id: str) -> None:
        self.app.credentials.revoke_key(ADMIN, key_id)

    def audit(self, action: str) -> list[dict[str, Any]]:
        return self.app.audit.show(action=action)


class ServerThread:
    """The SSH server on 127.0.0.1:<free port>, served from a background event loop."""

    def __init__(self, site: Path, **overrides: Any) -> None:
        self.site = site
        self.app = Services.from_config(str(site / "config.toml"))
        defaults: dict[str, Any] = {"console": ("whoami",), "line_console": ("whoami",)}
        self.config = dataclasses.replace(ServerConfig(), **{**defaults, **overrides})
        key_path = site / "ssh_host_ed25519_key"
        if not key_path.exists():
            init_host_key(key_path)
        self.host_public = (site / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        limiter = FailureLimiter(self.config.max_failures, self.config.failure_window, self.config.lockout)
        self.login = SshLoginService(self.app.credentials, self.app.login, self.app.audit, limiter,
                                     self.config.login_user)
        self.ctx = ServerContext(self.config, self.app.loaded.path, self.login, parser=build_parser())
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
        """Stop as ``oob serve`` does on SIGTERM: sessions hung up and audited, connections closed."""
        if self._acceptor is not None:
            acceptor = self._acceptor
            stopped: asyncio.Future[None] = self.loop.create_future()
            self.loop.call_soon_threadsafe(stopped.set_result, None)
            self.call(serve_forever(self.ctx, acceptor, stopped))

            async def settle() -> None:  # let the sessions' tasks finish their last steps
                tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                await asyncio.wait(tasks, timeout=5) if tasks else None

            self.call(settle())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def connect_asyncssh(server: ServerThread, agent: SoftAgent, tmp: Path,
                           **kw: Any) -> asyncssh.SSHClientConnection:
    """An asyncssh client logged in as ``oob`` with the keys in ``agent``; only this server's host key."""
    async with asyncssh.connect_agent(str(agent.socket)) as agent_client:
        keys = await agent_client.get_keys()
    return await asyncssh.connect(
        "127.0.0.1", server.port, username="oob", client_keys=keys, agent_path=None, config=[],
        known_hosts=str(server.known_hosts(tmp / "known_hosts")), connect_timeout=30, **kw,
    )
