"""`oob run`: one command on many devices, with bounded concurrency, per-device results, audited.

Before anything is sent the command guard judges the run (``services.guard_gate``):
once per platform and command text among the targets. A read-only run goes
ahead; a change needs the operator's fresh key touch or an approved intent, a
dangerous command the configured quorum (an approved intent, ``intent_id``).
The decisions, the clearance (intent and approvers) and the start are audited
before the first byte is sent; a refused run sends nothing and is audited as
refused. Each device then gets its own timeouts and its own result; a device
that fails never hides behind the others. The outcome is audited, and recorded
on the intent the run used.

Every front end (CLI, TUI, line shell) runs commands through :meth:`RunService.run`;
:meth:`RunService.preview` shows the verdicts before anything is sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oob_console.core.auth.identity import Identity
from oob_console.core.counting import counted
from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.devices.platforms import first_error, spec
from oob_console.core.devices.runs import DeviceResult, Status, select_devices, tally
from oob_console.core.guard import Decision, Verdict
from oob_console.errors import (
    AuditWriteError,
    AuthError,
    DeadlineError,
    NotFoundError,
    OobError,
    RefusedError,
    UnavailableError,
    UsageError,
)
from oob_console.services.auth.ports import Prompt
from oob_console.services.devices.access import DeviceAccess
from oob_console.services.devices.cli_driver import CliDriver
from oob_console.services.devices.ports import SshEngine, SshTarget
from oob_console.services.guard.gate import Clearance, GuardGate

Progress = Callable[[DeviceResult, int, int], None]  # (result just finished, done, total)


@dataclass(frozen=True)
class RunOptions:
    timeout: float = 60.0  # per device, for the command once logged in
    connect_timeout: float | None = None  # per device; None: devices.connect_timeout
    concurrency: int = 50
    transport: str | None = None  # force an SSH engine for every device


@dataclass
class RunReport:
    run_id: str
    command: str
    clearances: tuple[Clearance, ...]  # one per platform and command text; at most one with an intent
    results: list[DeviceResult] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def verdict(self) -> Verdict:
        return max(c.decision.verdict for c in self.clearances)

    @property
    def approved(self) -> Clearance | None:
        """The clearance that used an intent (a change or a dangerous command), if any."""
        return next((c for c in self.clearances if c.intent_id), None)

    def to_json(self) -> dict[str, Any]:
        approved = self.approved
        return {"run_id": self.run_id, "command": self.command, "ok": self.ok, "verdict": self.verdict.label,
                "intent": approved.intent_id if approved else None,
                "approvers": list(approved.approvers) if approved else [],
                "decisions": [c.decision.to_json() for c in self.clearances], "counts": tally(self.results),
                "elapsed": round(self.elapsed, 3), "results": [r.to_json() for r in self.results]}


def needing_approval(decisions: Sequence[Decision]) -> list[Decision]:
    """The decisions that need an approval; a run is cleared as one only when there is at most one."""
    return [d for d in decisions if d.verdict is not Verdict.READ_ONLY]


@dataclass(frozen=True)
class RunPreview:
    """What the guard says of a run before anything is sent: per platform and text, the decision and its need."""

    decisions: tuple[Decision, ...]
    needs: tuple[str, ...]  # what each decision requires, in words

    @property
    def verdict(self) -> Verdict:
        return max(d.verdict for d in self.decisions)

    @property
    def blocked(self) -> str | None:
        """Why this run cannot be cleared as one (an approval covers one platform and one text), or None."""
        parts = needing_approval(self.decisions)
        if len(parts) < 2:
            return None
        return (f"{len(parts)} parts of this run need approval; an approval covers one platform and one command "
                "text: run it for one platform at a time")

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict.label, "blocked": self.blocked,
                "decisions": [{**d.to_json(), "needs": n} for d, n in zip(self.decisions, self.needs, strict=True)]}


def _status_of(exc: OobError) -> Status:
    if isinstance(exc, RefusedError):
        return "hostkey"
    if isinstance(exc, AuthError):
        return "auth"
    if isinstance(exc, DeadlineError):
        return "timeout"
    if isinstance(exc, UnavailableError):
        return "dropped" if exc.details.get("dropped") else "unreachable"
    return "error"


def _outcomes(results: Sequence[DeviceResult]) -> list[dict[str, Any]]:
    """Per-device outcome for the audit log and the intent: no output (only its hash and size)."""
    return [{"device": r.device, "status": r.status, "exit_status": r.exit_status, "error": r.error,
             "output_sha256": hashlib.sha256(r.output.encode()).hexdigest(), "output_bytes": len(r.output.encode())}
            for r in results]


@dataclass
class RunService:
    access: DeviceAccess
    gate: GuardGate
    operator: Callable[[], Identity]  # who acts when the caller does not say (Services.identity)

    def targets(self, names: Sequence[str], *, site: str | None, role: str | None,
                everything: bool) -> tuple[Inventory, tuple[Device, ...]]:
        inv = self.access.inventory()
        if not (names or site or role or everything):
            raise UsageError("name the devices, or use --site, --role or --all",
                             hint="oob run r1 r2 -- 'show version'")
        sel = select_devices(inv, names, site=site, role=role, everything=everything)
        if sel.unknown:
            raise NotFoundError(f"not in the inventory: {', '.join(sel.unknown)}", where=self.access.store.location,
                                hint="see 'oob inventory list'")
        if not sel.devices:
            raise NotFoundError("no device matches", where=self.access.store.location,
                                hint="check --site/--role against 'oob inventory list'")
        return inv, sel.devices

    @staticmethod
    def _groups(command: str, devices: Sequence[Device],
                commands: dict[str, str] | None) -> dict[tuple[str, str], list[Device]]:
        """The devices per (command text, platform): the guard judges text for one platform at a time."""
        groups: dict[tuple[str, str], list[Device]] = {}
        for dev in devices:
            groups.setdefault(((commands or {}).get(dev.name, command), dev.platform), []).append(dev)
        return groups

    def preview(self, command: str, devices: Sequence[Device], inventory: Inventory, *,
                commands: dict[str, str] | None = None) -> RunPreview:
        """The guard's decisions for a run and what each needs, before anything is sent.

        Nothing is requested, audited or sent: :meth:`run` judges again and records that.
        """
        decisions = tuple(self.gate.guard.check(text, devices=[d.name for d in devs], inventory=inventory)
                          for (text, _), devs in self._groups(command, devices, commands).items())
        return RunPreview(decisions, tuple(self.gate.needs(d.verdict) for d in decisions))

    def _clear(self, by: Identity, command: str, devices: Sequence[Device], inventory: Inventory,
               commands: dict[str, str] | None, intent_id: str | None,
               touch: Prompt | None) -> tuple[Clearance, ...]:
        decisions = [self.gate.decide(by, text, devices=[d.name for d in devs], inventory=inventory)
                     for (text, _), devs in self._groups(command, devices, commands).items()]
        needs = needing_approval(decisions)
        if len(needs) > 1:
            parts = "; ".join(f"{d.verdict.label} on {d.platform} ({', '.join(d.devices[:3])}"
                              f"{' ...' if len(d.devices) > 3 else ''})" for d in needs)
            raise RefusedError(f"not sent: {len(needs)} parts of this run need approval ({parts}); an approval "
                               "covers one platform and one command text",
                               hint="run it for one platform at a time (name the devices, or use --site/--role)")
        cleared = [Clearance(d) for d in decisions if d.verdict is Verdict.READ_ONLY]
        if needs:
            cleared.append(self.gate.clearance(by, needs[0], intent_id=intent_id, touch=touch))
        return tuple(cleared)

    async def run(self, command: str, devices: Sequence[Device], inventory: Inventory, *,
                  options: RunOptions, progress: Progress | None = None,
                  commands: dict[str, str] | None = None, action: str = "run", by: Identity | None = None,
                  intent_id: str | None = None, touch: Prompt | None = None) -> RunReport:
        """Judge, clear, audit, fan out, audit the outcome. ``commands`` overrides the command per device (backups).

        ``by``: who runs it (default: the operator of these services). ``intent_id``: an approved intent for exactly
        this command on exactly these devices (ignored when the guard now judges every part read-only).
        ``touch``: for a change, ask the operator's key on this host; that blocks until the key answers
        (``[auth] touch_timeout``), before anything is sent, so front ends call this from a worker.

        Raises:
            RefusedError: the guard's verdict needs approvals that are missing (``details["intent"]`` names
                the intent to approve), or the intent does not cover this run (audited; nothing was sent).
            AuditWriteError: the audit log cannot be written (nothing was sent).
        """
        if not devices:
            raise UsageError("no devices to run on")
        by = by or self.operator()
        run_id = secrets.token_hex(6)
        per_device = commands or {}
        names = [d.name for d in devices]
        base: dict[str, Any] = {"run_id": run_id, "command": command, "devices": names}
        target = names[0] if len(names) == 1 else f"{counted(len(names), 'device')}"
        try:
            clearances = self._clear(by, command, devices, inventory, commands, intent_id, touch)
        except AuditWriteError:
            raise
        except OobError as exc:
            self.access.audit.record(f"{action}.refused", target=target, outcome="refused",
                                     details={**base, "reason": exc.message, "intent": exc.details.get("intent")},
                                     actor=by.actor)
            raise
        opts = options
        report = RunReport(run_id, command, clearances)
        approved = report.approved
        self.access.audit.record(
            f"{action}.start", target=target, outcome="started", actor=by.actor,
            details={**base, "verdict": report.verdict.label,
                     "decisions": [{"platform": c.decision.platform, "devices": list(c.decision.devices),
                                    "verdict": c.decision.verdict.label, "text_sha256": c.decision.text_sha256}
                                   for c in clearances],
                     "intent": approved.intent_id if approved else None,
                     "approvers": list(approved.approvers) if approved else [],
                     "concurrency": opts.concurrency, "timeout": opts.timeout, "transport": opts.transport})
        started = time.monotonic()
        sem = asyncio.Semaphore(max(1, opts.concurrency))
        done = 0

        async def one(dev: Device) -> DeviceResult:
            nonlocal done
            async with sem:
                result = await self._device(dev, per_device.get(dev.name, command), opts)
            done += 1
            if progress:
                progress(result, done, len(devices))
            return result

        try:
            report.results = list(await asyncio.gather(*(one(d) for d in devices)))
        except asyncio.CancelledError:  # Ctrl-C: the log must not show a run that never ended
            self.access.audit.record(f"{action}.finish", target=target, outcome="interrupted", actor=by.actor,
                                     details={"run_id": run_id, "finished_devices": done})
            if approved:
                self.gate.finish(by, approved, ok=False,
                                 result={"run_id": run_id, "interrupted": True, "finished_devices": done})
            raise
        report.elapsed = time.monotonic() - started
        counts = tally(report.results)
        outcome = "ok" if report.ok else ("failed" if counts["ok"] == 0 else "partial")
        outcomes = _outcomes(report.results)
        self.access.audit.record(
            f"{action}.finish", target=target, outcome=outcome, actor=by.actor,
            details={"run_id": run_id, "counts": counts, "elapsed": round(report.elapsed, 3), "results": outcomes},
        )
        if approved:
            self.gate.finish(by, approved, ok=report.ok, result={"run_id": run_id, "counts": counts,
                                                                 "results": outcomes})
        return report

    async def _device(self, dev: Device, command: str, opts: RunOptions) -> DeviceResult:
        started = time.monotonic()
        transport = opts.transport or dev.transport
        result = DeviceResult(dev.name, "error", transport=transport)
        budget = opts.timeout
        try:
            engine = self.access.engine(transport)
            target = self.access.ssh_target(dev, connect_timeout=opts.connect_timeout)
            budget = target.connect_timeout + opts.timeout + 5  # a last resort if an engine ignores its timeouts
            async with asyncio.timeout(budget):
                await self._talk(engine, target, dev, command, opts, result)
        except OobError as exc:  # first: DeadlineError is a TimeoutError too
            result.status, result.error = _status_of(exc), exc.one_line()
            partial = exc.details.get("partial_output")
            if isinstance(partial, str) and not result.output:
                result.output = partial
        except TimeoutError:
            result.status, result.error = "timeout", f"no result within {budget:g}s (login and command)"
        result.elapsed = time.monotonic() - started
        return result

    async def _talk(self, engine: SshEngine, target: SshTarget, dev: Device, command: str, opts: RunOptions,
                    result: DeviceResult) -> None:
        platform = spec(dev.platform)
        via = platform.run_via if dev.cli == "auto" else dev.cli
        if dev.cli == "auto" and dev.enable_secret is not None and platform.enable:
            via = "shell"  # `enable` is a dialogue: only an interactive shell can reach privileged mode
        session = await engine.connect(target)
        try:
            if via == "exec":
                done = await session.exec(command, timeout=opts.timeout)
                result.output = done.stdout + done.stderr
                result.exit_status = done.exit_status
                result.error = first_error(platform, result.output)
                if done.exit_status not in (0, None) and result.error is None:
                    result.error = f"exit status {done.exit_status}"
            else:
                channel = await session.shell(term="vt100", cols=511, rows=24)
                try:
                    driver = CliDriver(channel, platform, label=dev.name)
                    await driver.open(opts.timeout, enable_secret=target.enable_secret)
                    reply = await driver.send(command, opts.timeout)
                    result.output, result.error = reply.output, reply.error
                finally:
                    await channel.close()
            result.status = "ok" if result.error is None else "failed"
        finally:
            await session.close()
