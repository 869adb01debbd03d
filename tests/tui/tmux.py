"""A real terminal for end-to-end tests: a private tmux server running one command at 80x24."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest


class Tmux:
    """One tmux server of its own (``-L``), so parallel runs never touch each other's sessions."""

    def __init__(self, command: list[str], *, width: int = 80, height: int = 24) -> None:
        if shutil.which("tmux") is None:
            pytest.skip("LOUD SKIP: tmux is not installed; `deploy/dev test` installs it as root")
        self.socket = f"oob-test-{uuid.uuid4().hex[:12]}"
        # The shell writes the program's exit status to a file: tmux marks a pane dead when its terminal
        # closes, which can come before the program is reaped (its pane_dead_status is empty then).
        self._status = Path(tempfile.gettempdir()) / f"{self.socket}.status"
        self._tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), "-E",
                   " ".join(_quote(c) for c in command) + f"; echo $? > {_quote(str(self._status))}")
        self._tmux("set-option", "-t", "t", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=20, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {proc.stderr.strip()}")
        return proc.stdout

    def send(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "t", key)
            # A key right after Escape would be read as Alt+key.
            time.sleep(0.5 if key == "Escape" else 0.15)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "t", "-l", text)

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def screen(self, *, escapes: bool = False) -> str:
        return self._tmux("capture-pane", "-p", "-N", "-t", "t", *(["-e"] if escapes else []))

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        end = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > end:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{screen}")
            time.sleep(0.1)

    def exit_status(self, timeout: float = 10.0) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with contextlib.suppress(OSError, ValueError):
                return int(self._status.read_text().strip())
            time.sleep(0.1)
        raise AssertionError(f"the program did not exit; the screen:\n{self.screen()}")

    def pid(self) -> int:
        """The program's process: the pane's shell runs it as its child (``env`` execs the program)."""
        shell = int(self._tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
            if children:
                return int(children[0])
        return shell

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20, check=False)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
