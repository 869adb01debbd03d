"""The operator's own terminal during an interactive session: raw mode, keystrokes, resizes.

Used by ``oob ssh`` / ``oob console`` and by the TUI after it suspends itself
(:func:`run_on_terminal`): the terminal passes straight through to the device.
Raw mode is always undone on the way out, also on errors. Resizes come from
SIGWINCH in the main thread, else from polling the size twice a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import shutil
import signal
import sys
import termios
import threading
import tty
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from oob_console.errors import UsageError

T = TypeVar("T")


class LocalTerminal:
    """Implements ``services.device_ports.Terminal`` over stdin/stdout."""

    def __init__(self, in_fd: int | None = None, out_fd: int | None = None) -> None:
        self.in_fd = sys.stdin.fileno() if in_fd is None else in_fd
        self.out_fd = sys.stdout.fileno() if out_fd is None else out_fd
        self._readable = asyncio.Event()
        self._eof = False
        self._poller: asyncio.Task[None] | None = None

    def size(self) -> tuple[int, int]:
        try:
            size = os.get_terminal_size(self.out_fd)
        except OSError:  # not a terminal: $COLUMNS/$LINES or 80x24
            size = shutil.get_terminal_size((80, 24))
        return size.columns, size.lines

    def term(self) -> str:
        return os.environ.get("TERM") or "vt100"

    @contextlib.contextmanager
    def raw(self) -> Iterator[None]:
        """Raw mode on a tty (no-op otherwise); restored however the block ends."""
        saved = termios.tcgetattr(self.in_fd) if os.isatty(self.in_fd) else None
        loop = asyncio.get_running_loop()
        try:
            loop.add_reader(self.in_fd, self._readable.set)
        except (OSError, ValueError):  # a regular file or /dev/null cannot be waited on
            raise UsageError("an interactive session needs a terminal (or a pipe) on stdin",
                             hint="for one command on many devices use 'oob run'") from None
        os.set_blocking(self.in_fd, False)
        try:
            if saved is not None:
                tty.setraw(self.in_fd)
            yield
        finally:
            loop.remove_reader(self.in_fd)
            os.set_blocking(self.in_fd, True)
            if saved is not None:
                termios.tcsetattr(self.in_fd, termios.TCSADRAIN, saved)
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signal.SIGWINCH)
            if self._poller is not None:
                self._poller.cancel()

    async def read(self) -> bytes:
        while not self._eof:
            try:
                data = os.read(self.in_fd, 4096)
            except BlockingIOError:
                self._readable.clear()
                await self._readable.wait()
                continue
            except OSError:  # the terminal went away (EIO on a hung-up tty)
                data = b""
            if not data:
                self._eof = True
            return data
        return b""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.out_fd, view)
            except BlockingIOError:  # stdin and stdout share one non-blocking tty description
                select.select([], [self.out_fd], [], 1.0)
                continue
            view = view[n:]

    def on_resize(self, callback: Callable[[int, int], None]) -> None:
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGWINCH, lambda: callback(*self.size()))
        except (ValueError, RuntimeError):  # not the main thread (the TUI's session thread): poll
            self._poller = loop.create_task(self._poll_size(callback))

    async def _poll_size(self, callback: Callable[[int, int], None]) -> None:
        last = self.size()
        while True:
            await asyncio.sleep(0.5)
            now = self.size()
            if now != last:
                last = now
                callback(*now)


def run_on_terminal(start: Callable[[LocalTerminal], Awaitable[T]], terminal: LocalTerminal | None = None) -> T:
    """Run an interactive session on this process's terminal in raw mode, on an event loop of its own.

    From a thread that already runs a loop (the TUI, suspended meanwhile) the
    session runs in a thread of its own and this call waits for it.
    """

    def go() -> T:
        term = terminal or LocalTerminal()

        async def main() -> T:
            with term.raw():
                return await start(term)

        return asyncio.run(main())

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return go()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def body() -> None:
        try:
            outcome.append(go())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread as it is
            failure.append(exc)

    thread = threading.Thread(target=body, name="oob-session", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
