"""The operator's own terminal during an interactive session: raw mode, keystrokes, resizes.

Used by ``oob ssh`` / ``oob console`` and by the TUI after it suspends itself:
the terminal passes straight through to the device. Raw mode is always undone
on the way out, also on errors.
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
import tty
from collections.abc import Callable, Iterator

from oob_console.errors import UsageError


class LocalTerminal:
    """Implements ``services.device_ports.Terminal`` over stdin/stdout."""

    def __init__(self, in_fd: int | None = None, out_fd: int | None = None) -> None:
        self.in_fd = sys.stdin.fileno() if in_fd is None else in_fd
        self.out_fd = sys.stdout.fileno() if out_fd is None else out_fd
        self._readable = asyncio.Event()
        self._eof = False

    def size(self) -> tuple[int, int]:
        cols, rows = shutil.get_terminal_size((80, 24))
        return cols, rows

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
        with contextlib.suppress(ValueError, RuntimeError):  # not the main thread: no resizes
            loop.add_signal_handler(signal.SIGWINCH, lambda: callback(*self.size()))
