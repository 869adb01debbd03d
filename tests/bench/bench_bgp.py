"""Emergency BGP benchmark: last approval -> route in the upstream's RIB (BIRD on loopback).

Run: .venv/bin/python tests/bench/bench_bgp.py [--runs 20]

Each run times two paths, interleaved so machine noise hits both alike:

- console: from the call that records the last approval, through the
  execution (preflight on fresh data, audit, journal, the supervisor's control
  socket, ExaBGP's ack) to the route being in BIRD's RIB;
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
from tests.lab.bgp_peers import BirdUpstream, pair  # noqa: E402
from tests.lab.bgp_site import (  # noqa: E402
    PREFIX,
    SpeakerProcess,
    approvers,
    bgp_site,
    carol_signs,
    upstream_toml,
)
from tests.unit.auth_lab import NoPrompt  # noqa: E402


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
    lab.app.approvals.approve_local(record.ticket, NoPrompt())
    app.approvals.approve_sshsig(record.ticket, carol_signs(lab, record.ticket))
    svc.execute(record.intent.id, confirm=False)
    wait_in_rib(bird, PREFIX, present=False)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oob-bench-bgp-") as tmp_name:
        tmp = Path(tmp_name)
        bird, console = pair(tmp / "bird-console", BirdUpstream)
        raw_bird, raw_local = pair(tmp / "bird-raw", BirdUpstream)
        home = tmp / "site"
        bgp_site(home, upstream_toml("bird", bird, console), approvals=2)
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
                start = time.perf_counter()
                app.approvals.approve_sshsig(record.ticket, signature)
                svc.execute(record.intent.id, confirm=False)
                console_times.append(wait_in_rib(bird, PREFIX) - start)
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
    over = [c - r for c, r in zip(console_times, raw_times, strict=True)]
    print(f"BGP announce -> route in BIRD's RIB, {args.runs} runs (loopback, shared 2-core machine: noisy)")
    print(f"{'path':<34}{'p50 ms':>10}{'p95 ms':>10}{'min ms':>10}{'max ms':>10}")
    rows = (("console (last approval -> RIB)", console_times), ("raw ExaBGP API (command -> RIB)", raw_times),
            ("overhead (per-run difference)", over), ("CLI 'oob bgp approve' (+start-up)", cli_times))
    for name, values in rows:
        ms = [v * 1000 for v in values]
        print(f"{name:<34}{pct(ms, .5):>10.1f}{pct(ms, .95):>10.1f}{min(ms):>10.1f}{max(ms):>10.1f}")
    print(f"goal: console p50 <= 500 ms ({'met' if pct(console_times, .5) <= .5 else 'MISSED'}), "
          f"overhead p50 <= 100 ms ({'met' if statistics.median(over) <= .1 else 'MISSED'})")


if __name__ == "__main__":
    main()
