"""Actions under way in worker threads, so that quitting, logging out or a lost terminal can end them.

A screen runs an async service call with :meth:`Actions.run` (in its worker
thread) instead of ``asyncio.run``. :meth:`Actions.interrupt` cancels every one
of them the way Ctrl-C does in the CLI: the service sees ``CancelledError`` and
writes its ``.finish`` entry with outcome ``interrupted`` before anything else
happens; then the caller quits (exit 130) or locks the console.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from oob_console.errors import OobError

T = TypeVar("T")

INTERRUPT_WITHIN = 10.0  # seconds an interrupted action may take to write its finish entry


class Interrupted(OobError):
    """The console ended an action (quit, logout, lost terminal, Ctrl-C); its finish entry says so."""

    exit_code = 130


@dataclass
class _Running:
    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[object]
    done: threading.Event = field(default_factory=threading.Event)


class Actions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: list[_Running] = []
        self.interrupted = False  # set once: nothing new starts while the console quits

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._running)

    def run(self, start: Callable[[], Awaitable[T]]) -> T:
        """Run ``start()`` on an event loop of this (worker) thread; interruptible by :meth:`interrupt`."""

        async def main() -> T:
            task: asyncio.Task[T] = asyncio.ensure_future(start())
            entry = _Running(asyncio.get_running_loop(), task)
            with self._lock:
                if self.interrupted:
                    task.cancel()
                self._running.append(entry)
            try:
                return await task
            except asyncio.CancelledError:
                raise Interrupted("interrupted: the console quit, logged out or lost its terminal") from None
            finally:
                with self._lock:
                    self._running.remove(entry)
                entry.done.set()

        return asyncio.run(main())

    def interrupt(self, *, within: float = INTERRUPT_WITHIN, final: bool = False) -> int:
        """Cancel every running action and wait (bounded) until each has recorded how it ended.

        ``final``: the console is quitting; actions started from now on are cancelled at once.
        Returns how many were running.
        """
        with self._lock:
            running = list(self._running)
            if final:
                self.interrupted = True
        for entry in running:
            entry.loop.call_soon_threadsafe(entry.task.cancel)
        for entry in running:
            entry.done.wait(within)
        return len(running)
