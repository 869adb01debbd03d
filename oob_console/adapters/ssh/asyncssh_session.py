"""SSH to routers and console servers with asyncssh (the primary engine).

Host keys: only the pinned keys are trusted (``known_hosts`` gets exactly
them, and the offered host key algorithms are narrowed to theirs); a key the
server presents that is not pinned is captured by the client callback so the
refusal shows both fingerprints. No ``~/.ssh/config``, no default key files,
no X.509 CA bundle: what the inventory says, nothing else.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

import asyncssh

from oob_console.adapters.files_deadline import read_bytes
from oob_console.adapters.ssh import asyncssh_auth  # noqa: F401 - installs the one-round-trip key login
from oob_console.core.devices.hostkeys import HostKey, offered_algorithms
from oob_console.errors import (
    AuthError,
    ConfigError,
    DeadlineError,
    OobError,
    RefusedError,
    UnavailableError,
)
from oob_console.services.devices.ports import ByteChannel, ExecResult, SshTarget

_READ_CHUNK = 65536
_PROBE_ALGS = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512")


def _host_key(key: asyncssh.SSHKey) -> HostKey:
    return HostKey.parse(key.export_public_key("openssh").decode())


# host certificate algorithms, asked for first when a @cert-authority covers the endpoint
_CERT_ALGS = ("ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
              "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
              "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com")


class _PinClient(asyncssh.SSHClient):
    """Remembers the host key the server presented when it was not one of the pins."""

    def __init__(self) -> None:
        self.rejected: asyncssh.SSHKey | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.rejected = key
        return False


def translate(exc: BaseException, label: str, *, phase: str) -> OobError:
    """The one boundary (see :func:`_translate`); a drop after login is marked ``details["dropped"]``."""
    err = _translate(exc, label, phase=phase)
    if phase != "connecting" and type(err) is UnavailableError:
        err.details["dropped"] = True
    return err


def _translate(exc: BaseException, label: str, *, phase: str) -> OobError:
    """An asyncssh/socket exception as an oob-console error."""
    where = label
    if isinstance(exc, OobError):
        return exc
    if isinstance(exc, asyncssh.PermissionDenied):
        return AuthError(f"{label} refused our credentials", where=where,
                         hint="check username, key_file or password in the inventory")
    if isinstance(exc, (asyncssh.TimeoutError, TimeoutError)):
        return DeadlineError(f"{label} did not answer in time ({phase})", where=where,
                             hint="raise --timeout / devices.connect_timeout on a slow link")
    if isinstance(exc, asyncssh.ConnectionLost):
        return UnavailableError(f"connection to {label} dropped ({phase})", where=where)
    if isinstance(exc, asyncssh.DisconnectError):
        return UnavailableError(f"{label} closed the connection ({phase}): {exc.reason}", where=where)
    if isinstance(exc, asyncssh.ChannelOpenError):
        return UnavailableError(f"{label} refused the session channel: {exc.reason}", where=where)
    if isinstance(exc, asyncssh.KeyImportError):
        return ConfigError(f"cannot use the key file for {label}: {exc}", where=where,
                           hint="give an unencrypted OpenSSH private key (0600) as key_file")
    if isinstance(exc, socket.gaierror):
        return UnavailableError(f"cannot resolve {label}'s address: {exc.strerror}", where=where)
    if isinstance(exc, ConnectionRefusedError):
        return UnavailableError(f"{label} refused the TCP connection ({phase})", where=where,
                                hint="is SSH running on that address and port?")
    if isinstance(exc, OSError):
        reason = os.strerror(exc.errno) if exc.errno else str(exc)  # asyncio's strerror repeats the address
        return UnavailableError(f"cannot reach {label} ({phase}): {reason}", where=where)
    if isinstance(exc, asyncssh.Error):
        return UnavailableError(f"SSH error with {label} ({phase}): {exc}", where=where)
    raise exc


class AsyncsshChannel:
    """An interactive shell channel."""

    supports_break = True

    def __init__(self, process: asyncssh.SSHClientProcess[bytes], label: str) -> None:
        self._process = process
        self._label = label

    async def read(self) -> bytes:
        try:
            return await self._process.stdout.read(_READ_CHUNK)
        except (asyncssh.Error, OSError) as exc:
            raise translate(exc, self._label, phase="reading") from exc

    async def write(self, data: bytes) -> None:
        try:
            self._process.stdin.write(data)
            await self._process.stdin.drain()
        except (asyncssh.Error, OSError, BrokenPipeError) as exc:
            raise translate(exc, self._label, phase="writing") from exc

    async def send_break(self, millis: int = 500) -> None:
        try:
            self._process.send_break(millis)
        except (asyncssh.Error, OSError) as exc:
            raise translate(exc, self._label, phase="sending a break") from exc

    def resize(self, cols: int, rows: int) -> None:
        try:
            self._process.change_terminal_size(cols, rows)
        except (asyncssh.Error, OSError):
            pass  # a resize lost on a dying channel is harmless; the next read reports the drop

    async def close(self) -> None:
        self._process.close()
        try:
            await asyncio.wait_for(self._process.wait_closed(), 2)
        except (TimeoutError, asyncssh.Error, OSError):
            pass


class AsyncsshSession:
    transport = "asyncssh"

    def __init__(self, conn: asyncssh.SSHClientConnection, label: str) -> None:
        self._conn = conn
        self._label = label

    async def exec(self, command: str, *, timeout: float) -> ExecResult:
        try:
            done = await self._conn.run(command, check=False, timeout=timeout, encoding="utf-8", errors="replace")
        except asyncssh.TimeoutError as exc:
            raise DeadlineError(
                f"{self._label} did not finish the command within {timeout:g}s",
                where=self._label,
                hint="raise --timeout if the device is just slow",
                details={"partial_output": str(exc.stdout or "")[-2000:]},
            ) from exc
        except (asyncssh.Error, OSError) as exc:
            raise translate(exc, self._label, phase="running the command") from exc
        if done.exit_status is None and done.exit_signal is None:
            raise UnavailableError(
                f"connection to {self._label} dropped before the command finished",
                where=self._label,
                hint="the output so far is in details; the command may or may not have run",
                details={"partial_output": str(done.stdout or "")[-2000:], "dropped": True},
            )
        return ExecResult(done.exit_status, str(done.stdout or ""), str(done.stderr or ""))

    async def shell(self, *, term: str, cols: int, rows: int) -> ByteChannel:
        try:
            process = await self._conn.create_process(
                term_type=term, term_size=(cols, rows), encoding=None, request_pty="force"
            )
        except (asyncssh.Error, OSError) as exc:
            raise translate(exc, self._label, phase="opening a shell") from exc
        return AsyncsshChannel(process, self._label)

    async def close(self) -> None:
        self._conn.close()
        try:
            await asyncio.wait_for(self._conn.wait_closed(), 2)
        except (TimeoutError, asyncssh.Error, OSError):
            pass


# AES-GCM first: one cipher context per direction (AES instructions on x86 and ARMv8); asyncssh's
# chacha20-poly1305 builds several per packet, which costs a fan-out more client CPU than the handshake.
_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr",
            "aes256-ctr")


class AsyncsshEngine:
    name = "asyncssh"

    def __init__(self, read_deadline: float = 5.0) -> None:
        self._keys: dict[str, asyncssh.SSHKey | OobError] = {}
        self._deadline = read_deadline

    def _client_key(self, path: str) -> asyncssh.SSHKey:
        """A private key file, read once per run rather than once per device, within the read deadline.

        A failure is kept too: a fan-out over 100 devices waits for a dead mount once, not 100 times.
        """
        key = self._keys.get(path)
        if key is None:
            try:
                data = read_bytes(path, deadline=self._deadline, what="key_file")
                key = asyncssh.import_private_key(data)
            except OobError as exc:
                key = exc
            except asyncssh.KeyImportError as exc:
                key = ConfigError(f"cannot use the key file {path}: {exc}", where=path,
                                  hint="give an unencrypted OpenSSH private key (0600) as key_file")
            self._keys[path] = key
        if isinstance(key, OobError):
            raise key
        return key

    async def connect(self, target: SshTarget) -> AsyncsshSession:
        pins = [asyncssh.import_public_key(k.openssh()) for k in target.host_keys]
        cas = [asyncssh.import_public_key(k.openssh()) for k in target.host_cas]
        revoked = [asyncssh.import_public_key(k.openssh()) for k in target.revoked]
        client = _PinClient()
        keys = [self._client_key(target.key_file)] if target.key_file else None
        options: dict[str, Any] = {
            "username": target.username,
            "known_hosts": (pins, cas, revoked),  # @cert-authority: asyncssh checks host certificates
            "config": None,
            "x509_trusted_certs": None,
            "encryption_algs": _CIPHERS,
            "server_host_key_algs": (list(_CERT_ALGS) if cas else []) + offered_algorithms(target.host_keys),
            # no key_file and no password: the operator's agent and default keys, as plain ssh would
            "client_keys": keys if target.key_file else (None if target.password else ()),
            "password": target.password,
            "agent_path": None if (target.key_file or target.password) else (),
            "connect_timeout": target.connect_timeout,
            "keepalive_interval": 15,
        }
        try:
            conn = await asyncssh.connect(
                target.host, target.port, client_factory=lambda: client, **options
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            presented = _host_key(client.rejected) if client.rejected else None
            if presented is None:
                raise RefusedError(f"host key of {target.label} not verifiable: {exc.reason}",
                                   where=target.label) from exc
            raise target.refusal(presented) from exc
        except (TimeoutError, asyncssh.Error, OSError) as exc:
            raise translate(exc, target.label, phase="connecting") from exc
        return AsyncsshSession(conn, target.label)

    async def presented_key(self, host: str, port: int, *, pinned: tuple[HostKey, ...],
                            timeout: float) -> HostKey:
        """The host key the endpoint proves it holds in one full key exchange (no login).

        The pinned keys' algorithms are offered first, so a server that has the pinned
        key's type shows that key (``hostkeys.offered_algorithms``).
        Raises: DeadlineError, UnavailableError.
        """
        label = f"{host}:{port}"
        try:
            key = await asyncio.wait_for(asyncssh.get_server_host_key(
                host, port, server_host_key_algs=offered_algorithms(pinned), config=None), timeout)
        except (TimeoutError, asyncssh.Error, OSError) as exc:
            raise translate(exc, label, phase="key exchange") from exc
        if key is None:
            raise UnavailableError("the key exchange showed no host key", where=label)
        return _host_key(key)

    async def host_keys(self, host: str, port: int, *, timeout: float) -> list[HostKey]:
        label = f"{host}:{port}"
        found: list[HostKey] = []
        errors: list[OobError] = []
        for alg in _PROBE_ALGS:
            try:
                key = await asyncio.wait_for(
                    asyncssh.get_server_host_key(host, port, server_host_key_algs=[alg], config=None), timeout
                )
            except asyncssh.KeyExchangeFailed:
                continue  # the server has no key of this type
            except (TimeoutError, asyncssh.Error, OSError) as exc:
                errors.append(translate(exc, label, phase="fetching host keys"))
                break
            if key is not None and _host_key(key) not in found:
                found.append(_host_key(key))
        if not found and errors:
            raise errors[0]
        return found
