"""Benchmark: what the console costs on the wire, through a real pty at 80x24.

For the default Textual profile, the low-bandwidth profile and the line-mode
shell: bytes to the first full paint of the dashboard, bytes per arrow key in
a list (for the shell: per "next entry" command), bytes per second while idle,
cold start to first paint, and peak RSS. Run it (not collected by pytest):

    .venv/bin/python tests/bench/bench_console.py [--rounds N] [--json]

Each profile runs ``--rounds`` times (default 3) and the median of each
number is reported: how many frames Textual draws before the dashboard's data
arrives depends on timing, so even byte counts vary a little between runs.
Numbers from a shared machine are noisy; times more than bytes.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OOB = [sys.executable, "-m", "oob_console"]
GOALS = {
    "low-bandwidth TUI": {"first_paint": 4000, "per_key": 150, "idle": 0, "cold_start": 1.0, "rss_mb": 80},
    "line-mode shell": {"first_paint": 1000, "per_key": 40, "idle": 0, "cold_start": 1.0, "rss_mb": 80},
}


RUNBOOK_TITLES = (
    "Withdraw an emergency prefix", "Announce an emergency prefix", "Reach a router console",
    "Backbone down: first hour", "Roll back a bad config push", "Rotate a lost security key",
    "DNS withdrawn its anycast", "Cellular uplink failover", "Console server unreachable",
    "Quarterly break-glass drill", "Tell the world: status page", "Power cycle a remote PDU",
)


@dataclass
class Result:
    profile: str
    first_paint: int
    per_key: float
    idle: float
    cold_start: float
    rss_mb: float


class Pty:
    """A child process on a pty of a given size; every byte it writes is counted."""

    def __init__(self, argv: list[str], env: dict[str, str], cols: int = 80, rows: int = 24) -> None:
        self.start = time.monotonic()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: become the program, on a terminal of the right size
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, env)  # noqa: S606 - the benchmark runs our own CLI
        self.out = bytearray()
        self.last_byte = self.start

    def read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.out += chunk
            self.last_byte = time.monotonic()

    def settle(self, quiet: float = 0.6, limit: float = 20.0) -> None:
        """Read until nothing has arrived for ``quiet`` seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            before = len(self.out)
            self.read(quiet)
            if len(self.out) == before:
                return

    def wait_for(self, marker: bytes, limit: float = 20.0) -> None:
        end = time.monotonic() + limit
        while marker not in self.out:
            if time.monotonic() > end:
                raise SystemExit(f"never saw {marker!r}; got {bytes(self.out[-400:])!r}")
            self.read(0.05)

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def make_site(root: Path) -> Path:
    """A site with 12 runbooks and 40 audit entries, made through the real services."""
    sys.path.insert(0, str(REPO))
    from oob_console.wiring import Services, init_site

    home = root / "site"
    init_site(home, name="bench")
    for i, title in enumerate(RUNBOOK_TITLES):
        (home / "runbooks" / f"rb-{i:02}.md").write_text(f"# {title}\n\nStep one.\n", encoding="utf-8")
    app = Services.from_config(str(home / "config.toml"), actor="bench:alice")
    for i in range(39):
        app.audit.note(f"15:{i:02} incident timeline entry {i}")
    return home


def env_for(home: Path, term: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "OOB_", "NO_COLOR"))}
    env.update({"OOB_HOME": str(home), "TERM": term, "LANG": "C.UTF-8", "COLUMNS": "80", "LINES": "24"})
    return env


def measure(name: str, argv: list[str], env: dict[str, str], *, ready: bytes, open_list: bytes,
            listed: bytes, next_key: bytes, quit_key: bytes, keys: int = 20) -> Result:
    """Start, paint, idle 5 s, open a list, move down ``keys`` times, quit."""
    p = Pty(argv, env)
    try:
        p.wait_for(ready)
        p.settle()
        first, cold = len(p.out), p.last_byte - p.start
        mark = len(p.out)
        p.read(5.0)
        idle = (len(p.out) - mark) / 5.0
        p.send(open_list)
        p.wait_for(listed)
        p.settle()
        mark = len(p.out)
        for _ in range(keys):
            p.send(next_key)
            p.settle(quiet=0.3)
        per_key = (len(p.out) - mark) / keys
        rss = p.peak_rss_mb()
        p.send(quit_key)
        p.read(1.0)
    finally:
        p.close()
    return Result(name, first, per_key, idle, cold, rss)


def measure_tui(name: str, home: Path, term: str, extra: list[str]) -> Result:
    # The dashboard is painted when the audit line is in; the list is the runbooks (12).
    return measure(name, [*OOB, "tui", *extra], env_for(home, term), ready=b"chain intact", open_list=b"r",
                   listed=b"Enter opens", next_key=b"\x1b[B", quit_key=b"q")


def measure_shell(home: Path) -> Result:
    # Line mode's arrow key: "n" + Enter (next entry) in the runbooks list.
    return measure("line-mode shell", [*OOB, "shell"], env_for(home, "dumb"), ready=b"> ", open_list=b"rb\r",
                   listed=b"> ", next_key=b"n\r", quit_key=b"q\r")


def median_of(results: list[Result]) -> Result:
    def mid(values: list[float]) -> float:
        return statistics.median(values)

    return Result(results[0].profile, int(mid([r.first_paint for r in results])), mid([r.per_key for r in results]),
                  mid([r.idle for r in results]), mid([r.cold_start for r in results]),
                  mid([r.rss_mb for r in results]))


def table(results: list[Result]) -> str:
    lines = [
        "| profile | first paint (B) | per arrow key (B) | idle (B/s) | cold start (s) | peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        goal = GOALS.get(r.profile, {})

        def cell(value: float, key: str, fmt: str, goal: dict[str, float] = goal) -> str:
            text = format(value, fmt)
            return f"{text} (goal {goal[key]})" if key in goal else text

        lines.append(f"| {r.profile} | {cell(r.first_paint, 'first_paint', ',')} | {cell(r.per_key, 'per_key', '.0f')}"
                     f" | {cell(r.idle, 'idle', '.1f')} | {cell(r.cold_start, 'cold_start', '.2f')}"
                     f" | {cell(r.rss_mb, 'rss_mb', '.0f')} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oob-bench-") as tmp:
        home = make_site(Path(tmp))
        runs: list[Callable[[], Result]] = [
            lambda: measure_tui("default TUI (xterm-256color)", home, "xterm-256color", ["--full"]),
            lambda: measure_tui("low-bandwidth TUI", home, "vt100", []),
            lambda: measure_shell(home),
        ]
        results = [median_of([run() for _ in range(max(1, args.rounds))]) for run in runs]
    print(json.dumps([asdict(r) for r in results], indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
