"""SSH with paramiko: the second, independent SSH implementation behind the same session interface.

Why it is here (see README "Router access"): the 2021 outage had one safety
tool and one bug. A device whose SSH server trips over asyncssh (an old or odd
implementation, a bug on either side) is one ``transport = "paramiko"`` in the
inventory, or one ``--transport paramiko`` on the command line, away from a
second implementation with its own key exchange, cipher and channel code.
It logs in with as many round trips as our asyncssh engine (both sign the
first request; see asyncssh_auth.py) and is not the default: in a fan-out it
uses about twice asyncssh's client CPU.

We drive ``paramiko.Transport`` directly rather than ``SSHClient``: it lets us
offer only the pinned host key types, compare the presented key with every
pin ourselves, and never read ``~/.ssh`` or an agent unless asked. paramiko is
blocking; each call runs on this engine's own thread pool so a fan-out is not
capped by asyncio's small default pool. There is no break request (paramiko
has no API for RFC 4335); use asyncssh for ``~B`` over SSH.
"""

from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import paramiko

from oob_console.adapters.files_deadline import read_bytes
from oob_console.core.devices.hostkeys import HostKey, offered_algorithms
from oob_console.errors import AuthError, ConfigError, DeadlineError, OobError, RefusedError, UnavailableError
from oob_console.services.devices.ports import ByteChannel, ExecResult, SshTarget

T = TypeVar("T")
_CHUNK = 65536


def translate(exc: BaseException, label: str, *, phase: str) -> OobError:
    """The one boundary: a paramiko/socket exception as an oob-console error."""
    if isinstance(exc, OobError):
        return exc
    if isinstance(exc, paramiko.AuthenticationException):
        return AuthError(f"{label} refused our credentials", where=label,
                         hint="check username, key_file or password in the inventory")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return DeadlineError(f"{label} did not answer in time ({phase})", where=label,
                             hint="raise --timeout / devices.connect_timeout on a slow link")
    if isinstance(exc, ConnectionRefusedError):
        return UnavailableError(f"{label} refused the TCP connection ({phase})", where=label,
                                hint="is SSH running on that address and port?")
    if isinstance(exc, socket.gaierror):
        return UnavailableError(f"cannot resolve {label}'s address: {exc.strerror}", where=label)
    if isinstance(exc, (EOFError, paramiko.SSHException, OSError)):
        return UnavailableError(f"SSH with {label} failed ({phase}): {exc or type(exc).__name__}", where=label)
    raise exc


class ParamikoChannel:
    supports_break = False

    def __init__(self, engine: ParamikoEngine, chan: paramiko.Channel, label: str) -> None:
        self._engine = engine
        self._chan = chan
        self._label = label

    async def read(self) -> bytes:
        try:
            return await self._engine.call(self._chan.recv, _CHUNK)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise translate(exc, self._label, phase="reading") from exc

    async def write(self, data: bytes) -> None:
        try:
            await self._engine.call(self._chan.sendall, data)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise translate(exc, self._label, phase="writing") from exc

    async def send_break(self, millis: int = 500) -> None:
        raise UnavailableError("the paramiko transport cannot send a break", where=self._label,
                               hint="use --transport asyncssh for ~B over SSH")

    def resize(self, cols: int, rows: int) -> None:
        try:
            self._chan.resize_pty(width=cols, height=rows)
        except (OSError, paramiko.SSHException):
            pass  # a resize lost on a dying channel is harmless; the next read reports the drop

    async def close(self) -> None:
        self._chan.close()


class ParamikoSession:
    transport = "paramiko"

    def __init__(self, engine: ParamikoEngine, t: paramiko.Transport, label: str, connect_timeout: float) -> None:
        self._engine = engine
        self._t = t
        self._label = label
        self._open_timeout = connect_timeout

    def _exec_blocking(self, command: str, timeout: float) -> ExecResult:
        deadline = time.monotonic() + timeout
        chan = self._t.open_session(timeout=self._open_timeout)
        try:
            chan.set_combine_stderr(True)
            chan.exec_command(command)
            out = bytearray()
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DeadlineError(
                        f"{self._label} did not finish the command within {timeout:g}s", where=self._label,
                        hint="raise --timeout if the device is just slow",
                        details={"partial_output": out.decode("utf-8", "replace")[-2000:]},
                    )
                chan.settimeout(left)
                try:
                    data = chan.recv(_CHUNK)
                except TimeoutError:
                    continue
                if not data:
                    break
                out += data
            text = out.decode("utf-8", "replace")
            # the exit-status message may trail the EOF by a moment
            while not chan.exit_status_ready() and self._t.is_active() and time.monotonic() < deadline:
                time.sleep(0.005)
            # paramiko reports -1 when the channel closed without an exit-status message (a dead link)
            if not chan.exit_status_ready() or chan.recv_exit_status() == -1:
                raise UnavailableError(
                    f"connection to {self._label} dropped before the command finished", where=self._label,
                    hint="the output so far is in details; the command may or may not have run",
                    details={"partial_output": text[-2000:], "dropped": True},
                )
            return ExecResult(chan.recv_exit_status(), text, "")
        finally:
            chan.close()

    async def exec(self, command: str, *, timeout: float) -> ExecResult:
        try:
            return await self._engine.call(self._exec_blocking, command, timeout)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise translate(exc, self._label, phase="running the command") from exc

    def _shell_blocking(self, term: str, cols: int, rows: int) -> paramiko.Channel:
        chan = self._t.open_session(timeout=self._open_timeout)
        chan.get_pty(term=term, width=cols, height=rows)
        chan.invoke_shell()
        return chan

    async def shell(self, *, term: str, cols: int, rows: int) -> ByteChannel:
        try:
            chan = await self._engine.call(self._shell_blocking, term, cols, rows)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise translate(exc, self._label, phase="opening a shell") from exc
        return ParamikoChannel(self._engine, chan, self._label)

    async def close(self) -> None:
        self._t.close()


