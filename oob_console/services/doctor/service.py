"""`oob doctor`: gather the console's dependency graph on the live host and judge it.

What the console depends on comes from *target sources*: functions that list
what a part of the config makes the console talk to (comms channels, drill
uplink targets, ``doctor.endpoints``, NTP; the device inventory and BGP peers
add theirs when they are wired in bootstrap). The probe says how each is
resolved and routed; :mod:`oob_console.core.doctor` decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from oob_console.core.devices.inventory import Inventory
from oob_console.core.doctor import (
    DataItem,
    DoctorReport,
    Endpoint,
    Finding,
    Getty,
    HostFacts,
    Listener,
    Production,
    Stamp,
    judge,
)
from oob_console.errors import OobError
from oob_console.services.doctor.ports import HostProbe, Target
from oob_console.services.notify.ports import Channel

TargetSource = Callable[[], list[Target]]
DataSource = Callable[[], list[DataItem]]
FileSource = Callable[[], dict[str, Path]]  # purpose ("key_file of r1") -> a file the console reads at run time
StampSource = Callable[[], list[Stamp]]
FindingSource = Callable[[], list[Finding]]  # checks judged elsewhere (the host check), shown in the report


@dataclass
class DoctorService:
    probe: HostProbe
    production: Production
    sources: Sequence[TargetSource] = ()
    data_sources: Sequence[DataSource] = ()
    state_paths: dict[str, Path] = field(default_factory=dict)  # purpose -> path whose filesystem matters
    resolve_timeout: float = 2.0
    clock: Callable[[], float] = time.time
    file_sources: Sequence[FileSource] = ()
    stamp_sources: Sequence[StampSource] = ()
    finding_sources: Sequence[FindingSource] = ()
    listen: tuple[str, int, str] | None = None  # [server] listen, port, where configured
    serial_ttys: tuple[str, ...] = ()
    console_commands: tuple[str, ...] = ("tui", "shell")

    def _endpoint(self, t: Target) -> Endpoint:
        base = Endpoint(t.name, t.group, t.host, t.port, t.critical, t.asn, source=t.source, problem=t.problem)
        if t.problem:
            return base
        res = self.probe.resolve(t.host, self.resolve_timeout)
        if res.error:
            return replace(base, via_dns=res.via_dns, resolve_error=res.error)
        routes = tuple(self.probe.route(a) for a in res.addresses)
        return replace(base, via_dns=res.via_dns, routes=routes)

    def targets(self) -> list[Target]:
        out: list[Target] = []
        for source in self.sources:
            try:
                out += source()
            except OobError as exc:  # one unreadable section must not hide the rest of the graph
                out.append(Target("config", "doctor", "?", problem=f"cannot list endpoints: {exc.one_line()}"))
        # leases, approval expiry, RPKI age and audit seals trust the clock: a time source is critical
        return out + [Target(s, "ntp", s, 123, critical=True, source="the host's NTP config")
                      for s in self.probe.ntp_servers()]

    def files(self) -> dict[str, Path]:
        """Every file the console reads at run time, by purpose (state paths, then what the sources name)."""
        out = dict(self.state_paths)
        for source in self.file_sources:
            try:
                out.update(source())
            except OobError as exc:
                out[f"files ({exc.one_line()})"] = Path("/")
        return out

    def _listeners(self) -> list[Listener]:
        held = self.probe.addresses()
        out = []
        if self.listen is not None:
            address, port, where = self.listen
            out.append(Listener("oob serve", address, port, held.get(address, ()), where))
        for address, port, where in self.probe.sshd_listen():
            out.append(Listener(f"sshd ListenAddress ({where})", address, port, held.get(address, ()),
                                f"ListenAddress in {where}"))
        return out

    def _gettys(self) -> list[Getty]:
        return [replace(self.probe.getty(tty), console_commands=self.console_commands) for tty in self.serial_ttys]

    def _collect(self, sources: Sequence[Callable[[], list[Any]]], what: str) -> list[Any]:
        out: list[Any] = []
        for source in sources:
            try:
                out += source()
            except OobError as exc:
                out.append(Finding("warning", "doctor", what, "-", exc.one_line(), "see the message", "gather"))
        return out

    def facts(self) -> HostFacts:
        addresses, source = self.probe.resolvers()
        resolvers = tuple(self._endpoint(Target(a, "resolvers", a, 53, source=source)) for a in addresses)
        proxies = tuple(self._endpoint(Target(var, "proxies", host, port, critical=False, source=f"${var}"))
                        for var, host, port in self.probe.proxies())
        mounts = tuple(replace(self.probe.mount_of(p), purpose=purpose) for purpose, p in self.files().items())
        endpoints = tuple(self._endpoint(t) for t in self.targets())
        data = tuple(item for source_fn in self.data_sources for item in source_fn())
        gathered = self._collect(self.stamp_sources, "timestamps") + self._collect(self.finding_sources, "host check")
        stamps = [s for s in gathered if isinstance(s, Stamp)]
        extra = [f for f in gathered if isinstance(f, Finding)]
        return HostFacts(
            resolvers=resolvers, resolver_source=source, endpoints=endpoints,
            default_routes=tuple(self.probe.default_routes()), proxies=proxies, mounts=mounts, data=data,
            now=self.clock(), problems=tuple(self.probe.problems()), listeners=tuple(self._listeners()),
            gettys=tuple(self._gettys()), stamps=tuple(stamps), time_sources=tuple(self.probe.time_sources()),
            extra=tuple(extra),
        )

    def run(self) -> DoctorReport:
        """Gather and judge; read-only, so it is not audited."""
        return judge(self.facts(), self.production)

    def data(self) -> list[DataItem]:
        return [item for source_fn in self.data_sources for item in source_fn()]


def url_target(name: str, group: str, url: str, source: str) -> Target:
    """A Target for ``scheme://host[:port]`` (ports default by scheme)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Target(name, group, url, source=source, problem=f"bad port in {url}")
    return Target(name, group, parts.hostname or url, port, source=source)


