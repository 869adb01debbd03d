"""The local terminal of interactive sessions: raw mode, keystrokes, resizes, and running from a thread."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import struct
import termios
import threading

import pytest

from oob_console.adapters.terminal_tty import LocalTerminal, run_on_terminal
from oob_console.errors import UsageError


def _winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def test_session_from_inside_a_running_loop_gets_raw_mode_input_and_polled_resizes() -> None:
    master, slave = pty.openpty()
    _winsize(slave, 100, 30)
    terminal = LocalTerminal(in_fd=slave, out_fd=slave)
    seen: dict[str, object] = {}

    async def session(term: LocalTerminal) -> str:
        seen["raw"] = not termios.tcgetattr(slave)[3] & termios.ICANON
        seen["size"] = term.size()
        resized = asyncio.Event()
        term.on_resize(lambda c, r: (seen.__setitem__("resized", (c, r)), resized.set()))
        term.write(b"ready\r\n")
        data = await term.read()
        _winsize(slave, 120, 40)
        await asyncio.wait_for(resized.wait(), 3)
        return data.decode()

    async def ui() -> str:  # like the TUI: a loop already runs in this thread, and waits
        threading.Timer(0.3, os.write, (master, b"x")).start()
        return run_on_terminal(session, terminal)

    try:
        assert asyncio.run(ui()) == "x"
        assert seen == {"raw": True, "size": (100, 30), "resized": (120, 40)}
        assert termios.tcgetattr(slave)[3] & termios.ICANON  # cooked again afterwards
        assert os.read(master, 100).startswith(b"ready")
    finally:
        os.close(master)
        os.close(slave)


def test_unpollable_stdin_is_a_usage_error(tmp_path: object) -> None:
    fd = os.open(os.devnull, os.O_RDONLY)
    try:
        with pytest.raises(UsageError, match="needs a terminal"):
            run_on_terminal(lambda term: asyncio.sleep(0), LocalTerminal(in_fd=fd, out_fd=fd))
    finally:
        os.close(fd)
