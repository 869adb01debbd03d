"""Comms and doctor benchmark: outbox accept rate, delivery rate to a local HTTP endpoint, doctor run time.

Run: .venv/bin/python tests/bench/bench_independence.py [--notices 200] [--endpoints 50]
Numbers come from a shared, noisy machine: compare orders of magnitude, not digits.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from oob_console.wiring import Services, init_site
from tests.lab.comms_servers import CommsLab, write_channel_config


def site(tmp: Path, extra: str = "", comms_base: str = "") -> Services:
    home = tmp / "site"
    init_site(home, name="bench")
    cfg = home / "config.toml"
    if comms_base:
        extra += write_channel_config(home, comms_base, channels=("webhook",))
    cfg.write_text(cfg.read_text() + extra)
    return Services.from_config(str(cfg))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notices", type=int, default=200)
    ap.add_argument("--endpoints", type=int, default=50)
    args = ap.parse_args()
    lab = CommsLab().start()
    rows: list[tuple[str, str]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = site(Path(tmp), comms_base=lab.base)
            notify = app.notify
            start = time.perf_counter()
            for i in range(args.notices):
                notify.accept(f"bench {i}")
            accept = time.perf_counter() - start
            rows.append(("accept (audit + outbox, both fsynced)", f"{args.notices / accept:.0f} notices/s"))
            start = time.perf_counter()
            attempts = notify.flush(60)
            deliver = time.perf_counter() - start
            assert sum(a.state == "delivered" for a in attempts) == args.notices
            rows.append(("deliver queued notices to a local webhook", f"{args.notices / deliver:.0f} notices/s"))
            times = []
            for i in range(20):
                t0 = time.perf_counter()
                notify.send(f"one {i}", wait=10)
                times.append(time.perf_counter() - t0)
            rows.append(("oob notify: accept + deliver one (median)", f"{statistics.median(times) * 1000:.1f} ms"))
        with tempfile.TemporaryDirectory() as tmp:
            endpoints = "".join(f'\n[[doctor.endpoints]]\nname = "e{i}"\nhost = "192.0.2.{i % 250 + 1}"\nport = 443\n'
                                for i in range(args.endpoints))
            app = site(Path(tmp), '\n[production]\nprefixes = ["10.0.0.0/8"]\ninterfaces = ["prod0"]\n' + endpoints)
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                app.doctor.run()
                runs.append(time.perf_counter() - t0)
            rows.append((f"oob doctor with {args.endpoints} endpoints (median of 5)",
                         f"{statistics.median(runs) * 1000:.0f} ms"))
    finally:
        lab.stop()
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | result |\n|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name:<{width}} | {value} |")


if __name__ == "__main__":
    main()
