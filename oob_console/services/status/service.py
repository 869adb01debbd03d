"""The site at a glance: what the dashboard and ``oob shell`` show first.

Each line of the overview comes from a probe that a feature registers in
``bootstrap`` (doctor the uplink, BGP its sessions, the inventory its devices).
A line with no probe says plainly that the feature is not part of this
version: the overview never shows a value nobody measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from oob_console.core.counting import counted
from oob_console.errors import NotFoundError, OobError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from oob_console.services.audit.service import AuditService
    from oob_console.services.auth.approvals import ApprovalService
    from oob_console.services.auth.credentials import CredentialService
    from oob_console.services.bgp.service import BgpService
    from oob_console.services.devices.access import DeviceAccess
    from oob_console.services.doctor.ports import TcpProbe
    from oob_console.services.doctor.service import DoctorService
    from oob_console.services.drill.service import DrillService
    from oob_console.services.runbooks.service import RunbookService

State = Literal["ok", "warn", "fail", "off", "wait"]
STATE_TAGS: Mapping[State, str] = {"ok": "OK", "warn": "WARN", "fail": "FAIL", "off": "--", "wait": ".."}


@dataclass(frozen=True)
class StatusItem:
    """One line of the overview. ``goto`` names the screen that shows more (or is empty)."""

    key: str
    label: str
    state: State
    summary: str
    hint: str = ""
    goto: str = ""

    @property
    def tag(self) -> str:
        return STATE_TAGS[self.state]


Probe = Callable[[], StatusItem]

# The overview's lines, in order: (key, label, what is missing while no probe is registered).
OVERVIEW: tuple[tuple[str, str, str], ...] = (
    ("uplink", "OOB uplink", "not checked: needs doctor, not in this version"),
    ("bgp", "Upstream BGP", "not in this version (emergency BGP)"),
    ("devices", "Devices reachable", "not in this version (device inventory)"),
    ("approvals", "Pending approvals", "not in this version (approvals)"),
    ("drill", "Last drill", "not in this version (drills)"),
    ("doctor", "Doctor", "not in this version (doctor)"),
    ("login", "Login", "not in this version (credential store)"),
    ("audit", "Audit log", "not checked: no audit probe registered"),
    ("runbooks", "Runbooks", "not checked: no runbooks probe registered"),
)


@dataclass
class StatusService:
    probes: dict[str, Probe] = field(default_factory=dict)
    # Probes that may take seconds (the network, many imports): a screen shows the rest first.
    slow: frozenset[str] = frozenset()

    def overview(self, *, quick: bool = False) -> list[StatusItem]:
        """Every overview line; a probe that fails shows as FAIL with its reason, not as an exception.

        ``quick``: slow probes are not run; their lines say "checking" (state ``wait``).
        """
        return [self.item(key) if not (quick and key in self.slow) else
                StatusItem(key, label, "wait", "checking...") for key, label, _ in OVERVIEW]

    def item(self, key: str) -> StatusItem:
        """One overview line (KeyError for a key not in OVERVIEW)."""
        label, missing = next((lbl, m) for k, lbl, m in OVERVIEW if k == key)
        probe = self.probes.get(key)
        if probe is None:
            return StatusItem(key, label, "off", missing)
        try:
            return probe()
        except OobError as exc:
            return StatusItem(key, label, "fail", exc.message, exc.hint or "")


def audit_probe(audit: AuditService) -> Probe:
    def probe() -> StatusItem:
        try:
            report = audit.verify()
        except OobError as exc:
            return StatusItem("audit", "Audit log", "fail", exc.message + (f" ({exc.where})" if exc.where else ""),
                              exc.hint or "", goto="audit")
        summary = f"chain intact: {counted(report.entries, 'entry')}, last #{report.last_seq}"
        return StatusItem("audit", "Audit log", "ok", summary, goto="audit")

    return probe


def runbooks_probe(runbooks: RunbookService) -> Probe:
    def probe() -> StatusItem:
        try:
            count = len(runbooks.all())
        except NotFoundError as exc:
            return StatusItem("runbooks", "Runbooks", "warn", f"no folder {runbooks.location}/", exc.hint or "",
                              goto="runbooks")
        if count == 0:
            return StatusItem("runbooks", "Runbooks", "warn", f"none in {runbooks.location}/",
                              "copy your Markdown runbooks there", goto="runbooks")
        noun = "runbook" if count == 1 else "runbooks"
        return StatusItem("runbooks", "Runbooks", "ok", f"{count} {noun} in {runbooks.location}/", goto="runbooks")

    return probe


def login_probe(credentials: CredentialService) -> Probe:
    """Who can log in: enrolled users and keys; software keys are named, never hidden."""

    def probe() -> StatusItem:
        users = [u for u in credentials.list_users() if u.active]
        keys = [k for k in credentials.list_keys() if k.active]
        if not users or not keys:
            return StatusItem("login", "Login", "warn", "no user with an enrolled key: nobody can log in",
                              "oob user add NAME --role operator; oob key enroll --user NAME", goto="login")
        soft = sum(1 for k in keys if k.software)
        note = f", {soft} of them SOFTWARE keys" if soft else ""
        return StatusItem("login", "Login", "ok",
                          f"{counted(len(users), 'user')}, {counted(len(keys), 'key')} enrolled{note}",
                          goto="login")

    return probe


def bgp_probe(bgp: Callable[[], BgpService]) -> Probe:
    """Our BGP sessions and what we announce; a live prefix whose session is down is a failure."""

    def probe() -> StatusItem:
        svc = bgp()
        if not svc.settings.upstreams:
            return StatusItem("bgp", "Upstream BGP", "off", "not configured: no [bgp.upstreams]")
        status = svc.status()
        ours = [s for s in status.sessions if svc.settings.upstreams.get(s.upstream) is not None
                and svc.settings.upstreams[s.upstream].backend == "exabgp"]
        up = {s.upstream for s in ours if s.state == "up"}
        live = [r.row for r in status.routes if r.live]
        stranded = [r for r in live if svc.settings.upstreams.get(r.upstream) is not None
                    and svc.settings.upstreams[r.upstream].backend == "exabgp" and r.upstream not in up]
        parts = [f"{len(up)}/{counted(len(ours), 'session')} up"] if ours else []
        parts.append(f"{len({r.prefix for r in live})} prefix(es) announced")
        if status.intents:
            parts.append(f"{len(status.intents)} intent(s) open")
        summary = ", ".join(parts)
        if stranded:
            return StatusItem("bgp", "Upstream BGP", "fail", f"{summary}; NOT OUT: " + ", ".join(
                f"{r.prefix} via {r.upstream}" for r in stranded[:2]), "see 'oob bgp status'", goto="bgp")
        state: State = "ok" if len(up) == len(ours) else "warn"
        return StatusItem("bgp", "Upstream BGP", state, summary, goto="bgp")

    return probe


def approvals_probe(approvals: ApprovalService) -> Probe:
    def probe() -> StatusItem:
        waiting = approvals.list()
        if not waiting:
            return StatusItem("approvals", "Pending approvals", "ok", "none waiting", goto="approvals")
        ids = ", ".join(f"{v.id} {v.intent.action} {v.have}/{v.need}" for v in waiting[:3])
        more = f" and {len(waiting) - 3} more" if len(waiting) > 3 else ""
        return StatusItem("approvals", "Pending approvals", "warn", f"{len(waiting)} waiting: {ids}{more}",
                          goto="approvals")

    return probe


# Probes that go over the OOB uplink (and reachability is audited): the overview repeats one at most this often.
REACH_EVERY = 30.0


def lazy(make: Callable[[], Probe]) -> Probe:
    """A probe built on first use: building some services costs imports a dashboard may never need."""
    made: list[Probe] = []

    def probe() -> StatusItem:
        if not made:
            made.append(make())
        return made[0]()

    return probe


def at_most_every(seconds: float, measure: Probe) -> Probe:
    """``measure``, its answer reused for ``seconds`` (a dashboard refresh must not hammer the uplink)."""
    last: list[tuple[float, StatusItem]] = []

    def probe() -> StatusItem:
        now = time.monotonic()
        if not last or now - last[0][0] > seconds:
            last[:] = [(now, measure())]
        return last[0][1]

    return probe


def devices_probe(devices: DeviceAccess, *, timeout: float = 5.0, shown_as: str = "") -> Probe:
    """How many inventory devices complete an SSH handshake with their pinned host key (no login).

    ``shown_as``: the inventory as the config names it (default: its full path).
    """

    def measure() -> StatusItem:
        inventory = devices.inventory()
        if not inventory.devices:
            where = shown_as or devices.store.location
            return StatusItem("devices", "Devices reachable", "warn", f"no devices in {where}",
                              "write the inventory, or 'oob inventory import ...'", goto="devices")
        reach = asyncio.run(devices.reachability(inventory.devices, timeout=timeout))
        mismatch = [name for name, r in reach.items() if r.pin == "mismatch"]
        down = [name for name, r in reach.items() if not r.ok and name not in mismatch]
        up = len(reach) - len(down) - len(mismatch)
        state: State = "ok" if not down else "fail" if up == 0 else "warn"
        summary = f"{up} of {len(reach)} answer on SSH"  # a handshake with the pinned key
        if mismatch:  # its own red state: a key that is not the pinned one may be an attack
            state = "fail"
            summary = (f"HOST KEY MISMATCH: {', '.join(mismatch[:3])}"
                       + (f" and {len(mismatch) - 3} more" if len(mismatch) > 3 else "") + f"; {summary}")
        if down:
            summary += f"; not {', '.join(down[:3])}" + (f" and {len(down) - 3} more" if len(down) > 3 else "")
        hint = ("compare the presented key out of band; 'oob inventory pin-hostkey DEVICE --replace --expect "
                "SHA256:...' only after a legitimate re-key" if mismatch else "")
        return StatusItem("devices", "Devices reachable", state, summary, hint, goto="devices")

    return at_most_every(REACH_EVERY, measure)


def uplink_probe(tcp: TcpProbe, targets: Sequence[str], *, timeout: float = 5.0) -> Probe:
    """Does a TCP connect to each configured HOST:PORT beyond the OOB uplink succeed?"""

    def measure() -> StatusItem:
        if not targets:
            return StatusItem("uplink", "OOB uplink", "warn", "not checked: no uplink targets configured",
                              "list HOST:PORT beyond the uplink in [drill] uplink")
        fastest: float | None = None
        failed: list[str] = []
        for target in targets:
            host, _, port = target.rpartition(":")
            try:
                seconds = tcp.connect(host.strip("[]"), int(port), timeout)
            except OobError as exc:
                failed.append(exc.message)
                continue
            fastest = seconds if fastest is None else min(fastest, seconds)
        up = len(targets) - len(failed)
        if fastest is None:
            return StatusItem("uplink", "OOB uplink", "fail",
                              (f"none of {counted(len(targets), 'target')} answer" if len(targets) > 1
                               else "its one target does not answer") + f": {failed[0]}")
        summary = f"{up} of {counted(len(targets), 'target')} answer, fastest in {fastest * 1000:.0f} ms"
        return StatusItem("uplink", "OOB uplink", "warn" if failed else "ok",
                          summary + (f"; {failed[0]}" if failed else ""))

    return at_most_every(REACH_EVERY, measure)


def doctor_probe(doctor: DoctorService) -> Probe:
    """The verdict of `oob doctor` (does anything the console needs depend on production?)."""

    def measure() -> StatusItem:
        report = doctor.run()
        counts = report.counts
        worst = next((f for level in ("critical", "warning") for f in report.findings if f.level == level), None)
        summary = f"{counts.get('critical', 0)} critical, {counted(counts.get('warning', 0), 'warning')}"
        if worst is not None:
            summary += f"; first: {worst.subject} ({worst.problem})" if worst.problem else f"; first: {worst.subject}"
        state: State = "fail" if report.critical else "warn" if counts.get("warning") else "ok"
        return StatusItem("doctor", "Doctor", state, summary, "details: oob doctor" if worst else "", goto="doctor")

    return at_most_every(REACH_EVERY, measure)


def drill_probe(drill: DrillService, *, max_age_days: float) -> Probe:
    """Days since the last passing break-glass drill (stale after ``max_age_days``)."""

    def probe() -> StatusItem:
        last = drill.last_passing()
        if last is None:
            return StatusItem("drill", "Last drill", "warn", "no passing drill on record", "run 'oob drill run'")
        days = float(last["days_ago"])
        state: State = "ok" if days <= max_age_days else "warn"
        return StatusItem("drill", "Last drill", state, f"passed {days:g} days ago ({last.get('id')})",
                          "" if state == "ok" else f"older than {max_age_days:g} days: run 'oob drill run'")

    return probe


