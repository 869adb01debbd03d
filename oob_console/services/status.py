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

from oob_console.errors import NotFoundError, OobError

if TYPE_CHECKING:
    from oob_console.services.approvals import ApprovalService
    from oob_console.services.audit import AuditService
    from oob_console.services.credentials import CredentialService
    from oob_console.services.devices import DeviceAccess
    from oob_console.services.runbooks import RunbookService

State = Literal["ok", "warn", "fail", "off"]
STATE_TAGS: Mapping[State, str] = {"ok": "OK", "warn": "WARN", "fail": "FAIL", "off": "--"}


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

    def overview(self) -> list[StatusItem]:
        """Every overview line; a probe that fails shows as FAIL with its reason, not as an exception."""
        return [self.item(key) for key, _, _ in OVERVIEW]

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
        summary = f"chain intact: {report.entries} entries, last #{report.last_seq}"
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
        return StatusItem("login", "Login", "ok", f"{len(users)} users, {len(keys)} keys enrolled{note}",
                          goto="login")

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


# Reachability probes go over the OOB uplink and are audited: the overview repeats one at most this often.
REACH_EVERY = 30.0


def devices_probe(devices: DeviceAccess, *, timeout: float = 5.0) -> Probe:
    """How many inventory devices answer on their SSH port (TCP and banner, no login)."""
    last: list[tuple[float, StatusItem]] = []

    def measure() -> StatusItem:
        inventory = devices.inventory()
        if not inventory.devices:
            return StatusItem("devices", "Devices reachable", "warn", f"no devices in {devices.store.location}",
                              "write the inventory, or 'oob inventory import ...'", goto="devices")
        reach = asyncio.run(devices.reachability(inventory.devices, timeout=timeout))
        down = [name for name, r in reach.items() if not r.ok]
        up = len(reach) - len(down)
        state: State = "ok" if not down else "fail" if up == 0 else "warn"
        summary = f"{up} of {len(reach)} answer on SSH"
        if down:
            summary += f"; not {', '.join(down[:3])}" + (f" and {len(down) - 3} more" if len(down) > 3 else "")
        return StatusItem("devices", "Devices reachable", state, summary, goto="devices")

    def probe() -> StatusItem:
        now = time.monotonic()
        if not last or now - last[0][0] > REACH_EVERY:
            last[:] = [(now, measure())]
        return last[0][1]

    return probe