def comms_targets(channels: Mapping[str, Channel]) -> list[Target]:
    out = []
    for name, channel in channels.items():
        source = f"comms.channels {name}"
        try:
            out.append(url_target(name, "comms", channel.endpoint(), source))
        except OobError as exc:
            out.append(Target(name, "comms", "?", source=source, problem=f"cannot tell where it sends: {exc.message}"))
    return out


def hostport_targets(group: str, items: Sequence[str], source: str, *, critical: bool = True) -> list[Target]:
    """Targets from ``HOST:PORT`` strings (``[v6]:port`` too)."""
    out = []
    for item in items:
        host, _, port = item.rpartition(":")
        out.append(Target(item, group, host.strip("[]"), int(port), critical=critical, source=source))
    return out


@dataclass(frozen=True)
class VrpAge:
    """The RPKI snapshot as emergency BGP sees it: when it was made (None: unusable) and why."""

    path: str
    dated: float | None
    max_age: float
    note: str


UNIX_TIME_2001 = 1_000_000_000  # a bundle serial above this is its export time (the default serial)


def local_data(probe: HostProbe, *, store: Path, runbooks: Path, reports: Path, max_age: float, drill_max_age: float,
               last_drill: dict[str, Any] | None, bundle_serial: int | None,
               inventory: Path | None = None, vrps: VrpAge | None = None) -> list[DataItem]:
    """The local data doctor and the drill's freshness step judge."""
    mtime, note = probe.mtime(store)
    items = [DataItem("credential store", str(store), mtime, float("inf"), "warning",
                      "" if mtime else "no users or keys: nobody can log in or approve",
                      "add users and enroll keys ('oob user add', 'oob key enroll')")]
    if bundle_serial is not None:
        known = bundle_serial > UNIX_TIME_2001
        why = "no bundle imported yet" if bundle_serial == 0 else "" if known else "its serial is not a time"
        items.append(DataItem("store bundle", f"serial {bundle_serial}", float(bundle_serial) if known else None,
                              max_age, "warning" if bundle_serial == 0 else "info", why,
                              "import the latest bundle ('oob store import')"))
    if inventory is not None:
        mtime, note = probe.mtime(inventory)
        items.append(DataItem("inventory", str(inventory), mtime, max_age, "warning", note,
                              "write or import the inventory ('oob inventory import')"))
    if vrps is not None:
        items.append(DataItem("VRP file", vrps.path, vrps.dated, vrps.max_age, "warning", vrps.note,
                              "refresh it from the validator (Routinator or rpki-client export, by cron)"))
    mtime, note = probe.mtime(runbooks)
    items.append(DataItem("runbooks", str(runbooks), mtime, max_age, "warning", note,
                          "put the offline runbooks (Markdown) in paths.runbooks"))
    items.append(DataItem("last passing drill", last_drill["id"] if last_drill else str(reports),
                          last_drill["started_ts"] if last_drill else None, drill_max_age,
                          note="" if last_drill else "no passing drill on record", fix="run 'oob drill run'"))
    return items


def inventory_targets(inventory: Inventory) -> list[Target]:
    """Devices' management addresses and console servers.

    A device with a console port has an out-of-band fallback, so its SSH path
    crossing production is a warning; without one it is critical. Console
    servers are always critical: they are the fallback.
    """
    out = [Target(d.name, "devices", d.host, d.port, critical=d.console is None, source=f"inventory device {d.name}")
           for d in inventory.devices]
    servers = {s.name: s for s in inventory.console_servers}
    seen: set[tuple[str, int]] = set()
    for s in inventory.console_servers:
        seen.add((s.host, s.port))
        out.append(Target(s.name, "console servers", s.host, s.port, source=f"inventory console server {s.name}"))
    for d in inventory.devices:
        con = d.console
        if con is None or con.kind == "serial" or con.server in servers or (con.server, con.port) in seen:
            continue
        seen.add((con.server, con.port))
        out.append(Target(f"console of {d.name}", "console servers", con.server, con.port,
                          source=f"inventory device {d.name} console"))
    return out
