"""Ports of doctor and the drill: what they need to know about the host and its links."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from oob_console.core.doctor import Getty, Mount, Route


@dataclass(frozen=True)
class Resolution:
    """How a configured host name became addresses."""

    addresses: tuple[str, ...]
    via_dns: bool  # False: it was an address, or /etc/hosts had it
    error: str = ""


class HostProbe(Protocol):
    """Reads the live host; every method answers with what it found and never raises for a finding."""

    def resolvers(self) -> tuple[list[str], str]:
        """Resolver addresses and the file they came from (follows a local stub to its upstreams)."""
        ...

    def route(self, address: str) -> Route:
        """The kernel's route to ``address`` (``ip route get``); an error is in ``Route.error``."""
        ...

    def default_routes(self) -> list[Route]:
        """The IPv4 and IPv6 default routes."""
        ...

    def resolve(self, host: str, timeout: float) -> Resolution:
        """Addresses for ``host`` (literal, /etc/hosts, else DNS within ``timeout`` seconds)."""
        ...

    def proxies(self) -> list[tuple[str, str, int]]:
        """(variable, host, port or 0) for each proxy variable set in the environment; never its credentials."""
        ...

    def mount_of(self, path: Path) -> Mount:
        """The filesystem holding ``path`` (or its nearest existing parent)."""
        ...

    def mtime(self, path: Path) -> tuple[float | None, str]:
        """Last change of a file, or of the newest file below a directory, with a note; None if absent."""
        ...

    def ntp_servers(self) -> list[str]:
        """Time servers named in chrony, ntpd or systemd-timesyncd config."""
        ...

    def time_sources(self) -> list[str]:
        """The time-source configuration files :meth:`ntp_servers` read (call it first)."""
        ...

    def addresses(self) -> dict[str, tuple[str, ...]]:
        """This host's addresses, each with the interfaces holding it."""
        ...

    def sshd_listen(self) -> list[tuple[str, int, str]]:
        """(address, port, config file) sshd listens on, if its config hands logins to ``oob ssh-entry``."""
        ...

    def getty(self, tty: str) -> Getty:
        """The serial getty of ``tty``: enabled or not, and the command systemd runs for it."""
        ...

    def problems(self) -> list[str]:
        """What could not be read while answering the calls above."""
        ...


class TcpProbe(Protocol):
    def connect(self, host: str, port: int, timeout: float) -> float:
        """Open and close a TCP connection; return the seconds it took.

        Raises:
            UnavailableError: refused or unreachable.
            DeadlineError: no answer within ``timeout``.
        """
        ...


@dataclass(frozen=True)
class Target:
    """Something configured that the console must reach, before doctor looks at how."""

    name: str
    group: str  # comms, uplink, ntp, endpoints, devices, console servers, bgp, ...
    host: str
    port: int = 0
    critical: bool = True
    asn: int = 0
    source: str = ""  # the config key, for the fix
    problem: str = ""  # e.g. its URL is a secret that cannot be read
