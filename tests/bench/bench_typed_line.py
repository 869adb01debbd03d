"""Benchmark: what the typed-line guard adds between Enter and the device's answer, on loopback.

Against a real sshd + FRR vtysh router, the same line typed N times:

- pass-through: an asyncssh shell channel, Enter written straight to it (no pump, no guard);
- guarded: ``SessionService.ssh`` (the pump, the screen model, the guard judging the line, the
  audit entry written and fsynced) with an in-memory terminal.

Each sample is Enter → the router's next prompt on screen. Reported: p50/p99 of both and of the
difference (the guard's added latency). Goal: added ≤ 20 ms p50, ≤ 100 ms p99.

Run: .venv/bin/python tests/bench/bench_typed_line.py [--lines 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from oob_console.wiring import Services, init_site  # noqa: E402
from tests.lab.routers import RouterLab, lab_unavailable, write_inventory  # noqa: E402
from tests.lab.test_session_guard import FakeTerminal  # noqa: E402

LINES = ("show version", "show ip bgp summary", "configure terminal", "end")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def pass_through(services: Services, n: int) -> list[float]:
    access = services.devices
    dev = access.device("r1")
    session = await access.engine("asyncssh").connect(access.ssh_target(dev))
    channel = await session.shell(term="vt100", cols=100, rows=30)
    seen = b""

    async def until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen:
            seen += await channel.read()
        seen = seen[seen.index(marker) + len(marker):]

    await until(b"r1# ")
    samples = []
    for i in range(n):
        line = LINES[i % len(LINES)]
        await channel.write(line.encode())
        await asyncio.sleep(0.01)  # the echo is in, as when a person types
        start = time.perf_counter()
        await channel.write(b"\r")
        await until(b"r1(config)# " if line == "configure terminal" else b"r1# ")
        samples.append(time.perf_counter() - start)
    await channel.close()
    await session.close()
    return samples


async def guarded(services: Services, n: int) -> list[float]:
    term = FakeTerminal()
    task = asyncio.ensure_future(services.sessions.ssh("r1", term))
    await term.expect("r1# ")
    samples = []
    for i in range(n):
        line = LINES[i % len(LINES)]
        await term.type(line)
        await asyncio.sleep(0.01)
        start = time.perf_counter()
        await term.type("\r")
        await term.expect(r"r1\(config\)# " if line == "configure terminal" else "r1# ", timeout=10)
        samples.append(time.perf_counter() - start)
    await term.type("~.")
    await asyncio.wait_for(task, 10)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200)
    args = parser.parse_args()
    reason = lab_unavailable()
    if reason:
        print(f"cannot run: {reason}")
        return 1
    with tempfile.TemporaryDirectory() as tmp, RouterLab(Path(tmp) / "lab") as lab:
        r1 = lab.router("r1")
        site = Path(tmp) / "site"
        init_site(site, name="bench")
        write_inventory(site / "inventory.toml", [r1.device_entry()])
        services = Services.from_config(str(site / "config.toml"))
        raw = asyncio.run(pass_through(services, args.lines))
        with_guard = asyncio.run(guarded(services, args.lines))
    rows = [("pass-through (asyncssh channel)", raw), ("guarded session (pump + guard + audit)", with_guard)]
    print(f"{args.lines} lines each, Enter -> next prompt, milliseconds")
    print(f"{'path':<42} {'p50':>7} {'p99':>7} {'mean':>7}")
    for name, values in rows:
        ms = [v * 1000 for v in values]
        print(f"{name:<42} {statistics.median(ms):7.2f} {pct(ms, 0.99):7.2f} {statistics.fmean(ms):7.2f}")
    added50 = (statistics.median(with_guard) - statistics.median(raw)) * 1000
    added99 = (pct(with_guard, 0.99) - pct(raw, 0.99)) * 1000
    print(f"added by the guard: p50 {added50:.2f} ms (goal <= 20), p99 {added99:.2f} ms (goal <= 100)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
