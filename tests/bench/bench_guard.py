"""Command guard benchmark: decisions per second (goal: at least 10,000/s first pass), this revision beside
the previous one, in the same run.

Run: .venv/bin/python tests/bench/bench_guard.py [--seconds 2] [--runs 3] [--prev /tmp/guard-prev]

``--prev`` is a checkout of the revision to compare with (``git worktree add /tmp/guard-prev <commit>``).
Each revision is measured in its own subprocess (its own ``oob_console`` on ``sys.path``), one after the
other, on the same corpora: the old one (tests/guard_corpus, no backups) and the independent v2 one
(tests/guard_corpus_v2, with each device's last-known-good config, which only a revision with the
configuration model reads). A decision is every default checker of that revision on one case
(this one: rules, blast and the configuration model; the previous: rules and blast), as
``core.guard.evaluate`` makes it. Two figures:

  first pass  every pass starts with nothing remembered (``core.guard.forget()`` before each pass: no line
              readings, no interface names, no parsed backups: a new process or a new site)
  steady      what was seen is remembered (an operator's commands repeat; a device's backup is parsed once)

Compiling the grammars (once per process) is not in either figure. Rates are per CPU second of the measuring
process as well as per wall-clock second: the machine is shared (2 cores, other jobs), so wall-clock figures
are noisy; compare the ratio measured in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]


def measure(root: Path, corpus_dir: Path, seconds: float, runs: int) -> dict[str, object]:
    """In this process, with ``root``'s oob_console imported: rates on ``corpus_dir``."""
    from oob_console.adapters.guard_corpus_toml import CorpusDirectory
    from oob_console.core.guard import GuardPolicy, GuardRequest, default_checkers, evaluate, forget

    corpus = CorpusDirectory().read(str(corpus_dir))
    configs = getattr(corpus, "configs", {})
    has_configs = "configs" in {f.name for f in dataclasses.fields(GuardRequest)}
    policy_fields = {f.name for f in dataclasses.fields(GuardPolicy)}
    policy = GuardPolicy(oob_addresses=("192.0.2.250",)) if "oob_addresses" in policy_fields else GuardPolicy()
    requests = []
    for case in corpus.cases:
        devices = tuple(d for d in (corpus.inventory.get(n) for n in case.devices) if d is not None)
        extra = {"configs": {n: configs[n] for n in case.devices if n in configs}} if has_configs else {}
        requests.append(GuardRequest(case.platform, case.text, devices, corpus.inventory, **extra))
    checkers = default_checkers()

    def rate(cold: bool) -> tuple[float, float]:
        n, wall, cpu = 0, 0.0, 0.0
        while wall < seconds:
            if cold:
                forget()
            w0, c0 = time.perf_counter(), time.process_time()
            for request in requests:
                evaluate(request, policy, checkers)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            n += len(requests)
        return n / wall, n / cpu

    for request in requests:  # compile every platform's grammar outside the timing (a first pass forgets the rest)
        evaluate(request, policy, checkers)
    out: dict[str, object] = {"cases": len(requests), "checkers": [c.name for c in checkers],
                              "backups": bool(has_configs and configs)}
    for mode, cold in (("first", True), ("steady", False)):
        if not cold:
            rate(False)
        results = [rate(cold) for _ in range(runs)]
        out[mode] = {"wall": statistics.median(r[0] for r in results), "cpu": statistics.median(r[1] for r in results)}
    return out


def run_revision(root: Path, corpus_dir: Path, seconds: float, runs: int) -> dict[str, object]:
    code = (f"import sys, json; sys.path.insert(0, {str(root)!r}); sys.path.insert(1, {str(HERE / 'tests/bench')!r});"
            f"import bench_guard as b; from pathlib import Path;"
            f"print(json.dumps(b.measure(Path({str(root)!r}), Path({str(corpus_dir)!r}), {seconds}, {runs})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=False,
                          cwd=str(root))
    if done.returncode != 0:
        raise SystemExit(f"measuring {root} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prev", type=Path, default=None, help="checkout of the previous revision")
    args = ap.parse_args()
    revisions = [("this", HERE)] + ([("previous", args.prev.resolve())] if args.prev else [])
    print("goal >= 10,000 decisions/s first pass; medians of", args.runs, "runs; CPU = per CPU second")
    print(f"{'corpus':<16} {'revision':<9} {'checkers':<19} {'first wall':>11} {'first CPU':>10} "
          f"{'steady wall':>12} {'steady CPU':>11}")
    for corpus in ("guard_corpus", "guard_corpus_v2"):
        rows = {}
        for label, root in revisions:
            r = run_revision(root, HERE / "tests" / corpus, args.seconds, args.runs)
            rows[label] = r
            first, steady = r["first"], r["steady"]  # type: ignore[index]
            print(f"{corpus:<16} {label:<9} {'+'.join(r['checkers']):<19} {first['wall']:>11,.0f} "  # type: ignore[index]
                  f"{first['cpu']:>10,.0f} {steady['wall']:>12,.0f} {steady['cpu']:>11,.0f}")
        if "previous" in rows:
            t, p = rows["this"], rows["previous"]
            print(f"{'':<16} {'ratio':<9} {'this / previous':<19} "
                  f"{t['first']['cpu'] / p['first']['cpu']:>22.2f} "  # type: ignore[index]
                  f"{t['steady']['cpu'] / p['steady']['cpu']:>24.2f}")  # type: ignore[index]


if __name__ == "__main__":
    main()
