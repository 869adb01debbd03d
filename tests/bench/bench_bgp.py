"""Emergency BGP benchmark: RPKI at full scale, and last approval -> route in the upstream's RIB (BIRD).

Run: .venv/bin/python tests/bench/bench_bgp.py [--runs 20] [--vrps 2,50000,550000]

Part 1, RPKI at scale: ``oob bgp plan`` and ``oob bgp announce --no-confirm``
(each a new process, as an operator runs them) against synthetic rpki-client
exports of 2, 50,000 and 550,000 VRPs, side by side: wall time and peak RSS of
the first command after the export changed (the one index rebuild) and the
median of the next ones (steady state). Goal: steady state at most 0.5 s and
30 MB more than against 2 VRPs; the rebuild at most 10 s and 150 MB.

Part 2, confirmation:

Each run times two paths, interleaved so machine noise hits both alike:

- console: from the call that records the last approval, through the
  execution with the full confirmation (preflight on fresh data, audit,
  journal, the supervisor's control socket, ExaBGP's ack, then BIRD's own
  looking glass asked until it shows the route) to the route being in BIRD's
  RIB, and to the execution reporting DONE;
- raw: the same announcement written straight to an ExaBGP API channel (our
  adapter, no console around it) to the route being in a second BIRD's RIB;
- CLI: the last approval given as ``oob bgp approve ID --sshsig FILE`` in a new
  process (what an approver types), Python start-up and imports included.

Both are measured the same way (polling ``birdc show route`` every few ms),
so the difference is the console's overhead. Goal: console p50 <= 0.5 s,
overhead <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest  # only for MonkeyPatch, with which the approvers' soft keys are set up

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from oob_console.adapters.bgp.speaker_exabgp import ExabgpSpeaker, Neighbor, find_exabgp  # noqa: E402
from oob_console.core.bgp.desired import Change  # noqa: E402
from oob_console.core.bgp.intent import make_route  # noqa: E402
from oob_console.wiring import Services  # noqa: E402
from tests.lab.bgp_peers import BirdUpstream, LookingGlass, pair  # noqa: E402
from tests.lab.bgp_site import (  # noqa: E402
    PREFIX,
    SpeakerProcess,
    approvers,
    bgp_site,
    carol_signs,
    upstream_toml,
    write_vrps,
)
from tests.unit.auth_lab import NoPrompt  # noqa: E402
from tests.vrp_export import write_export  # noqa: E402


def wait_in_rib(bird: BirdUpstream, prefix: str, present: bool = True, timeout: float = 10) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (prefix in bird.routes()) == present:
            return time.perf_counter()
        time.sleep(0.002)
    raise SystemExit(f"{prefix} never {'appeared in' if present else 'left'} BIRD's RIB")


def withdraw(svc: Any, app: Services, lab: Any, bird: BirdUpstream) -> None:
    record, _ = svc.request(svc.build_intent("withdraw", PREFIX))
    lab.use_key("bob-key")
    lab.app.approvals.approve_local(record.ticket, NoPrompt())  # our own route: its class needs one approval
    svc.execute(record.intent.id, confirm=False)
    wait_in_rib(bird, PREFIX, present=False)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of one command, measured by GNU time."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], env=env, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    rss_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, rss_kb / 1024, done.returncode


def rpki_scale(tmp: Path, sizes: list[int], repeat: int) -> None:
    bird, console = pair(tmp / "bird-rpki", BirdUpstream)
    home = tmp / "site-rpki"
    bgp_site(home, upstream_toml("bird", bird, console, advertise_timeout="5s"))
    env = dict(os.environ, OOB_HOME=str(home))
    oob = [sys.executable, "-m", "oob_console"]
    rows = []
    with bird, SpeakerProcess(home) as speaker:
        speaker.wait_sessions_up()
        for size in sizes:
            vrps = home / "rpki" / "vrps.json"
            if size <= 2:
                write_vrps(vrps, [(PREFIX, 24, 64500), ("198.51.100.0/24", 24, 64500)])
            else:
                write_export(vrps, size - 1, buildtime=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                             extra=[{"asn": 64500, "prefix": PREFIX, "maxLength": 24, "ta": "lab"}])
            mb = vrps.stat().st_size / 1e6
            first = timed([*oob, "bgp", "plan", "announce", PREFIX], env)  # the one rebuild
            plans = [timed([*oob, "bgp", "plan", "announce", PREFIX], env) for _ in range(repeat)]
            announces = []
            for _ in range(repeat):
                announces.append(timed([*oob, "bgp", "announce", PREFIX, "--no-confirm"], env))
                timed([*oob, "bgp", "withdraw", PREFIX, "--no-confirm"], env)
            bad = [r for r in [first, *plans, *announces] if r[2] != 0]
            if bad:
                raise SystemExit(f"a command failed at {size} VRPs (exit {bad[0][2]})")
            rows.append((size, mb, first, statistics.median(p[0] for p in plans), max(p[1] for p in plans),
                         statistics.median(a[0] for a in announces), max(a[1] for a in announces)))
    print(f"RPKI at scale: one new process per command, median of {repeat} (shared 2-core machine: noisy)")
    print(f"{'VRPs':>8}{'export MB':>11}{'rebuild s':>11}{'rebuild MB':>12}{'plan s':>9}{'plan MB':>9}"
          f"{'announce s':>12}{'announce MB':>13}")
    for size, mb, first, plan_s, plan_mb, ann_s, ann_mb in rows:
        print(f"{size:>8}{mb:>11.1f}{first[0]:>11.2f}{first[1]:>12.0f}{plan_s:>9.2f}{plan_mb:>9.0f}"
              f"{ann_s:>12.2f}{ann_mb:>13.0f}")
    base = rows[0]
    for size, _mb, first, plan_s, plan_mb, ann_s, ann_mb in rows[1:]:
        print(f"{size} vs {base[0]} VRPs: plan +{plan_s - base[3]:.2f} s +{plan_mb - base[4]:.0f} MB, announce "
              f"+{ann_s - base[5]:.2f} s +{ann_mb - base[6]:.0f} MB (goal <= 0.5 s, 30 MB); rebuild "
              f"{first[0]:.1f} s {first[1]:.0f} MB (goal <= 10 s, 150 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--vrps", default="2,50000,550000", help="export sizes for part 1 ('' skips it)")
    parser.add_argument("--repeat", type=int, default=3, help="steady-state commands per size")
    args = parser.parse_args()
    if args.vrps:
        with tempfile.TemporaryDirectory(prefix="oob-bench-rpki-") as tmp_name:
            rpki_scale(Path(tmp_name), [int(x) for x in args.vrps.split(",")], args.repeat)
    if not args.runs:
        return
    with tempfile.TemporaryDirectory(prefix="oob-bench-bgp-") as tmp_name:
        tmp = Path(tmp_name)
        bird, console = pair(tmp / "bird-console", BirdUpstream)
        raw_bird, raw_local = pair(tmp / "bird-raw", BirdUpstream)
        home = tmp / "site"
        glass = LookingGlass(bird).__enter__()  # BIRD's own view: the confirmation source
        bgp_site(home, upstream_toml("bird", bird, console, looking_glass="lab"), approvals=2,
                 looking_glass_url=glass.url)
        lab = approvers(home, pytest.MonkeyPatch())  # bob (key on the host) and carol (SSH sk key)
        exabgp = find_exabgp()
        if exabgp is None:
            raise SystemExit("exabgp is not installed (pip install -e '.[bgp]')")
        raw = ExabgpSpeaker(runtime_dir=tmp / "raw-run", exabgp=exabgp, local_as=64500, router_id="192.0.2.251",
                            neighbors=[Neighbor("raw", raw_bird.address, raw_bird.local_as, raw_local,
                                                raw_bird.port)])
        with bird, raw_bird, SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            raw.ensure_running()
            while raw.sessions()[0].state != "up":
                time.sleep(0.05)
            app = Services.from_config(str(home / "config.toml"))
            svc = app.bgp
            console_times: list[float] = []
            raw_times: list[float] = []
            cli_times: list[float] = []
            done_times: list[float] = []
            env = dict(os.environ, OOB_HOME=str(home))
            route = make_route(PREFIX, origin_as=64500)
            for i in range(args.runs):
                # raw ExaBGP: one API command, straight to the speaker
                start = time.perf_counter()
                raw.send([Change("announce", "raw", route, i + 1)])
                raw_times.append(wait_in_rib(raw_bird, PREFIX) - start)
                raw.send([Change("withdraw", "raw", route, i + 1)])
                wait_in_rib(raw_bird, PREFIX, present=False)
                # the console: bob approves, then carol's approval (an SSHSIG she pasted) is the last one;
                # the clock starts when it is submitted, as `oob bgp approve --sshsig` does it
                record, _ = svc.request(svc.build_intent("announce", PREFIX, lease=3600))
                lab.use_key("bob-key")
                lab.app.approvals.approve_local(record.ticket, NoPrompt())
                signature = carol_signs(lab, record.ticket)
                outcome: list[Any] = []

                def approve_and_run(intent_id: str = record.intent.id, sig: bytes = signature,
                                    out: list[Any] = outcome) -> None:
                    app.approvals.approve_sshsig(intent_id, sig)
                    out.append(svc.execute(intent_id))  # with the full confirmation
                    out.append(time.perf_counter())

                start = time.perf_counter()
                runner = threading.Thread(target=approve_and_run)
                runner.start()
                console_times.append(wait_in_rib(bird, PREFIX) - start)
                runner.join(60)
                if not outcome or outcome[0].outcome != "DONE":
                    raise SystemExit(f"the console did not confirm it: {outcome[0].outcome if outcome else '?'}")
                done_times.append(outcome[1] - start)
                withdraw(svc, app, lab, bird)
                # the same through the CLI: `oob bgp approve --sshsig`, Python start-up included
                record, _ = svc.request(svc.build_intent("announce", PREFIX, lease=3600))
                lab.app.approvals.approve_local(record.ticket, NoPrompt())
                sig = tmp / "carol.sig"
                sig.write_bytes(carol_signs(lab, record.ticket))
                start = time.perf_counter()
                proc = subprocess.Popen([sys.executable, "-m", "oob_console", "bgp", "approve", record.intent.id,
                                         "--sshsig", str(sig), "--no-confirm"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                cli_times.append(wait_in_rib(bird, PREFIX) - start)
                if proc.wait(30) != 0:
                    raise SystemExit("oob bgp approve failed")
                withdraw(svc, app, lab, bird)
            raw.stop()
        glass.__exit__()
    over = [c - r for c, r in zip(console_times, raw_times, strict=True)]
    print(f"BGP announce -> route in BIRD's RIB, {args.runs} runs (loopback, shared 2-core machine: noisy)")
    print(f"{'path':<34}{'p50 ms':>10}{'p95 ms':>10}{'min ms':>10}{'max ms':>10}")
    rows = (("console (last approval -> RIB)", console_times), ("raw ExaBGP API (command -> RIB)", raw_times),
            ("overhead (per-run difference)", over), ("console -> DONE (confirmed)", done_times),
            ("CLI 'oob bgp approve' (+start-up)", cli_times))
    for name, values in rows:
        ms = [v * 1000 for v in values]
        print(f"{name:<34}{pct(ms, .5):>10.1f}{pct(ms, .95):>10.1f}{min(ms):>10.1f}{max(ms):>10.1f}")
    print(f"goal: console p50 <= 500 ms ({'met' if pct(console_times, .5) <= .5 else 'MISSED'}), "
          f"overhead p50 <= 100 ms ({'met' if statistics.median(over) <= .1 else 'MISSED'})")


if __name__ == "__main__":
    main()
