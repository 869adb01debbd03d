"""Audit log benchmark: append with fsync, sealed vs unsealed (entries/s), and verify of 1,000,000 sealed entries.

Run: .venv/bin/python tests/bench/bench_audit.py [--entries 1000000] [--appends 2000] [--runs 3]

- append: the same N appends through ``AuditFile`` with fsync, once with forward-secure
  sealing (a sealing key, a seal every ``--every`` entries and its key rotation) and
  once unsealed (today's append before sealing), alternating runs in one process.
- verify: a 1,000,000-entry sealed log (a seal every 1000 entries, each an Ed25519
  signature chaining the next epoch key), verified with the verification key; beside
  it the naive verifier (parse and re-serialise every entry) on the same file.
The machine is shared: numbers are noisy; compare the ratios, not the absolutes.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from oob_console.adapters.audit_jsonl import AuditFile
from oob_console.adapters.audit_key_ed25519 import check_signature
from oob_console.core.audit.chain import GENESIS, build_entry, entry_hash, verify_lines
from oob_console.core.audit.seal import GENESIS_ACTION, SEAL_ACTION, seal_message

TIME = "2026-11-21T15:52:00.000000Z"


def bench_append(tmp: Path, n: int, *, sealed: bool, every: int, run: int) -> float:
    d = tmp / f"{'sealed' if sealed else 'plain'}-{run}"
    d.mkdir(mode=0o700)
    log = AuditFile(d / "audit.jsonl", checkpoint_every=every, checkpoint_interval=3600.0,
                    seal_key=d / "audit-sealing.key" if sealed else None)
    if sealed:
        log.start_sealing(actor="local:root", site="bench")
    start = time.perf_counter()
    for i in range(n):
        log.append(actor="user:alice", action="note", target="sjc1", details={"text": f"step {i}"})
    return n / (time.perf_counter() - start)


def _pub(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def write_sealed_log(path: Path, n: int, every: int = 1000) -> str:
    """A sealed log of ``n`` entries; returns its verification key."""
    key = Ed25519PrivateKey.generate()
    verify_key = _pub(key)
    prev, seq, epoch = GENESIS, 0, 0
    with open(path, "wb") as f:
        def put(action: str, details: dict) -> None:  # type: ignore[type-arg]
            nonlocal prev, seq
            seq += 1
            entry, line = build_entry(seq=seq, time=TIME, actor="user:alice", action=action, target="sjc1-bb1",
                                      outcome="ok", details=details, prev=prev)
            prev = entry["hash"]
            f.write(line)

        def seal() -> None:
            nonlocal key, epoch
            nxt = Ed25519PrivateKey.generate()
            sig = key.sign(seal_message(epoch, seq, prev, _pub(nxt)))
            put(SEAL_ACTION, {"epoch": epoch, "covers_seq": seq, "covers_hash": prev, "next_key": _pub(nxt),
                              "signature": base64.b64encode(sig).decode()})
            key, epoch = nxt, epoch + 1

        put(GENESIS_ACTION, {"site": "bench", "verify_key": verify_key, "checkpoint_every": every,
                             "checkpoint_interval": 0, "unsealed_before": 0})
        seal()
        since = 0
        while seq < n:
            put("device.run", {"command": "show bgp summary", "verdict": "read-only", "duration_ms": seq % 997})
            since += 1
            if since == every and seq < n:
                seal()
                since = 0
    return verify_key


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
    ap.add_argument("--every", type=int, default=1000, help="seal every N entries in the append benchmark")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sealed, plain = [], []
        for run in range(args.runs):  # alternate, so drift on the shared machine hits both alike
            plain.append(bench_append(tmp, args.appends, sealed=False, every=args.every, run=run))
            sealed.append(bench_append(tmp, args.appends, sealed=True, every=args.every, run=run))
        path = tmp / "big.jsonl"
        verify_key = write_sealed_log(path, args.entries)
        size = path.stat().st_size
        seals = 0

        def ours() -> None:
            nonlocal seals
            with open(path, "rb") as f:
                report = verify_lines(f, check_signature=check_signature, verify_key=verify_key)
            assert report.ok and report.last_seq == args.entries, report.problem
            seals = report.seals_verified

        fast = timed(ours, args.runs)
        naive = timed(lambda: naive_verify(path), args.runs)
    ps, pp = statistics.median(sealed), statistics.median(plain)
    print(f"append with fsync, unsealed: median {pp:,.0f} entries/s ({args.appends} appends x {args.runs} runs)")
    print(f"append with fsync, sealed (seal every {args.every}): median {ps:,.0f} entries/s; "
          f"sealed/unsealed = {ps / pp:.2f}")
    print(f"verify {args.entries:,} sealed entries ({seals} seals, {size / 1e6:.0f} MB) with the verification key: "
          f"median {statistics.median(fast):.2f} s (runs {', '.join(f'{t:.2f}' for t in fast)})")
    print(f"naive verify (parse + re-serialise, no seals): median {statistics.median(naive):.2f} s; "
          f"ours is {statistics.median(naive) / statistics.median(fast):.1f}x faster")


if __name__ == "__main__":
    main()
