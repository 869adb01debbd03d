"""One SSH session channel: the child ``oob`` process it runs, on a PTY or on pipes.

The child is started in its own session and process group, so hanging up
reaches everything it started: SIGHUP to the group when the client goes away,
SIGKILL to whatever is left ``KILL_AFTER`` seconds later. Terminal resizes go
to the PTY (the kernel then sends SIGWINCH). Keystrokes count as activity for
the idle timeout; output does not (a TUI clock must not keep a walked-away
session alive).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import secrets
import signal
import struct
import termios
import time
from typing import TYPE_CHECKING, Any, cast

import asyncssh

from oob_console.core.auth.identity import Identity
from oob_console.errors import AuditWriteError, OobError
from oob_console.server.launch import child_argv, child_env, console_args, exec_args

if TYPE_CHECKING:
    from oob_console.server.listener import Connection

KILL_AFTER = 2.0  # seconds between SIGHUP and SIGKILL of a session's process group
DRAIN_AFTER_EXIT = 1.0  # how long output may still trail a child that exited
READ_SIZE = 65536


def set_winsize(fd: int, width: int, height: int, pixwidth: int = 0, pixheight: int = 0) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, pixwidth, pixheight))


async def _write_fd(fd: int, data: bytes) -> None:
    """Write all of ``data`` to a non-blocking fd without blocking the event loop."""
    loop = asyncio.get_running_loop()
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            ready: asyncio.Future[None] = loop.create_future()
            loop.add_writer(fd, _set_once, ready)
            try:
                await ready
            finally:
                loop.remove_writer(fd)


def _set_once(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _pipe_out(source: asyncio.StreamReader, sink: asyncssh.SSHWriter[bytes]) -> None:
    """Copy child output to the client until EOF (EIO on a PTY master is its EOF)."""
    with contextlib.suppress(OSError, asyncssh.Error):
        while data := await source.read(READ_SIZE):
            sink.write(data)
            await sink.drain()


class ConsoleChannel:
    """Runs one channel's child to completion, or hangs it up."""

    def __init__(self, conn: Connection, identity: Identity, process: asyncssh.SSHServerProcess[bytes]) -> None:
        self.conn = conn
        self.identity = identity
        self.process = process
        self.id = secrets.token_hex(4)
        self.proc: asyncio.subprocess.Process | None = None
        self.end_reason = ""
        self.kind = "console"
        self.started = time.monotonic()

    def _record(self, action: str, outcome: str, details: dict[str, Any]) -> None:
        identity, conn = self.identity, self.conn
        details = {"session": self.id, "user": identity.user, "key_fingerprint": identity.key_id,
                   "peer": f"{conn.address}:{conn.port}", "via": "oob-serve", **details}
        conn.ctx.login.audit.record(action, conn.login_name, outcome, details, actor=identity.actor)

    def _fail(self, exc: OobError) -> None:
        newline = "\r\n" if self.process.get_terminal_type() else "\n"  # a PTY in raw mode needs the \r
        self.process.stderr.write(f"error: {exc.one_line()}{newline}".encode())
        self.process.exit(exc.exit_code)

    async def run(self) -> None:
        process, ctx = self.process, self.conn.ctx
        term = process.get_terminal_type()
        if process.subsystem:
            self._fail(OobError(f"subsystem {process.subsystem!r} is not offered"))
            return
        try:
            if process.command is not None:
                self.kind = "exec"
                args = exec_args(process.command, self.identity.roles, ctx.parser)
            else:
                args = console_args(ctx.config.console, ctx.config.line_console, term)
        except OobError as exc:
            with contextlib.suppress(AuditWriteError):
                self._record("ssh.exec", "refused", {"command": process.command, "reason": exc.message})
            self._fail(exc)
            return
        if ctx.channels_open >= ctx.config.max_sessions:
            self._fail(OobError(f"the console already has {ctx.channels_open} sessions (max_sessions)",
                                hint="try again when someone logs out"))
            return
        width, height, pixwidth, pixheight = process.get_terminal_size()
        if term is not None and not (width and height):
            width, height = 80, 24  # a client without a terminal of its own (ssh -tt < file) sends 0x0
        details: dict[str, Any] = {"kind": self.kind, "args": args, "term": term}
        if term is not None:
            details["size"] = f"{width}x{height}"
        try:
            token = self.conn.login_token()
            self._record("ssh.exec" if self.kind == "exec" else "ssh.session.start", "ok", details)
        except OobError as exc:
            self._fail(exc)
            return
        argv = child_argv(ctx.config_path, args, tty=term is not None)
        env = child_env(token, term)
        ctx.channels_open += 1
        self.conn.channels.add(self)
        status: int | None = None
        try:
            if term is not None:
                status = await self._run_pty(argv, env, (width, height, pixwidth, pixheight))
            else:
                status = await self._run_pipes(argv, env)
        except OSError as exc:  # could not start the child (no PTYs left, no processes left)
            self.end_reason = "failed"
            with contextlib.suppress(OSError, asyncssh.Error):
                self.process.stderr.write(f"error: cannot start the session: {exc.strerror}\r\n".encode())
            status = 1
        finally:
            ctx.channels_open -= 1
            self.conn.channels.discard(self)
            self._end(status)

    def _end(self, status: int | None) -> None:
        reason = self.end_reason or "exit"
        details = {"kind": self.kind, "exit_status": status, "reason": reason,
                   "seconds": round(time.monotonic() - self.started, 3)}
        try:
            self._record("ssh.session.end", "ok" if reason == "exit" else reason, details)
        except AuditWriteError:
            pass  # the session is over either way; the start entry exists
        if status is not None and not self.process.is_closing():
            self.process.exit(status if status >= 0 else 128 - status)

    def hang_up(self, reason: str) -> None:
        """End the session from our side (client gone, idle): the child's group gets SIGHUP."""
        self.end_reason = self.end_reason or reason
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGHUP)

    async def _reap(self, proc: asyncio.subprocess.Process) -> int:
        """Wait for the child; if it outlives a hang-up by KILL_AFTER, kill its group."""
        if not self.end_reason:
            return await proc.wait()
        try:
            return await asyncio.wait_for(asyncio.shield(proc.wait()), KILL_AFTER)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            return await proc.wait()

    async def _supervise(self, proc: asyncio.subprocess.Process, outputs: list[asyncio.Task[None]]) -> int:
        """Wait for the child to exit or the channel to close; return its exit status.

        The group is signalled only while its leader is alive: once reaped, its
        PID (the group id) may be reused by an unrelated process.
        """
        self.proc = proc
        exited = asyncio.ensure_future(proc.wait())
        closed = asyncio.ensure_future(self.process.channel.wait_closed())
        await asyncio.wait({exited, closed}, return_when=asyncio.FIRST_COMPLETED)
        if not exited.done():
            self.hang_up("dropped")
        status = await self._reap(proc)
        closed.cancel()
        _, pending = await asyncio.wait(outputs, timeout=DRAIN_AFTER_EXIT)
        for task in pending:
            task.cancel()
        return status

    async def _run_pty(self, argv: list[str], env: dict[str, str], size: tuple[int, int, int, int]) -> int:
        master, slave = os.openpty()
        try:
            set_winsize(master, *size)
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                    os.fdopen(os.dup(master), "rb", buffering=0))
        pumps = [asyncio.ensure_future(_pipe_out(reader, self.process.stdout)),
                 asyncio.ensure_future(self._keys_to_pty(master))]
        try:
            return await self._supervise(proc, pumps[:1])
        finally:
            for task in pumps:
                task.cancel()
            transport.close()
            os.close(master)

    async def _keys_to_pty(self, master: int) -> None:
        """Client keystrokes and resizes to the PTY."""
        stdin = self.process.stdin
        while True:
            try:
                data = await stdin.read(READ_SIZE)
            except asyncssh.TerminalSizeChanged as change:
                set_winsize(master, change.width, change.height, change.pixwidth, change.pixheight)
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except (OSError, asyncssh.Error):
                return
            if not data:
                return
            self.conn.touch()
            try:
                await _write_fd(master, data)
            except OSError:
                return

    async def _run_pipes(self, argv: list[str], env: dict[str, str]) -> int:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
        stdin, stdout, stderr = cast(asyncio.StreamWriter, proc.stdin), cast(asyncio.StreamReader, proc.stdout), \
            cast(asyncio.StreamReader, proc.stderr)
        pumps = [asyncio.ensure_future(_pipe_out(stdout, self.process.stdout)),
                 asyncio.ensure_future(_pipe_out(stderr, self.process.stderr)),
                 asyncio.ensure_future(self._input_to_pipe(stdin))]
        try:
            return await self._supervise(proc, pumps[:2])
        finally:
            for task in pumps:
                task.cancel()

    async def _input_to_pipe(self, sink: asyncio.StreamWriter) -> None:
        """Client stdin to the child until EOF (then the child sees EOF too)."""
        stdin = self.process.stdin
        with contextlib.suppress(OSError, asyncssh.Error):
            while True:
                try:
                    data = await stdin.read(READ_SIZE)
                except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.TerminalSizeChanged):
                    continue
                if not data:
                    break
                if self.kind != "exec":
                    self.conn.touch()
                sink.write(data)
                await sink.drain()
        with contextlib.suppress(OSError):
            sink.close()

