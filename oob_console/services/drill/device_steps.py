"""The drill's device steps: each console port wakes and shows a prompt; each device answers over SSH.

``console-ports`` opens every console in the inventory (console server over
SSH, telnet/raw TCP, or a local serial line), sends one Enter and waits for a
login or CLI prompt. ``ssh-devices`` logs in to every device with its pinned
host key (an unknown or changed key is refused, as always) and runs one
read-only command through ``oob run``'s path, gate and audit included.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from oob_console.core.drill import PlanStep, Step
from oob_console.services.devices.runs import RunOptions, RunService
from oob_console.services.devices.sessions import SessionService
from oob_console.services.drill.ports import Operator, Outcome
from oob_console.services.drill.steps import narrow

PROBE_COMMAND = "show version"  # read-only on every platform the inventory knows


@dataclass
class ConsolePortsStep:
    sessions: SessionService
    kind: str = "console-ports"

    def targets(self, spec: PlanStep) -> list[str]:
        inv = self.sessions.access.inventory()
        return narrow([d.name for d in inv.devices if d.console is not None], spec)

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        wake = asyncio.run(self.sessions.wake_console(step.target, timeout=step.timeout))
        return Outcome("pass", f"prompt {wake.prompt!r} after {wake.seconds * 1000:.1f} ms via {wake.via}",
                       {"via": wake.via, "prompt": wake.prompt, "seconds": wake.seconds})


@dataclass
class SshDevicesStep:
    runs: RunService
    command: str = PROBE_COMMAND
    kind: str = "ssh-devices"

    def targets(self, spec: PlanStep) -> list[str]:
        return narrow([d.name for d in self.runs.access.inventory().devices], spec)

    def run(self, step: Step, operator: Operator | None = None) -> Outcome:
        inv = self.runs.access.inventory()
        dev = self.runs.access.device(step.target, inv)
        timeout = max(1.0, step.timeout / 2)
        options = RunOptions(timeout=timeout, connect_timeout=timeout, concurrency=1)
        report = asyncio.run(self.runs.run(self.command, [dev], inv, options=options, action="drill.ssh"))
        result = report.results[0]
        data = {"status": result.status, "transport": result.transport, "run_id": report.run_id}
        if result.status != "ok":
            return Outcome("fail", f"{result.status}: {result.error}", data)
        first = result.output.strip().splitlines()[0][:60] if result.output.strip() else ""
        return Outcome("pass", f"logged in over {result.transport} with the pinned host key; "
                               f"'{self.command}' answered in {result.elapsed:.2f} s: {first}", data)
