"""`oob run`: one command on many devices, with bounded concurrency, per-device results, audited.

Before anything is sent, the gate (the command guard's hook; by default
"read-only commands only") decides for the whole run, and the decision is
audited. A refused run sends nothing. Each device then gets its own timeouts
and its own result; a device that fails never hides behind the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from oob_console.core.inventory import Device, Inventory
from oob_console.core.platforms import first_error, spec
from oob_console.core.runs import (
    CommandGate,
    DeviceResult,
    GateVerdict,
    Status,
    gate_or_refusal,
    read_only_gate,
    select_devices,
    tally,
)
from oob_console.errors import (
    AuthError,
    DeadlineError,
    NotFoundError,
    OobError,
    RefusedError,
    UnavailableError,
    UsageError,
)
from oob_console.services.cli_driver import CliDriver
from oob_console.services.device_ports import SshEngine, SshTarget
from oob_console.services.devices import DeviceAccess

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
    verdict: GateVerdict
    results: list[DeviceResult] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "command": self.command, "ok": self.ok,
                "checked_by": self.verdict.checker, "counts": tally(self.results),
                "elapsed": round(self.elapsed, 3), "results": [r.to_json() for r in self.results]}


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


@dataclass
class RunService:
    access: DeviceAccess
    gate: CommandGate = read_only_gate

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

    def check(self, command: str, devices: Sequence[Device], inventory: Inventory) -> GateVerdict:
        return gate_or_refusal(self.gate, command, devices, inventory)

    async def run(self, command: str, devices: Sequence[Device], inventory: Inventory, *,
                  options: RunOptions, progress: Progress | None = None,
                  commands: dict[str, str] | None = None, action: str = "run") -> RunReport:
        """Gate, audit, fan out, audit the outcome. ``commands`` overrides the command per device (backups).

        Raises:
            RefusedError: the gate said no (audited; nothing was sent).
            AuditWriteError: the audit log cannot be written (nothing was sent).
        """
        if not devices:
            raise UsageError("no devices to run on")
        run_id = secrets.token_hex(6)
        per_device = commands or {}
        names = [d.name for d in devices]
        groups: dict[str, list[Device]] = {}
        for dev in devices:
            groups.setdefault(per_device.get(dev.name, command), []).append(dev)
        verdicts = [self.check(cmd, devs, inventory) for cmd, devs in groups.items()]
        refused = [v for v in verdicts if not v.allowed]
        verdict = refused[0] if refused else verdicts[0]
        base = {"run_id": run_id, "command": command, "devices": names, "checked_by": verdict.checker,
                "reasons": list(verdict.reasons)}
        target = names[0] if len(names) == 1 else f"{len(names)} devices"
        if refused:
            self.access.audit.record(f"{action}.refused", target=target, outcome="refused", details=base)
            raise RefusedError(
                f"refused by the {verdict.checker} check: {verdict.reasons[0]}",
                hint="nothing was sent; until the command guard is installed only read-only commands may run"
                if verdict.checker == "read-only" else "nothing was sent",
                details={"run_id": run_id, "reasons": list(verdict.reasons)},
            )
        opts = options
        self.access.audit.record(f"{action}.start", target=target, outcome="started",
                                 details={**base, "concurrency": opts.concurrency, "timeout": opts.timeout,
                                          "transport": opts.transport})
        started = time.monotonic()
        report = RunReport(run_id, command, verdict)
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
            self.access.audit.record(f"{action}.finish", target=target, outcome="interrupted",
                                     details={"run_id": run_id, "finished_devices": done})
            raise
        report.elapsed = time.monotonic() - started
        counts = tally(report.results)
        outcome = "ok" if report.ok else ("failed" if counts["ok"] == 0 else "partial")
        self.access.audit.record(
            f"{action}.finish", target=target, outcome=outcome,
            details={"run_id": run_id, "counts": counts, "elapsed": round(report.elapsed, 3),
                     "results": [{"device": r.device, "status": r.status, "exit_status": r.exit_status,
                                  "error": r.error, "output_sha256": hashlib.sha256(r.output.encode()).hexdigest(),
                                  "output_bytes": len(r.output.encode())} for r in report.results]},
        )
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
                    await driver.open(opts.timeout)
                    reply = await driver.send(command, opts.timeout)
                    result.output, result.error = reply.output, reply.error
                finally:
                    await channel.close()
            result.status = "ok" if result.error is None else "failed"
        finally:
            await session.close()
