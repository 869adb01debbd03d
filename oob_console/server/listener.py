"""``oob serve``: the asyncssh server an engineer's plain ``ssh`` logs in to.

Public-key authentication only, and only with enrolled security keys. The
signature itself is judged by the login service (``services.ssh_login`` then
``services.login.ssh_auth``: the signature, presence, verification, counter,
lockout), not by asyncssh, which ignores ``verify-required`` and counters. To
hand it the signed data and the signature at the moment asyncssh would verify
them, we replace ``verify`` on the one key object asyncssh handed to
``validate_public_key`` for this request; nothing global is patched.

The engineer's identity reaches each session's child as an ``OOB_SESSION``
token (services.login), opened at the connection's first session and closed
when the connection ends.

No forwarding of any kind, no agent, no X11, no SFTP/SCP, no environment from
the client. zlib compression is offered (the client chooses: ``ssh -C``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh

from oob_console.config import ServerConfig
from oob_console.core.auth.identity import Identity
from oob_console.errors import OobError, UnavailableError
from oob_console.server.channel import KILL_AFTER, ConsoleChannel
from oob_console.services.auth import MAX_REFUSALS, LoginAttempt, SshLoginService

if TYPE_CHECKING:
    from collections.abc import Awaitable

log = logging.getLogger("oob_console.server")

COMPRESSION = ["zlib@openssh.com", "zlib", "none"]
_RANDOM = random.SystemRandom()  # the random early drop: not guessable by the flooder


@dataclass
class ServerContext:
    """What every connection of one ``oob serve`` shares."""

    config: ServerConfig
    config_path: Path  # the site config the children run with
    login: SshLoginService
    clock: Callable[[], float] = time.monotonic
    connections: set[Connection] = field(default_factory=set)
    channels_open: int = 0  # SSH session channels running a child (limit: [server] max_sessions)
    parser: argparse.ArgumentParser | None = None  # the CLI's, for exec requests (None: no exec at all)


class Connection(asyncssh.SSHServer):
    """asyncssh's callbacks for one client connection."""

    _conn: asyncssh.SSHServerConnection  # set by connection_made, before any other callback
    _attempt: LoginAttempt

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.identity: Identity | None = None
        self.login_name = ""
        self._token: str | None = None
        self.channels: set[ConsoleChannel] = set()
        self.last_input = ctx.clock()
        self.address, self.port = "?", 0
        self._idle: asyncio.Task[None] | None = None
        self.authenticated = False  # auth_completed: no longer counts toward the pre-auth limits
        self.dropped = False  # refused at connect: counts toward nothing

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.address, self.port = str(peer[0]), int(peer[1])
        self._attempt = self.ctx.login.attempt(self.address, self.port)
        refused = self._admission()
        self.ctx.connections.add(self)
        if refused:
            self._drop(asyncssh.DISC_TOO_MANY_CONNECTIONS, refused)
        elif self.ctx.login.locked_for(self.address):
            self._drop(asyncssh.DISC_HOST_NOT_ALLOWED_TO_CONNECT, "locked out after repeated login failures")

    def _admission(self) -> str | None:
        """Why a new connection is dropped before it may log in, or None.

        Like OpenSSH: unauthenticated connections per address (``per_source_startups``),
        then ``max_startups`` start:rate:full (random early drop), then logged-in
        connections (``max_connections``). Dropped connections do not count.
        """
        cfg = self.ctx.config
        live = [c for c in self.ctx.connections if not c.dropped]
        waiting = [c for c in live if not c.authenticated]
        if sum(1 for c in waiting if c.address == self.address) >= cfg.per_source_startups:
            return f"too many unauthenticated connections from {self.address}"
        start, rate, full = cfg.startups()
        if len(waiting) >= full:
            return "too many unauthenticated connections"
        if len(waiting) >= start:
            chance = rate + (100 - rate) * (len(waiting) - start) / max(full - start, 1)
            if _RANDOM.random() * 100 < chance:
                return "too many unauthenticated connections (random early drop)"
        if len(live) - len(waiting) >= cfg.max_connections:
            return "too many connections"
        return None

    def _drop(self, code: int, reason: str) -> None:
        self.dropped = True
        log.warning("refusing connection from %s: %s", self.address, reason)
        self._conn.disconnect(code, reason)

    def connection_lost(self, exc: Exception | None) -> None:
        self.ctx.connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()
        for session in list(self.channels):
            session.hang_up("dropped")
        if self._token is not None:
            try:
                self.ctx.login.login.close_login(self._token)
            except OobError as exc:  # it expires by itself; nothing else to do
                log.error("cannot close the session of %s: %s", self.identity and self.identity.actor, exc)

    def login_token(self) -> str:
        """The connection's OOB_SESSION token, opened (and audited) on first use.

        Raises:
            AuthError, AuditWriteError, StorageError: no token; the session must not start.
        """
        if self._token is None:
            if self.identity is None:
                raise UnavailableError("not logged in")
            self._token = self.ctx.login.login.open_login(self.identity)
        return self._token

    def shut_down(self) -> None:
        """The server is stopping: hang up the sessions, then the connection."""
        for session in list(self.channels):
            session.end_reason = session.end_reason or "shutdown"
        self._conn.disconnect(asyncssh.DISC_BY_APPLICATION, "the console server is shutting down")

    def begin_auth(self, username: str) -> bool:
        return True  # authentication is always required

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        attempt = self._attempt
        blob = key.public_data
        if not attempt.offer(username, blob):
            if attempt.refusals >= MAX_REFUSALS:
                self._conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "too many refused keys")
            return False
        self._guard(username, key, blob, attempt)
        return True

    def _guard(self, username: str, key: asyncssh.SSHKey, blob: bytes, attempt: LoginAttempt) -> None:
        """Let the login service judge the signature where asyncssh would have verified it."""

        def verify(data: bytes, sig: bytes) -> bool:  # data: session id + request, as RFC 4252 signs
            identity = attempt.verify(username, blob, data, sig)
            if identity is None:
                return False
            self.identity, self.login_name = identity, username
            return True

        setattr(key, "verify", verify)  # noqa: B010 - this one object only; asyncssh calls it next

    def auth_completed(self) -> None:
        self.authenticated = True
        self.touch()
        if self.ctx.config.idle_timeout:
            self._idle = asyncio.ensure_future(self._watch_idle(self.ctx.config.idle_timeout))

    def touch(self) -> None:
        """The engineer did something (a keystroke, a new session)."""
        self.last_input = self.ctx.clock()

    async def _watch_idle(self, timeout: float) -> None:
        while True:
            await asyncio.sleep(min(timeout / 4, 5.0))
            if any(s.kind == "exec" for s in self.channels):
                self.touch()  # a running command is not an idle engineer
                continue
            if self.ctx.clock() - self.last_input < timeout:
                continue
            for session in list(self.channels):
                session.end_reason = "idle"
                with contextlib.suppress(OSError, asyncssh.Error):
                    session.process.stderr.write(f"\r\noob: idle for {timeout:.0f} s, logging out\r\n".encode())
            self._conn.disconnect(asyncssh.DISC_BY_APPLICATION, f"idle for {timeout:.0f} s")
            return