class ParamikoEngine:
    name = "paramiko"

    def __init__(self, max_threads: int = 64, read_deadline: float = 5.0) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="paramiko")
        self._deadline = read_deadline
        self._keys: dict[str, paramiko.PKey | OobError] = {}
        self._lock = threading.Lock()

    def _client_key(self, path: str) -> paramiko.PKey:
        """The key file, read once (failures too) within the read deadline: a dead mount is an error, not a hang."""
        with self._lock:
            key = self._keys.get(path)
            if key is None:
                try:
                    text = read_bytes(path, deadline=self._deadline, what="key_file").decode("utf-8", "replace")
                    key = _load_pkey(text, path)
                except OobError as exc:
                    key = exc
                self._keys[path] = key
        if isinstance(key, OobError):
            raise key
        return key

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _connect_blocking(self, target: SshTarget) -> paramiko.Transport:
        if target.host_cas and not target.host_keys:
            raise RefusedError(
                f"{target.label} is pinned only by @cert-authority (host certificates), and the paramiko "
                "engine cannot check host certificates", where=f"{target.label} at {target.host}:{target.port}",
                hint="use the asyncssh transport for it, or pin its plain host key as well")
        sock = socket.create_connection((target.host, target.port), timeout=target.connect_timeout)
        t = paramiko.Transport(sock)
        try:
            t.banner_timeout = t.handshake_timeout = t.auth_timeout = target.connect_timeout
            options = t.get_security_options()
            supported = set(options.key_types)
            # pinned types first: a server with a pinned key's type shows it; others are refused below
            options.key_types = [k for k in offered_algorithms(target.host_keys) if k in supported]
            t.start_client(timeout=target.connect_timeout)
            server_key = t.get_remote_server_key()
            presented = HostKey.parse(f"{server_key.get_name()} {server_key.get_base64()}")
            if presented not in target.host_keys:
                raise target.refusal(presented)
            if target.key_file:
                pkey = self._client_key(target.key_file)
                t.auth_publickey(target.username, pkey)
            if not t.is_authenticated() and target.password is not None:
                t.auth_password(target.username, target.password)
            if not t.is_authenticated():
                raise AuthError(f"{target.label}: no credentials to log in with", where=target.label,
                                hint="set key_file or password in the inventory")
            return t
        except BaseException:
            t.close()
            raise

    async def connect(self, target: SshTarget) -> ParamikoSession:
        try:
            t = await asyncio.wait_for(self.call(self._connect_blocking, target), target.connect_timeout + 1)
        except (TimeoutError, OSError, EOFError, paramiko.SSHException) as exc:
            raise translate(exc, target.label, phase="connecting") from exc
        return ParamikoSession(self, t, target.label, target.connect_timeout)

    def _probe_blocking(self, host: str, port: int, key_type: str, timeout: float) -> HostKey | None:
        sock = socket.create_connection((host, port), timeout=timeout)
        t = paramiko.Transport(sock)
        try:
            t.banner_timeout = t.handshake_timeout = timeout
            t.get_security_options().key_types = [key_type]
            try:
                t.start_client(timeout=timeout)
            except paramiko.SSHException:
                return None  # no key of this type
            key = t.get_remote_server_key()
            return HostKey.parse(f"{key.get_name()} {key.get_base64()}")
        finally:
            t.close()

    async def host_keys(self, host: str, port: int, *, timeout: float) -> list[HostKey]:
        found: list[HostKey] = []
        for key_type in ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512"):
            try:
                key = await self.call(self._probe_blocking, host, port, key_type, timeout)
            except (OSError, EOFError, paramiko.SSHException) as exc:
                raise translate(exc, f"{host}:{port}", phase="fetching host keys") from exc
            if key is not None and key not in found:
                found.append(key)
        return found


def _load_pkey(text: str, path: str) -> paramiko.PKey:
    """A private key from its text, whatever its type."""
    last: Exception | None = None
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError) as exc:
            last = exc
    raise ConfigError(f"cannot use the key file {path}: {last}", where=path,
                      hint="give an unencrypted OpenSSH private key (0600) as key_file")
