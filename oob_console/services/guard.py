"""The command guard as a service: targets from the inventory, checkers under a deadline, drills.

The checkers are pure functions (``core.guard``); this layer runs each in its
own daemon thread and waits at most ``checker_timeout`` seconds from the
start. A checker still running then is reported as failed ("did not answer in
time"), which makes the verdict dangerous: a slow checker never lets a command
through by being slow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from oob_console.core.guard import (
    Checker,
    CheckerReport,
    Decision,
    GuardPolicy,
    GuardRequest,
    decide,
    default_checkers,
    failed_report,
    run_checker,
)
from oob_console.core.guard.corpus import DrillReport, run_drill
from oob_console.core.inventory import Device, Inventory
from oob_console.errors import NotFoundError, UsageError
from oob_console.services.guard_ports import CorpusReader, InventorySource


@dataclass
class GuardService:
    policy: GuardPolicy
    inventory: InventorySource
    corpus_reader: CorpusReader
    checker_timeout: float = 2.0
    default_corpus: str = ""
    checkers: tuple[Checker, ...] = field(default_factory=default_checkers)

    def request(self, text: str, *, platform: str | None = None, devices: Sequence[str] = (),
                inventory: Inventory | None = None) -> GuardRequest:
        """Resolve device names in the inventory and settle the platform.

        Raises:
            NotFoundError: a device is not in the inventory.
            UsageError: no platform given or implied, or it disagrees with a device's.
            ConfigError: the inventory cannot be read.
        """
        targets: tuple[Device, ...] = ()
        if devices:
            inventory = inventory or self.inventory.load()
            found = []
            for name in devices:
                device = inventory.get(name)
                if device is None:
                    raise NotFoundError(f"no device {name!r} in the inventory", where=name,
                                        hint="check the name against the inventory")
                found.append(device)
            targets = tuple(found)
        platforms = sorted({d.platform for d in targets})
        if platform is None:
            if len(platforms) != 1:
                raise UsageError("say which platform the command is for", where="--platform",
                                 hint="give --platform, or --device names of one platform")
            platform = platforms[0]
        elif platforms and platforms != [platform]:
            raise UsageError(f"--platform {platform} does not match the devices ({', '.join(platforms)})",
                             where="--platform", hint="drop --platform; the inventory knows it")
        return GuardRequest(platform, text, targets, inventory or Inventory())

    def judge(self, request: GuardRequest) -> Decision:
        """Every checker's report (fail-closed on errors and on the deadline), then the strictest verdict."""
        slots: dict[int, CheckerReport] = {}
        threads = []
        for index, checker in enumerate(self.checkers):
            thread = threading.Thread(target=self._run, args=(slots, index, checker, request), daemon=True,
                                      name=f"guard-{getattr(checker, 'name', index)}")
            thread.start()
            threads.append(thread)
        deadline = time.monotonic() + self.checker_timeout
        reports = []
        for index, (thread, checker) in enumerate(zip(threads, self.checkers, strict=True)):
            thread.join(max(0.0, deadline - time.monotonic()))
            report = slots.get(index)
            if report is None:
                name = str(getattr(checker, "name", type(checker).__name__))
                report = failed_report(name, f"it did not answer within {self.checker_timeout:g}s")
            reports.append(report)
        return decide(request, reports)

    def _run(self, slots: dict[int, CheckerReport], index: int, checker: Checker, request: GuardRequest) -> None:
        slots[index] = run_checker(checker, request, self.policy)

    def check(self, text: str, *, platform: str | None = None, devices: Sequence[str] = (),
              inventory: Inventory | None = None) -> Decision:
        """Judge ``text`` for ``platform`` on ``devices`` (names in ``inventory``, default the guard's own)."""
        return self.judge(self.request(text, platform=platform, devices=devices, inventory=inventory))

    def drill(self, path: str | None = None) -> DrillReport:
        """Run the labelled corpus at ``path`` (default: the configured one) through :meth:`judge`.

        Raises:
            NotFoundError: no corpus there.
            ConfigError: the corpus is invalid.
        """
        return run_drill(self.corpus_reader.read(path or self.default_corpus), self.judge)
