"""Audit log benchmark: append with fsync (entries/s) and verify of 1,000,000 entries (s).

Run: .venv/bin/python tests/bench/bench_audit.py [--entries 1000000] [--appends 2000]
Beside our verifier it times the naive one (parse and re-serialise every entry)
on the same file, as the reference for what the fast path buys.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from oob_console.adapters.audit_jsonl import AuditFile
from oob_console.core.audit.chain import GENESIS, build_entry, entry_hash, verify_lines


def bench_append(tmp: Path, n: int) -> float:
    log = AuditFile(tmp / "append.jsonl")
    start = time.perf_counter()
    for i in range(n):
        log.append(actor="user:alice", action="note", target="sjc1", details={"text": f"step {i}"})
    return n / (time.perf_counter() - start)


def write_log(path: Path, n: int) -> None:
    prev = GENESIS
    with open(path, "wb") as f:
        for seq in range(1, n + 1):
            entry, line = build_entry(
                seq=seq, time="2026-11-21T15:52:00.000000Z", actor="user:alice", action="device.run",
                target="sjc1-bb1", outcome="ok",
                details={"command": "show bgp summary", "verdict": "read-only", "duration_ms": seq % 997},
                prev=prev,
            )
            prev = entry["hash"]
            f.write(line)


def naive_verify(path: Path) -> int:
    prev, n = GENESIS, 0
    with open(path, "rb") as f:
        for raw in f:
            entry = json.loads(raw)
            if entry["prev"] != prev or entry_hash(entry) != entry["hash"]:
                raise SystemExit("naive verify disagrees")
            prev, n = entry["hash"], n + 1
    return n


def timed(fn: object, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rates = [bench_append(tmp, args.appends) for _ in range(args.runs)]
        path = tmp / "big.jsonl"
        write_log(path, args.entries)
        size = path.stat().st_size

        def ours() -> None:
            with open(path, "rb") as f:
                report = verify_lines(f)
            assert report.ok and report.entries == args.entries

        fast = timed(ours, args.runs)
        naive = timed(lambda: naive_verify(path), args.runs)
    print(f"audit append with fsync: median {statistics.median(rates):,.0f} entries/s "
          f"({args.appends} appends x {args.runs} runs)")
    print(f"verify {args.entries:,} entries ({size / 1e6:.0f} MB): median {statistics.median(fast):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in fast)})")
    print(f"naive verify (parse + re-serialise): median {statistics.median(naive):.2f} s; "
          f"ours is {statistics.median(naive) / statistics.median(fast):.1f}x faster")


if __name__ == "__main__":
    main()
