"""Install benchmark: the runtime venv's size on disk, and `oob --help` cold start with and without
byte-compiled files.

Run: .venv/bin/python tests/bench/bench_install.py [--runs 7] [--bgp]
Builds the wheel from this tree (pip wheel --no-deps), installs it twice into fresh venvs with the
pinned runtime dependencies (deploy/constraints.txt): once as pip does by default (every module
byte-compiled at install) and once with --no-compile, where each run compiles in memory and
writes nothing (PYTHONDONTWRITEBYTECODE=1, as on a read-only /opt under ProtectSystem=strict).
The peer in the same run is the developer venv (.venv, editable, test tools) for size, and the
byte-compiled install for start time. Goal: <= 100 MB and <= 0.3 s. Medians over --runs; the
page cache is warm after the first run (a truly cold disk is slower); the machine is shared, so
the numbers are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "deploy" / "constraints.txt"


def du(path: Path) -> int:
    """Bytes on disk (allocated blocks), as du counts them."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            st = os.lstat(os.path.join(folder, name))
            total += st.st_blocks * 512
    return total


def run(argv: list[str], **kw: object) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=900, **kw)  # type: ignore[call-overload]


def install(tmp: Path, wheel: Path, name: str, *, compile_: bool, extra: str) -> Path:
    venv = tmp / name
    run([sys.executable, "-m", "venv", str(venv)])  # with its own pip, as on the host
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    run([*pip, "install", "-q", "-c", str(CONSTRAINTS), *([] if compile_ else ["--no-compile"]), f"{wheel}{extra}"])
    return venv


def help_times(venv: Path, runs: int, *, bytecode: bool) -> list[float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0" if bytecode else "1"}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run([str(venv / "bin" / "oob"), "--help"], env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--bgp", action="store_true", help="install the [bgp] extra too (ExaBGP)")
    args = ap.parse_args()
    extra = "[bgp]" if args.bgp else ""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(REPO)])
        wheel = next((tmp / "dist").glob("*.whl"))
        compiled = install(tmp, wheel, "compiled", compile_=True, extra=extra)
        plain = install(tmp, wheel, "plain", compile_=False, extra=extra)
        rows = []
        for label, venv, bytecode in (("byte-compiled (pip default)", compiled, True),
                                      ("no .pyc (--no-compile, nothing written)", plain, False)):
            times = help_times(venv, args.runs, bytecode=bytecode)
            rows.append((label, du(venv) / 1e6, statistics.median(times), min(times)))
        dev = REPO / ".venv"
        print(f"runtime venv{extra}, oob --help, median of {args.runs} runs (shared 2-core machine: noisy)")
        print(f"{'install':<42} {'size MB':>8} {'median s':>9} {'min s':>7}")
        for label, size, median, best in rows:
            print(f"{label:<42} {size:>8.1f} {median:>9.3f} {best:>7.3f}")
        print(f"ratio no-pyc / byte-compiled start: {rows[1][2] / rows[0][2]:.1f}x")
        if dev.is_dir():
            print(f"peer: developer venv .venv (editable, test tools): {du(dev) / 1e6:.1f} MB "
                  f"({du(dev) / 1e6 / rows[0][1]:.1f}x the runtime venv)")
        print("goal: <= 100 MB, <= 0.3 s")


if __name__ == "__main__":
    main()
