"""Run a terminal client (the real ``ssh -tt``) on a real PTY, as a person at a terminal would."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass


@dataclass
class PtyRun:
    output: bytes  # everything the terminal received
    first_paint: float  # seconds from start until ``marker`` was on the terminal (nan: never)
    exit_status: int | None  # None: still running at the deadline (then killed)


def run_on_pty(cmd: list[str], env: dict[str, str], *, marker: bytes, keys: bytes = b"",
               size: tuple[int, int] = (80, 24), settle: float = 0.3, timeout: float = 60) -> PtyRun:
    """Start ``cmd`` on a fresh PTY of ``size``; when ``marker`` shows, wait ``settle`` s, type ``keys``."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    first_paint = float("nan")
    deadline = start + timeout

    def pump(wait: float) -> bool:
        nonlocal seen
        ready, _, _ = select.select([master], [], [], wait)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:  # EIO: the client exited and closed its end
                return False
        return True

    try:
        while time.perf_counter() < deadline and marker not in seen and pump(0.05):
            pass
        if marker in seen:
            first_paint = time.perf_counter() - start
            settle_until = time.perf_counter() + settle
            while time.perf_counter() < settle_until and pump(0.05):
                pass
            if keys:
                os.write(master, keys)
        while proc.poll() is None and time.perf_counter() < deadline and pump(0.05):
            pass
        while pump(0.05) and proc.poll() is None:
            pass
        proc.wait(timeout=max(0.1, deadline - time.perf_counter()))
    except subprocess.TimeoutExpired:
        pass
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
        os.close(master)
    return PtyRun(seen, first_paint, proc.returncode)
