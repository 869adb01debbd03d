"""The device inventory and how to reach each device: SSH targets, console plans, host key pins, imports.

Every other device service (runs, sessions, backups) goes through
:class:`DeviceAccess` to learn where a device is and with which pinned keys
and credentials to log in.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from oob_console.core.counting import counted
from oob_console.core.devices.hostkeys import HostKey, HostTrust, check_presented, host_pattern
from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.devices.inventory_merge import MergeSummary, merge_inventory
from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError, NotFoundError, OobError, UsageError
from oob_console.services.audit.service import AuditService
from oob_console.services.devices.ports import (
    InventoryStore,
    KeyProber,
    PinStore,
    Prober,
    Reach,
    SecretReader,
    SshEngine,
    SshTarget,
)

ConsoleKind = Literal["ssh", "telnet", "raw", "serial"]
# A probe is a TCP connect and an SSH banner over the OOB uplink: seconds, not minutes.
PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class ConsolePlan:
    """How to reach one device's serial console."""

    device: str
    kind: ConsoleKind
    label: str
    ssh: SshTarget | None = None
    host: str = ""
    port: int = 0
    path: str = ""
    baud: int = 9600

    def describe(self) -> str:
        if self.ssh is not None:
            return f"ssh {self.ssh.username}@{self.ssh.host}:{self.ssh.port}"
        if self.kind == "serial":
            return f"serial {self.path} at {self.baud} baud"
        return f"{self.kind} {self.host}:{self.port}"


@dataclass(frozen=True)
class Endpoint:
    """An SSH endpoint whose host key may be pinned: a device, or its console server."""

    label: str
    host: str
    port: int
    pinned: tuple[HostKey, ...]


