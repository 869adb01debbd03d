"""Serial consoles for lab tests: socat pty pairs with a login and FRR's vtysh behind them, ser2net,
and a pty driver for interactive `oob` commands.

- :class:`SerialLine`: ``socat PTY,link=<dir>/ttyX EXEC:<getty>,pty,setsid,ctty``. The getty
  prints ``NAME login:``, asks ``Password:`` with echo off, and on the right
  password runs the router's interactive vtysh (prompt ``NAME# ``); after
  ``exit`` it asks for a login again, like a console port. The far end
  (``path``) is what a console server or ``/dev/ttyUSB0`` would be.
- :class:`Ser2net`: ser2net 4 exposing serial lines as telnet (RFC 2217) or raw TCP ports.
- :class:`PtyProcess`: runs a command on a new pseudo-terminal (as an operator's
  terminal) with ``expect``/``send``.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.lab.routers import Router, free_port, listening, wait_for

CONSOLE_PASSWORD = "s3cret-console-pw"


def consoles_unavailable() -> str | None:
    for tool in ("socat", "ser2net"):
        if not shutil.which(tool) and not os.access(f"/usr/sbin/{tool}", os.X_OK):
            return f"serial console tests need {tool} (apt-get install {tool}; deploy/dev does it)"
    return None


class SerialLine:
    """A router's serial console: one end of a socat pty pair, a login prompt and vtysh behind it."""

    def __init__(self, router: Router, name: str = "ttyS0") -> None:
        self.router = router
        self.path = router.dir / name
        getty = router.dir / f"getty-{name}"
        vtysh = (f"/usr/bin/vtysh --vty_socket {router.vty_dir} --config_dir {router.config_dir} "
                 f"-H {router.dir / 'history'}")
        getty.write_text(
            "#!/bin/sh\n"
            "while :; do\n"
            f"  printf '\\r\\n{router.name} login: '; read user || exit 0\n"
            '  [ -z "$user" ] && continue\n'  # Enter alone shows the login prompt again, as getty does
            "  stty -echo; printf 'Password: '; read pw; stty echo; printf '\\r\\n'\n"
            f'  if [ "$pw" = "{CONSOLE_PASSWORD}" ]; then {vtysh}; else printf \'Login incorrect\\r\\n\'; fi\n'
            "done\n"
        )
        getty.chmod(0o755)
        self._proc = subprocess.Popen(
            ["socat", f"PTY,link={self.path},raw,echo=0", f"EXEC:{getty},pty,setsid,ctty,stderr"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self.path.exists, 5, f"socat to create {self.path}")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


class Ser2net:
    """ser2net 4 serving serial lines on loopback TCP ports (telnet with RFC 2217, or raw)."""

    def __init__(self, root: Path, lines: dict[str, tuple[Path, str]], *, kick: bool = True) -> None:
        """``lines``: name -> (serial device, "telnet" | "raw"); ``kick``: a new client takes the
        port from the old one (else ser2net refuses it: "Port already in use")."""
        self.ports: dict[str, int] = {}
        blocks = ["%YAML 1.1", "---"]
        for name, (device, mode) in lines.items():
            port = free_port()
            self.ports[name] = port
            accepter = f"telnet(rfc2217),tcp,127.0.0.1,{port}" if mode == "telnet" else f"tcp,127.0.0.1,{port}"
            blocks += [f"connection: &{name}", f"  accepter: {accepter}",
                       f"  connector: serialdev,{device},9600n81,local", "  options:",
                       f"    kickolduser: {'true' if kick else 'false'}", ""]
        conf = root / "ser2net.yaml"
        conf.write_text("\n".join(blocks))
        binary = shutil.which("ser2net") or "/usr/sbin/ser2net"
        self._proc = subprocess.Popen([binary, "-n", "-u", "-c", str(conf), "-P", str(root / "ser2net.pid")],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in self.ports.values():
            wait_for(lambda p=port: listening(p), 5, f"ser2net to listen on {port}")  # type: ignore[misc]

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(5)


class PtyProcess:
    """A command on its own pseudo-terminal: what an operator's terminal sees and types."""

    def __init__(self, args: list[str], env: dict[str, str], cols: int = 100, rows: int = 30) -> None:
        import fcntl
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.master = master
        self.seen = b""

    @classmethod
    def oob(cls, *args: str, home: Path) -> PtyProcess:
        env = dict(os.environ, OOB_HOME=str(home), TERM="vt100", COLUMNS="100", LINES="30")
        return cls([sys.executable, "-m", "oob_console", *args], env)

    def expect(self, pattern: str, timeout: float = 10) -> str:
        """Read until ``pattern`` (a regex) appears in what was printed since the last expect."""
        rx = re.compile(pattern.encode())
        deadline = time.monotonic() + timeout
        while True:
            match = rx.search(self.seen)
            if match:
                text = self.seen[: match.end()].decode(errors="replace")
                self.seen = self.seen[match.end() :]
                return text
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"did not see {pattern!r} within {timeout}s; got {self.seen[-800:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the process exited and closed the terminal
                    if self.proc.poll() is not None and not rx.search(self.seen):
                        raise AssertionError(f"exited ({self.proc.returncode}) without {pattern!r}; "
                                             f"got {self.seen[-800:]!r}") from None

    def send(self, data: str | bytes) -> None:
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def wait(self, timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    break
        code = self.proc.wait(max(0.1, deadline - time.monotonic()))
        os.close(self.master)
        return code
