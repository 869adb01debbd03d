"""The device inventory as values: devices, their links and BGP sessions.

Shared by device access (what to connect to), the command guard's blast-radius
checker (what a command would take down) and doctor (routes to management
addresses). Loading and importing live outside ``core``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from oob_console.core.devices.hostkeys import HostKey
from oob_console.core.schema import SecretRef

Platform = Literal["frr", "ios", "iosxr", "junos", "eos", "nxos"]
PLATFORMS: tuple[str, ...] = ("frr", "ios", "iosxr", "junos", "eos", "nxos")
LinkKind = Literal["backbone", "access", "peering", "upstream", "mgmt", "other"]
CliMode = Literal["auto", "exec", "shell"]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}")


def _check_host_keys(keys: tuple[str, ...]) -> None:
    for i, text in enumerate(keys):
        try:
            HostKey.parse(text)
        except ValueError as exc:
            raise ValueError(f"host_keys[{i}]: {exc}") from None


@dataclass(frozen=True)
class Link:
    """One interface of a device and what it connects to."""

    interface: str  # as the platform names it: Ethernet1, GigabitEthernet0/0/0/1, et-0/0/0
    kind: LinkKind = "backbone"
    peer_device: str | None = None
    peer_interface: str | None = None
    lag: str | None = None  # the bundle this is a member of: Port-Channel1, Bundle-Ether1, ae0


@dataclass(frozen=True)
class BgpSession:
    neighbor: str  # peer address
    peer_as: int
    kind: Literal["ibgp", "ebgp", "upstream", "peering"] = "ebgp"
    vrf: str = "default"  # routing instance
    description: str = ""


@dataclass(frozen=True)
class ConsolePort:
    """How to reach the device's serial console."""

    kind: Literal["ssh", "telnet", "raw", "serial"]
    server: str = ""  # console server name/address (ssh/telnet/raw)
    port: int = 0  # TCP port (telnet/raw/ssh) or the console server's port number (ssh pattern)
    line: str = ""  # console-server port id for the SSH pattern, or a local device (/dev/ttyUSB0)
    username: str = ""
    baud: int = 9600

    def validate(self) -> None:
        if self.kind in ("telnet", "raw") and not (self.server and 0 < self.port < 65536):
            raise ValueError(f"port: a {self.kind} console needs server = HOST and port = TCP port")
        if self.kind == "ssh" and not self.server:
            raise ValueError("server: an ssh console needs the name of a [[console_servers]] entry")
        if self.kind == "ssh" and not (self.line or self.port):
            raise ValueError("line: an ssh console needs the console server's port (line = 'port5', or port = 5)")
        if self.kind == "serial" and not self.line.startswith("/"):
            raise ValueError("line: a serial console needs the local device's path, e.g. line = '/dev/ttyUSB0'")
        if not 50 <= self.baud <= 4_000_000:
            raise ValueError(f"baud: {self.baud} is not a serial speed")


@dataclass(frozen=True)
class ConsoleServer:
    """A console server reached over SSH (Opengear, Nodegrid, ...), whose ports are picked by user name.

    ``user_pattern`` builds the SSH user name from ``{user}`` and the device's
    console ``{line}`` (or ``{port}``): Opengear ``{user}:{line}`` (``alice:port05``),
    Nodegrid ``{user}:{line}`` (``alice:ttyS5``).
    """

    name: str
    host: str
    port: int = 22
    username: str = ""
    key_file: str = ""
    password: SecretRef | None = None
    host_keys: tuple[str, ...] = ()
    user_pattern: str = "{user}:{line}"

    def validate(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"name: {self.name!r} is not a valid name (letters, digits, _ . : @ -)")
        if not self.host:
            raise ValueError("host: required")
        if not 0 < self.port < 65536:
            raise ValueError(f"port: {self.port} is not a TCP port")
        _check_host_keys(self.host_keys)
        try:
            self.user_pattern.format(user="u", line="l", port=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"user_pattern: use only {{user}}, {{line}} and {{port}} ({exc})") from None

    def ssh_user(self, console: ConsolePort) -> str:
        """The SSH user name that selects ``console``'s port on this server."""
        user = console.username or self.username
        return self.user_pattern.format(user=user, line=console.line or str(console.port), port=console.port)


@dataclass(frozen=True)
class Device:
    name: str
    platform: Platform
    host: str  # management address
    port: int = 22
    username: str = ""
    key_file: str = ""  # path to a private key
    password: SecretRef | None = None  # file:/env: reference, never inline
    enable_secret: SecretRef | None = None  # IOS `enable` password: file:/env: reference, never inline
    host_keys: tuple[str, ...] = ()  # pinned OpenSSH public keys ("ssh-ed25519 AAAA...")
    site: str = ""
    role: str = ""
    transport: Literal["asyncssh", "paramiko"] = "asyncssh"
    console: ConsolePort | None = None
    links: tuple[Link, ...] = ()
    bgp: tuple[BgpSession, ...] = ()
    tags: tuple[str, ...] = ()
    cli: CliMode = "auto"  # how `oob run` sends commands: the platform's way, an SSH exec, or a shell

    def validate(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"name: {self.name!r} is not a valid name (letters, digits, _ . : @ -)")
        if not self.host:
            raise ValueError("host: required (the management address)")
        if not 0 < self.port < 65536:
            raise ValueError(f"port: {self.port} is not a TCP port")
        _check_host_keys(self.host_keys)


@dataclass(frozen=True)
class Inventory:
    devices: tuple[Device, ...] = field(default_factory=tuple)
    console_servers: tuple[ConsoleServer, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        seen: set[str] = set()
        for i, dev in enumerate(self.devices):
            if dev.name in seen:
                raise ValueError(f"devices[{i}].name: duplicate device name {dev.name!r}")
            seen.add(dev.name)
        servers = {c.name for c in self.console_servers}
        if len(servers) != len(self.console_servers):
            raise ValueError("console_servers: two entries have the same name")
        for i, dev in enumerate(self.devices):
            if dev.console and dev.console.kind == "ssh" and dev.console.server not in servers:
                raise ValueError(
                    f"devices[{i}].console.server: no [[console_servers]] entry named {dev.console.server!r}"
                )

    def console_server(self, name: str) -> ConsoleServer | None:
        return next((c for c in self.console_servers if c.name == name), None)

    def get(self, name: str) -> Device | None:
        return next((d for d in self.devices if d.name == name), None)

    def at_site(self, site: str) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.site == site)

    def with_role(self, role: str) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.role == role)
