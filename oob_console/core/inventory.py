"""The device inventory as values: devices, their links and BGP sessions.

Shared by device access (what to connect to), the command guard's blast-radius
checker (what a command would take down) and doctor (routes to management
addresses). Loading and importing live outside ``core``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from oob_console.core.schema import SecretRef

Platform = Literal["frr", "ios", "iosxr", "junos", "eos"]
PLATFORMS: tuple[str, ...] = ("frr", "ios", "iosxr", "junos", "eos")
LinkKind = Literal["backbone", "access", "peering", "upstream", "mgmt", "other"]


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


@dataclass(frozen=True)
class Device:
    name: str
    platform: Platform
    host: str  # management address
    port: int = 22
    username: str = ""
    key_file: str = ""  # path to a private key
    password: SecretRef | None = None  # file:/env: reference, never inline
    host_keys: tuple[str, ...] = ()  # pinned OpenSSH public keys ("ssh-ed25519 AAAA...")
    site: str = ""
    role: str = ""
    transport: Literal["asyncssh", "paramiko"] = "asyncssh"
    console: ConsolePort | None = None
    links: tuple[Link, ...] = ()
    bgp: tuple[BgpSession, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inventory:
    devices: tuple[Device, ...] = field(default_factory=tuple)

    def get(self, name: str) -> Device | None:
        return next((d for d in self.devices if d.name == name), None)

    def at_site(self, site: str) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.site == site)

    def with_role(self, role: str) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.role == role)
