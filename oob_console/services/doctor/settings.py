"""The [production] and [doctor] config sections: what production is, what doctor checks and how long."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from oob_console.core.timefmt import Duration


@dataclass(frozen=True)
class ProductionConfig:
    """The production network nothing the console needs may cross (read by doctor)."""

    prefixes: tuple[str, ...] = ()
    asns: tuple[int, ...] = ()
    interfaces: tuple[str, ...] = ()

    def validate(self) -> None:
        for i, text in enumerate(self.prefixes):
            try:
                ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ValueError(f"prefixes[{i}]: {text!r} is not an IP prefix (like 10.0.0.0/8)") from None
        for i, asn in enumerate(self.asns):
            if not 1 <= asn <= 4_294_967_295:
                raise ValueError(f"asns[{i}]: {asn} is not an AS number")
        for i, name in enumerate(self.interfaces):
            if not re.fullmatch(r"[^\s/]{1,15}", name):
                raise ValueError(f"interfaces[{i}]: {name!r} is not an interface name")


@dataclass(frozen=True)
class EndpointConfig:
    """Something the console talks to that no other section declares (looking glass, provider API)."""

    name: str
    host: str
    port: int = field(default=0, metadata={"min": 0, "max": 65535})
    kind: str = "other"
    critical: bool = True
    asn: int = field(default=0, metadata={"min": 0, "max": 4_294_967_295})

    def validate(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.:-]+", self.host):
            raise ValueError(f"host: {self.host!r} is not an address or host name")


@dataclass(frozen=True)
class DoctorConfig:
    endpoints: tuple[EndpointConfig, ...] = ()
    data_max_age: Duration = field(default=Duration.parse("30d"), metadata={"min": 1})
    drill_max_age: Duration = field(default=Duration.parse("92d"), metadata={"min": 1})
    resolve_timeout: Duration = field(default=Duration.parse("2s"), metadata={"min": 0.1, "max": 60, "seconds": True})
    # serial lines whose getty must start the console ("ttyS0"); empty: the site has no serial front door
    serial_ttys: tuple[str, ...] = ()
    # how long reading a file the console needs (a key, a secret) may take before it is a dead mount
    read_deadline: Duration = field(default=Duration.parse("5s"), metadata={"min": 0.1, "max": 600, "seconds": True})

    def validate(self) -> None:
        for i, tty in enumerate(self.serial_ttys):
            if not re.fullmatch(r"tty[A-Za-z0-9]{1,12}", tty):
                raise ValueError(f"serial_ttys[{i}]: {tty!r} is not a tty name (like ttyS0 or ttyUSB0)")
        names = [e.name for e in self.endpoints]
        if len(set(names)) != len(names):
            raise ValueError("endpoints: names must be unique")