async def _run_channel(process: asyncssh.SSHServerProcess[bytes]) -> None:
    conn = process.get_extra_info("connection")
    owner = conn.get_owner() if conn is not None else None
    if not isinstance(owner, Connection) or owner.identity is None:  # asyncssh opens sessions only after auth
        process.exit(5)
        return
    session = ConsoleChannel(owner, owner.identity, process)
    owner.touch()
    await session.run()


async def start_server(
    ctx: ServerContext, host_key: asyncssh.SSHKey, *, listen: str, port: int
) -> asyncssh.SSHAcceptor:
    """Listen; return the acceptor (``.sockets`` tells the port when 0 was asked for).

    Raises:
        UnavailableError: the address cannot be listened on.
    """
    cfg = ctx.config
    try:
        return await asyncssh.create_server(
            lambda: Connection(ctx), listen, port,
            server_host_keys=[host_key],
            process_factory=_run_channel,
            encoding=None, line_editor=False, allow_pty=True,
            agent_forwarding=False, x11_forwarding=False, allow_scp=False,
            public_key_auth=True, password_auth=False, kbdint_auth=False, host_based_auth=False, gss_host=None,
            compression_algs=COMPRESSION if cfg.compression else ["none"],
            login_timeout=cfg.login_timeout,
            keepalive_interval=cfg.keepalive_interval, keepalive_count_max=cfg.keepalive_count_max,
        )
    except OSError as exc:
        raise UnavailableError(f"cannot listen on {listen}:{port}: {exc.strerror}", where="[server] listen/port",
                               hint="is another oob serve or sshd using the port?") from None


async def serve_forever(ctx: ServerContext, acceptor: asyncssh.SSHAcceptor, stop: Awaitable[None]) -> int:
    """Serve until ``stop`` completes; then stop listening, end every session, close every connection.

    Returns how many connections were still open.
    """
    open_connections = list(ctx.connections)
    try:
        await stop
        open_connections = list(ctx.connections)
    finally:
        acceptor.close()
        await acceptor.wait_closed()
        for connection in open_connections:
            connection.shut_down()
        deadline = ctx.clock() + KILL_AFTER + 3
        while ctx.channels_open and ctx.clock() < deadline:  # each session audits its end on the way out
            await asyncio.sleep(0.05)
    return len(open_connections)
