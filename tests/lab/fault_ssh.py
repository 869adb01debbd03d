"""An in-process asyncssh server for what a real sshd cannot do on demand.

See docs/development.md, "Routers: sshd and vtysh".

It runs on its own event loop in a background thread on 127.0.0.1 and a free
port, so both the real CLI (a subprocess) and in-process services can reach it.

Exec commands it understands (anything else prints ``% Unknown command`` and exits 1):

- ``show version``: prints ``FaultOS 1.0`` and exits 0.
- ``show partial-then-drop``: prints a line, then drops the TCP connection
  mid-command (no exit status, no channel close: a link that died).
- ``show hang``: never answers.

A shell request gets a tiny router CLI (prompt ``fault# ``; ``show version``,
``enable`` asks ``Password:``, ``drop`` drops the connection).

As a console server (Opengear/Nodegrid style): a login whose user name is
``USER:LINE`` with ``LINE`` in ``console_lines`` is bridged to that serial
device (e.g. one end of a socat pty pair); break requests are counted in
``breaks`` and passed on with tcsendbreak where the device supports it.
Logins: the client key written to ``client_key``, and ``password`` when given.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

T = TypeVar("T")


class FaultServer:
    def __init__(self, root: Path, *, password: str | None = None,
                 console_lines: dict[str, str] | None = None) -> None:
        self.root = root
        self.password = password
        self.console_lines = console_lines or {}
        self.breaks: list[tuple[str, int]] = []
        self.logins: list[str] = []
        self.port = 0
        self.client_key = root / "fault_client"
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.host_key_line = " ".join(host_key.export_public_key().decode().split()[:2])
        self._host_key = host_key
        client = asyncssh.generate_private_key("ssh-ed25519")
        root.mkdir(parents=True, exist_ok=True)
        client.write_private_key(str(self.client_key))
        self.client_key.chmod(0o600)
        self._authorized = asyncssh.import_authorized_keys(client.export_public_key().decode())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncssh.SSHAcceptor | None = None

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        self._server = self._call(self._start())
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                self._call(self._server.wait_closed())
        with contextlib.suppress(Exception):
            self._call(self._cancel_sessions())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _cancel_sessions(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:  # e.g. a `show hang` still sleeping
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def device_entry(self, name: str, **extra: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": name, "platform": "frr", "host": "127.0.0.1", "port": self.port,
                                 "username": "ops", "key_file": str(self.client_key),
                                 "host_keys": [self.host_key_line]}
        entry.update(extra)
        return entry

    async def _start(self) -> asyncssh.SSHAcceptor:
        owner = self

        class Server(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                owner.logins.append(username)
                return True

            def password_auth_supported(self) -> bool:
                return owner.password is not None

            def validate_password(self, username: str, password: str) -> bool:
                return password == owner.password

        return await asyncssh.create_server(
            Server, "127.0.0.1", 0, server_host_keys=[self._host_key], authorized_client_keys=self._authorized,
            process_factory=self._handle, encoding=None, line_editor=False,
        )

    async def _handle(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        user = str(process.get_extra_info("username"))
        line = user.split(":", 1)[1] if ":" in user else None
        try:
            if line is not None:
                await self._bridge(process, line)
            elif process.command is None:
                await self._shell(process)
            else:
                await self._exec(process, process.command)
        except (asyncssh.Error, OSError, asyncio.CancelledError):
            process.close()

    async def _exec(self, process: asyncssh.SSHServerProcess[bytes], command: str) -> None:
        if command == "show version":
            process.stdout.write(b"FaultOS 1.0\n")
            process.exit(0)
        elif command == "show partial-then-drop":
            process.stdout.write(b"partial line before the link died\n")
            await asyncio.sleep(0.2)
            process.channel.get_connection().abort()
        elif command == "show hang":
            await asyncio.sleep(3600)
        else:
            process.stdout.write(f"% Unknown command: {command}\n".encode())
            process.exit(1)

    async def _shell(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        process.stdout.write(b"\r\nWelcome to FaultOS\r\nfault# ")
        buf = b""
        asking_password = False
        while True:
            try:
                data = await process.stdin.read(1024)
            except asyncssh.BreakReceived as exc:
                self.breaks.append(("shell", exc.msec))
                continue
            if not data:
                process.exit(0)
                return
            buf += data
            while b"\r" in buf or b"\n" in buf:
                cut = min(i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0)
                typed, buf = buf[:cut].decode(errors="replace"), buf[cut + 1 :].lstrip(b"\n")
                if asking_password:  # no echo, like a real device
                    asking_password = False
                    process.stdout.write(b"\r\nfault# " if typed == "enable-secret" else b"\r\n% Bad secret\r\nfault# ")
                    continue
                process.stdout.write(typed.encode() + b"\r\n")
                if typed == "drop":
                    process.channel.get_connection().abort()
                    return
                if typed == "exit":
                    process.exit(0)
                    return
                if typed == "enable":
                    process.stdout.write(b"Password: ")
                    asking_password = True
                    continue
                if typed == "show version":
                    process.stdout.write(b"FaultOS 1.0\r\n")
                elif typed:
                    process.stdout.write(f"% Unknown command: {typed}\r\n".encode())
                process.stdout.write(b"fault# ")

    async def _bridge(self, process: asyncssh.SSHServerProcess[bytes], line: str) -> None:
        path = self.console_lines.get(line)
        if path is None:
            process.stderr.write(f"no such port {line}\r\n".encode())
            process.exit(1)
            return
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        attrs = termios.tcgetattr(fd)
        attrs[0] = attrs[1] = attrs[3] = 0
        attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        loop = asyncio.get_running_loop()

        def readable() -> None:
            with contextlib.suppress(BlockingIOError, OSError):
                process.stdout.write(os.read(fd, 4096))

        loop.add_reader(fd, readable)
        try:
            while True:
                try:
                    data = await process.stdin.read(4096)
                except asyncssh.BreakReceived as exc:
                    self.breaks.append((line, exc.msec))
                    with contextlib.suppress(termios.error):
                        termios.tcsendbreak(fd, 0)
                    continue
                if not data:
                    break
                os.write(fd, data)
        finally:
            loop.remove_reader(fd)
            os.close(fd)
            process.exit(0)
