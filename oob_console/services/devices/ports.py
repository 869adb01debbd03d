"""Ports of device access: what the device services need from SSH, consoles, files and the terminal.

Adapters implement these (``adapters/ssh/*``, ``adapters/consoles.py``,
``adapters/inventory_file.py``, ``adapters/recording.py``,
``adapters/config_history.py``, ``adapters/terminal.py``); ``bootstrap`` wires them.
Every method that talks to a device has a timeout and raises only
``oob_console.errors``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from oob_console.core.devices.hostkeys import HostKey, HostTrust, KnownHostsProblem, check_presented
from oob_console.core.devices.inventory import Inventory
from oob_console.errors import RefusedError


@dataclass(frozen=True)
class SshTarget:
    """Everything needed to log in to one SSH endpoint (a router, or a console server port)."""

    label: str  # what errors name: "r1", "console of r1 via cs1"
    host: str
    port: int
    username: str
    host_keys: tuple[HostKey, ...]
    connect_timeout: float
    key_file: str | None = None  # absolute path
    host_cas: tuple[HostKey, ...] = ()  # @cert-authority keys: host certificates they sign are trusted
    revoked: tuple[HostKey, ...] = ()  # @revoked: never trusted (nor certificates they sign)
    password: str | None = field(default=None, repr=False)  # resolved at connect time; never logged
    enable_secret: str | None = field(default=None, repr=False)  # IOS `enable`, resolved likewise

    def refusal(self, presented: HostKey) -> RefusedError:
        """The error for a presented host key that is not pinned: both fingerprints, what to do.

        Engines call it during the key exchange, before any credential is sent; with
        nothing pinned it still names the presented key (never trusted on first use).
        """
        if presented in self.revoked:
            return RefusedError(
                f"host key of {self.label} is REVOKED (@revoked in known_hosts): it presented "
                f"{presented.describe()}", where=f"{self.label} at {self.host}:{self.port}",
                hint="a revoked key is never trusted; find out why it is still in use, out of band",
                details={"presented": presented.describe(), "revoked": True})
        verdict = check_presented(presented, self.host_keys, label=self.label)
        pin = (f"oob inventory pin-hostkey {self.label}" if " " not in self.label
               else "oob inventory pin-hostkey DEVICE --console")
        if self.host_keys:
            hint = (f"if it was legitimately re-keyed, confirm {presented.fingerprint} out of band, then "
                    f"'{pin} --replace --expect {presented.fingerprint}'; otherwise treat this as an attack")
        else:
            hint = (f"confirm {presented.fingerprint} out of band (e.g. on its console), then "
                    f"'{pin} --expect {presented.fingerprint}'")
        return RefusedError(
            verdict.reason, where=f"{self.label} at {self.host}:{self.port}", hint=hint,
            details={"presented": presented.describe(), "pinned": [k.describe() for k in self.host_keys]},
        )


@dataclass(frozen=True)
class ExecResult:
    exit_status: int | None
    stdout: str
    stderr: str


class ByteChannel(Protocol):
    """An interactive byte stream: an SSH shell, a console server port, a serial line."""

    supports_break: bool

    async def read(self) -> bytes:
        """The next chunk of output; ``b""`` when the other side closed.

        Raises:
            UnavailableError: the connection dropped.
        """
        ...

    async def write(self, data: bytes) -> None:
        """Send ``data``.

        Raises:
            UnavailableError: the connection dropped.
        """
        ...

    async def send_break(self, millis: int = 500) -> None:
        """Send a serial break (RFC 4335 over SSH, IAC BREAK over telnet, tcsendbreak locally).

        Raises:
            UnavailableError: the connection dropped.
        """
        ...

    def resize(self, cols: int, rows: int) -> None:
        """Tell the far end the terminal size changed (a no-op where there is no such message)."""
        ...

    async def close(self) -> None: ...


class SshSession(Protocol):
    """One authenticated SSH connection."""

    transport: str

    async def exec(self, command: str, *, timeout: float) -> ExecResult:
        """Run one command on an exec channel.

        Raises:
            DeadlineError: no complete answer within ``timeout``.
            UnavailableError: the connection dropped.
        """
        ...

    async def shell(self, *, term: str, cols: int, rows: int) -> ByteChannel:
        """Open an interactive shell with a pseudo-terminal.

        Raises:
            UnavailableError: the device refused the channel or the connection dropped.
        """
        ...

    async def close(self) -> None: ...


class SshEngine(Protocol):
    """An SSH implementation (asyncssh, paramiko)."""

    name: str

    async def connect(self, target: SshTarget) -> SshSession:
        """Connect, check the host key against ``target.host_keys`` only, authenticate.

        Raises:
            RefusedError: the host key is not pinned or differs (both fingerprints in the message).
            AuthError: the device refused our credentials.
            DeadlineError: no login within ``target.connect_timeout``.
            UnavailableError: refused, unreachable or dropped.
            ConfigError: the key file cannot be read.
        """
        ...

    async def host_keys(self, host: str, port: int, *, timeout: float) -> list[HostKey]:
        """Fetch the host keys an endpoint offers (no login), for an operator to confirm.

        Raises:
            DeadlineError: no answer within ``timeout``.
            UnavailableError: refused or unreachable.
        """
        ...


class ConsoleLines(Protocol):
    """Console ports reached without SSH: TCP (raw or telnet, as ser2net offers) and local serial."""

    async def open_tcp(self, host: str, port: int, *, telnet: bool, timeout: float, label: str) -> ByteChannel:
        """Connect to a console server's TCP port.

        Raises:
            DeadlineError: no connection within ``timeout``.
            UnavailableError: refused or unreachable.
        """
        ...

    async def open_serial(self, device: str, baud: int, *, label: str) -> ByteChannel:
        """Open a local serial device (8N1, no flow control) at ``baud``.

        Raises:
            UnavailableError: the device cannot be opened (missing, busy, permission).
        """
        ...


class InventoryStore(Protocol):
    location: str

    def load(self) -> Inventory:
        """The local inventory (empty when the file does not exist yet).

        Raises:
            ConfigError: unreadable or invalid (file, key and line named).
        """
        ...

    def save(self, inventory: Inventory, *, header: str) -> None:
        """Write the inventory atomically (0600), keeping the previous file as ``.prev``.

        Raises:
            StorageError: it cannot be written.
        """
        ...


class PinStore(Protocol):
    """Host keys pinned outside the inventory: the site's known_hosts file."""

    location: str

    def keys_for(self, host: str, port: int) -> list[HostKey]:
        """Plain pinned keys for an endpoint.

        Raises:
            ConfigError: the file is unreadable.
        """
        ...

    def trust_for(self, host: str, port: int) -> HostTrust:
        """Keys, @cert-authority keys, @revoked keys and unusable lines that name this endpoint.

        Raises:
            ConfigError: the file is unreadable.
        """
        ...

    def problems(self) -> list[KnownHostsProblem]:
        """Every line of the file that cannot be used, with why."""
        ...

    def pin(self, host: str, port: int, key: HostKey, *, comment: str, replace: bool = False) -> bool:
        """Add a pin (atomic rewrite, 0600); False when it was already there. ``replace``
        drops the endpoint's other pins (a legitimate re-key).

        Raises:
            StorageError: it cannot be written.
        """
        ...