@dataclass
class DeviceAccess:
    store: InventoryStore
    pins: PinStore
    engines: Mapping[str, SshEngine]
    audit: AuditService
    read_secret: SecretReader
    resolve_path: Callable[[str], Path]
    connect_timeout: float = 30.0
    prober: Prober | None = None
    key_prober: KeyProber | None = None

    def inventory(self) -> Inventory:
        return self.store.load()

    def device(self, name: str, inventory: Inventory | None = None) -> Device:
        inv = inventory or self.inventory()
        dev = inv.get(name)
        if dev is None:
            hint = "see 'oob inventory list'" if inv.devices else "the inventory is empty: import or write one"
            raise NotFoundError(f"no device named {name!r}", where=self.store.location, hint=hint)
        return dev

    def engine(self, name: str) -> SshEngine:
        try:
            return self.engines[name]
        except KeyError:
            raise UsageError(f"unknown SSH transport {name!r}", hint=f"use one of {', '.join(self.engines)}") from None

    def _secret(self, ref: SecretRef | None, where: str) -> str | None:
        return None if ref is None else self.read_secret(ref, where)

    def _trust(self, inline: tuple[str, ...], host: str, port: int, where: str) -> HostTrust:
        """Inline pins and what known_hosts says of the endpoint; @revoked keys removed.

        Raises:
            ConfigError: an inline pin is malformed, or a known_hosts line naming this endpoint
                cannot be used (fail closed: it may have been this endpoint's pin).
        """
        keys: list[HostKey] = []
        for i, text in enumerate(inline):
            try:
                keys.append(HostKey.parse(text))
            except ValueError as exc:  # validated at load; kept for inventories built in code
                raise ConfigError(f"bad pinned host key: {exc}", where=f"{where} host_keys[{i}]") from None
        known = self.pins.trust_for(host, port)
        if known.problems:
            bad = known.problems[0]
            raise ConfigError(f"a known_hosts line for {host_pattern(host, port)} cannot be used: {bad.reason}",
                              where=f"{self.pins.location}:{bad.lineno}",
                              hint="fix or delete that line ('[@cert-authority|@revoked] names type base64')")
        for key in known.keys:
            if key not in keys:
                keys.append(key)
        return HostTrust(keys=tuple(k for k in keys if k not in known.revoked),
                         cas=tuple(k for k in known.cas if k not in known.revoked), revoked=known.revoked)

    def _pinned(self, inline: tuple[str, ...], host: str, port: int, where: str) -> tuple[HostKey, ...]:
        return self._trust(inline, host, port, where).keys

    def pinned(self, dev: Device) -> tuple[HostKey, ...]:
        """Every key pinned for ``dev``'s SSH endpoint (inventory and known_hosts)."""
        return self._pinned(dev.host_keys, dev.host, dev.port, f"{self.store.location} device {dev.name}")

    def _key_path(self, key_file: str) -> str | None:
        return str(self.resolve_path(key_file)) if key_file else None

    def ssh_target(self, dev: Device, *, connect_timeout: float | None = None) -> SshTarget:
        """Login details for ``dev``; the password reference is read now (never stored)."""
        where = f"{self.store.location} device {dev.name}"
        trust = self._trust(dev.host_keys, dev.host, dev.port, where)
        return SshTarget(
            label=dev.name,
            host=dev.host,
            port=dev.port,
            username=dev.username or getpass.getuser(),
            host_keys=trust.keys,
            host_cas=trust.cas,
            revoked=trust.revoked,
            connect_timeout=connect_timeout or self.connect_timeout,
            key_file=self._key_path(dev.key_file),
            password=self._secret(dev.password, f"{where} password"),
            enable_secret=self._secret(dev.enable_secret, f"{where} enable_secret"),
        )

    def console_plan(self, dev: Device, inventory: Inventory | None = None) -> ConsolePlan:
        con = dev.console
        if con is None:
            raise NotFoundError(f"{dev.name} has no console port in the inventory", where=self.store.location,
                                hint=f"add a [devices.console] table to {dev.name}")
        label = f"console of {dev.name}"
        if con.kind == "serial":
            return ConsolePlan(dev.name, "serial", label, path=con.line, baud=con.baud)
        inv = inventory or self.inventory()
        server = inv.console_server(con.server)
        if con.kind in ("telnet", "raw"):
            host = server.host if server else con.server
            return ConsolePlan(dev.name, con.kind, label, host=host, port=con.port)
        if server is None:  # validated at load
            raise ConfigError(f"no console server {con.server!r}", where=self.store.location)
        where = f"{self.store.location} console server {server.name}"
        trust = self._trust(server.host_keys, server.host, server.port, where)
        target = SshTarget(
            label=f"{label} via {server.name}",
            host=server.host,
            port=server.port,
            username=server.ssh_user(con),
            host_keys=trust.keys,
            host_cas=trust.cas,
            revoked=trust.revoked,
            connect_timeout=self.connect_timeout,
            key_file=self._key_path(server.key_file),
            password=self._secret(server.password, f"{where} password"),
        )
        return ConsolePlan(dev.name, "ssh", label, ssh=target)

    def endpoint(self, name: str, *, console: bool = False) -> Endpoint:
        inv = self.inventory()
        dev = self.device(name, inv)
        if not console:
            return Endpoint(dev.name, dev.host, dev.port, self.pinned(dev))
        con = dev.console
        server = inv.console_server(con.server) if con else None
        if con is None or con.kind != "ssh" or server is None:
            raise UsageError(f"{dev.name}'s console is not reached over SSH; there is no host key to pin")
        where = f"{self.store.location} console server {server.name}"
        return Endpoint(f"console server {server.name}", server.host, server.port,
                        self._pinned(server.host_keys, server.host, server.port, where))

    async def offered_keys(self, endpoint: Endpoint, *, transport: str = "asyncssh") -> list[HostKey]:
        """The host keys the endpoint offers now (shown to the operator, not trusted)."""
        return await self.engine(transport).host_keys(endpoint.host, endpoint.port, timeout=self.connect_timeout)

    def pin(self, endpoint: Endpoint, key: HostKey, *, replace: bool, confirmed_by: str) -> bool:
        """Pin ``key`` for ``endpoint`` after the operator confirmed it; audited first."""
        details: dict[str, Any] = {"host": endpoint.host, "port": endpoint.port, "key": key.describe(),
                                   "replace": replace, "confirmed_by": confirmed_by,
                                   "previous": [k.describe() for k in endpoint.pinned]}
        self.audit.record("inventory.pin-hostkey", target=endpoint.label, outcome="ok", details=details)
        return self.pins.pin(endpoint.host, endpoint.port, key, comment=endpoint.label.replace(" ", "-"),
                             replace=replace)

    async def reachability(self, devices: Sequence[Device], *, timeout: float = PROBE_TIMEOUT,
                           concurrency: int = 100) -> dict[str, Reach]:
        """Whether each device completes an SSH handshake with its pinned host key, all at once (bounded).

        First the banner (cheap: refused, silent and not-SSH ports end here), then one key
        exchange (no login) whose host key is checked against the pins: a device that answers
        with another key is not reachable, it is a ``mismatch`` (perhaps an attack).
        """
        if self.prober is None:
            raise UsageError("no reachability prober is configured")
        prober, key_prober = self.prober, self.key_prober
        sem = asyncio.Semaphore(max(1, concurrency))

        async def one(dev: Device) -> tuple[str, Reach]:
            async with sem:
                reach = await prober(dev.host, dev.port, timeout=timeout)
                if not reach.ok or key_prober is None:
                    return dev.name, reach
                pins = self.pinned(dev)
                try:
                    presented = await key_prober(dev.host, dev.port, pinned=pins, timeout=timeout)
                except OobError as exc:
                    return dev.name, replace(reach, ok=False, error=f"key exchange failed: {exc.message}")
                check = check_presented(presented, pins, label=dev.name)
                if check.trusted:
                    return dev.name, replace(reach, pin="match")
                if not pins:
                    return dev.name, replace(reach, ok=False, pin="unpinned",
                                             error="no pinned host key")
                return dev.name, replace(reach, ok=False, pin="mismatch",
                                         error="HOST KEY MISMATCH")

        found = dict(await asyncio.gather(*(one(d) for d in devices)))
        self.audit.record("inventory.probe", target=f"{counted(len(found), 'device')}", outcome="ok",
                          details={"reachable": sorted(n for n, r in found.items() if r.ok),
                                   "host_key_mismatch": sorted(n for n, r in found.items() if r.pin == "mismatch"),
                                   "unreachable": sorted(n for n, r in found.items() if not r.ok)})
        return found

    def import_inventory(self, imported: Inventory, *, source: str, prune: bool,
                         warnings: list[str]) -> MergeSummary:
        """Merge ``imported`` into the local inventory and write it (audited before the write)."""
        merged, summary = merge_inventory(self.inventory(), imported, prune=prune)
        self.audit.record("inventory.import", target=self.store.location, outcome="ok",
                          details={"source": source, "prune": prune, **summary.to_json(),
                                   "warnings": warnings[:50]})
        self.store.save(merged, header=f"oob-console inventory, last written by an import from {source}.\n"
                        "Fields the import leaves empty keep their local values; edit freely.")
        return summary
