"""Command guard benchmark: decisions per second on the labelled corpus (goal: at least 10,000/s).

Run: .venv/bin/python tests/bench/bench_guard.py [--seconds 3] [--runs 3]

A decision is both checkers on one corpus case (targets, inventory and all), as
``core.guard.evaluate`` makes it; the service layer's checker lanes (a kept
thread per checker, under the deadline) are timed separately (what one
``oob guard check`` adds). The checkers remember the
readings of lines they have seen (pure: the grammars never change), interface
names and the inventory's backbone, so two figures are given:

  first pass  every pass starts with nothing remembered (``core.guard.forget()``
              before each pass: the worst case, a new process or a new site)
  steady      lines seen before are remembered (an operator's commands repeat)

Compiling the grammars (once per process, ~0.1 s) is not in either figure.

Rates are per CPU second of this process as well as per wall-clock second: the
machine is shared, and wall-clock time includes waiting for a core.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from oob_console.core.guard import GuardRequest, default_checkers, evaluate, forget
from tests.guard_support import POLICY, corpus, inventory


def rate(requests: list[GuardRequest], seconds: float, cold: bool) -> tuple[float, float]:
    """(decisions per wall second, per CPU second) over whole passes of the corpus."""
    checkers = default_checkers()
    n, wall, cpu = 0, 0.0, 0.0
    while wall < seconds:
        if cold:
            forget()
        w0, c0 = time.perf_counter(), time.process_time()
        for request in requests:
            evaluate(request, POLICY, checkers)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        n += len(requests)
    return n / wall, n / cpu


def service_overhead(requests: list[GuardRequest], passes: int = 3) -> float:
    """Decisions per second through GuardService.judge (each checker on its lane, under the deadline)."""
    from oob_console.wiring import build_guard

    service = build_guard(None)
    start = time.perf_counter()
    for _ in range(passes):
        for request in requests:
            service.judge(request)
    return passes * len(requests) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    inv = inventory()
    cases = corpus().cases
    requests = [GuardRequest(c.platform, c.text, tuple(d for d in (inv.get(n) for n in c.devices) if d), inv)
                for c in cases]
    lines = sum(c.text.count("\n") + 1 for c in cases)
    print(f"corpus: {len(cases)} cases, {lines} lines, 5 platforms; goal >= 10,000 decisions/s")
    print(f"{'mode':<11} {'wall /s (median)':>17} {'CPU /s (median)':>16} {'CPU /s (min-max)':>18}")
    for mode, cold in (("first pass", True), ("steady", False)):
        if not cold:
            rate(requests, 0.5, cold=False)  # remember every line once
        results = [rate(requests, args.seconds, cold) for _ in range(args.runs)]
        walls, cpus = [r[0] for r in results], [r[1] for r in results]
        print(f"{mode:<11} {statistics.median(walls):>17,.0f} {statistics.median(cpus):>16,.0f} "
              f"{min(cpus):>8,.0f}-{max(cpus):<,.0f}")
    print(f"through GuardService.judge (checker lanes, deadline): {service_overhead(requests):,.0f} decisions/s wall")


if __name__ == "__main__":
    main()