@dataclass(frozen=True)
class RecordingInfo:
    id: str
    path: str
    started: float  # unix time
    title: str
    width: int
    height: int
    duration: float
    events: int
    size: int


class Recording(Protocol):
    id: str
    path: str

    def output(self, data: bytes) -> None: ...
    def input(self, text: str) -> None: ...
    def resize(self, cols: int, rows: int) -> None: ...

    def close(self) -> None:
        """Flush and fsync the recording."""
        ...


class RecordingStore(Protocol):
    location: str

    def create(self, *, name: str, title: str, cols: int, rows: int, env: dict[str, str]) -> Recording:
        """Start a new asciicast v2 recording (0600).

        Raises:
            StorageError: it cannot be created.
        """
        ...

    def list(self) -> list[RecordingInfo]: ...

    def find(self, ref: str) -> RecordingInfo:
        """A recording by id or unique id prefix.

        Raises:
            NotFoundError: none, or several, match.
        """
        ...

    def events(self, ref: str) -> Iterator[tuple[float, str, str]]:
        """(seconds, kind, data) events of a recording, in order (a torn last line is skipped)."""
        ...


@dataclass(frozen=True)
class ConfigVersion:
    device: str
    version: str  # sortable: 20261121T080500Z
    path: str
    sha256: str
    size: int


class ConfigHistory(Protocol):
    location: str

    def save(self, device: str, text: str) -> tuple[ConfigVersion, bool]:
        """Store ``text`` as the newest version unless it equals the newest; (version, stored?).

        Raises:
            StorageError: it cannot be written.
        """
        ...

    def versions(self, device: str) -> list[ConfigVersion]:
        """Oldest first."""
        ...

    def read(self, version: ConfigVersion) -> str: ...


class Terminal(Protocol):
    """The operator's terminal, in raw mode while a session runs."""

    def size(self) -> tuple[int, int]: ...
    def term(self) -> str: ...

    async def read(self) -> bytes:
        """Keystrokes; ``b""`` at end of input."""
        ...

    def write(self, data: bytes) -> None: ...
    def on_resize(self, callback: Callable[[int, int], None]) -> None: ...


class ScreenModel(Protocol):
    """A model of the terminal the device writes to: what the operator sees, cell by cell."""

    def feed(self, data: bytes) -> None:
        """The device's output, as sent to the terminal."""
        ...

    def resize(self, cols: int, rows: int) -> None: ...

    def cursor_line(self) -> str:
        """The line the cursor is on as shown (prompt and echoed input), rows it wrapped over joined."""
        ...


# (cols, rows) -> a fresh screen model for one session
ScreenFactory = Callable[[int, int], ScreenModel]


@dataclass(frozen=True)
class Reach:
    """What a reachability probe saw."""

    ok: bool  # the SSH handshake completed with a pinned host key
    seconds: float | None  # until the banner (None: no answer)
    banner: str
    error: str
    pin: str = ""  # "match", "mismatch" (a key that is not the pinned one), "unpinned", "" (not that far)


# (host, port, timeout) -> Reach; never raises for an unreachable device (that is the answer)
Prober = Callable[..., Awaitable[Reach]]
# (host, port, pinned=..., timeout=...) -> the host key one full key exchange showed; raises OobError
KeyProber = Callable[..., Awaitable[HostKey]]
SecretReader = Callable[[Any, str], str]  # (SecretRef, where) -> secret
