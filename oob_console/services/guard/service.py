"""The command guard as a service: targets from the inventory, checkers under a deadline, drills.

The checkers are pure functions (``core.guard``); this layer runs each on its
own lane (a daemon thread kept for the next decision, so a decision does not
pay for starting threads) and waits at most ``checker_timeout`` seconds from
the start. A checker still running then is reported as failed ("did not
answer in time"), which makes the verdict dangerous: a slow checker never lets
a command through by being slow. Its lane is abandoned (it ends when the
checker returns) and the next decision gets a fresh one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from oob_console.core.devices.inventory import Device, Inventory
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
from oob_console.errors import NotFoundError, StorageError, UsageError
from oob_console.services.guard.ports import BackupSource, CorpusReader, InventorySource


class _Lane:
    """A daemon thread that runs one checker job at a time, each answering into its own box."""

    def __init__(self, name: str) -> None:
        self.jobs: queue.SimpleQueue[tuple[Callable[[], CheckerReport], queue.SimpleQueue[CheckerReport]]] = (
            queue.SimpleQueue())
        self.abandoned = False
        threading.Thread(target=self._serve, daemon=True, name=name).start()

    def _serve(self) -> None:
        while not self.abandoned:
            job, box = self.jobs.get()
            box.put(job())

    def submit(self, job: Callable[[], CheckerReport]) -> queue.SimpleQueue[CheckerReport]:
        box: queue.SimpleQueue[CheckerReport] = queue.SimpleQueue()
        self.jobs.put((job, box))
        return box


@dataclass
class GuardService:
    policy: GuardPolicy
    inventory: InventorySource
    corpus_reader: CorpusReader
    checker_timeout: float = 2.0
    default_corpus: str = ""
    checkers: tuple[Checker, ...] = field(default_factory=default_checkers)
    backups: BackupSource | None = None  # each device's latest backup, for the configuration model
    _lanes: list[_Lane] = field(default_factory=list, init=False, repr=False)
    _lanes_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

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
        return GuardRequest(platform, text, targets, inventory or Inventory(), self._configs(targets))

    def _configs(self, targets: Sequence[Device]) -> dict[str, str]:
        """The latest backup of each target that has one. A backup that cannot be read is left out: the
        model then judges that device as one without a backup (stricter), and the reason says so."""
        if self.backups is None:
            return {}
        found = {}
        for device in targets:
            try:
                text = self.backups.latest_text(device.name)
            except StorageError:
                text = None
            if text:
                found[device.name] = text
        return found

    def judge(self, request: GuardRequest) -> Decision:
        """Every checker's report (fail-closed on errors and on the deadline), then the strictest verdict."""
        policy = self.policy
        lanes = self._lanes_for(len(self.checkers))
        boxes = [lane.submit(partial(run_checker, checker, request, policy))
                 for lane, checker in zip(lanes, self.checkers, strict=True)]
        deadline = time.monotonic() + self.checker_timeout
        reports = []
        for index, (box, checker) in enumerate(zip(boxes, self.checkers, strict=True)):
            try:
                report = box.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._abandon(index, lanes[index])
                name = str(getattr(checker, "name", type(checker).__name__))
                report = failed_report(name, f"it did not answer within {self.checker_timeout:g}s")
            reports.append(report)
        return decide(request, reports)

    def _lanes_for(self, count: int) -> list[_Lane]:
        with self._lanes_lock:
            while len(self._lanes) < count:
                self._lanes.append(_Lane(f"guard-checker-{len(self._lanes)}"))
            return self._lanes[:count]

    def _abandon(self, index: int, lane: _Lane) -> None:
        """A lane whose checker missed its deadline is left to finish alone; the slot gets a fresh lane."""
        with self._lanes_lock:
            lane.abandoned = True
            if index < len(self._lanes) and self._lanes[index] is lane:
                self._lanes[index] = _Lane(f"guard-checker-{index}")

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
