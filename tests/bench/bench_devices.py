"""Benchmark: one `show` command on N device sessions (default 200), real sshd + FRR vtysh.

Compares, in the same run and against the same lab routers:
  1. `oob run --all -- "show version"`  (the real CLI, a subprocess: start-up, inventory, audit, asyncssh)
  2. the same run in-process (RunService), to compare like with like against the in-process scripts
  3. paramiko with a thread pool of the same width as oob's concurrency, as a script (a process:
     start-up and import included, like row 1) and in-process (like row 2), and with Python's
     default ThreadPoolExecutor width (min(32, CPUs + 4)), as a script that does not tune it gets
  4. Netmiko, one device after the other (the common script)
For each: wall time, and the client's own CPU time (user+sys, all threads), which is what a
small OOB host pays; the routers' CPU is the same for every method.

Run: .venv/bin/python tests/bench/bench_devices.py [--devices 200] [--routers 4] [--concurrency 50] [--rounds 3]
Not collected by pytest (bench_*.py). Netmiko is a test-only dependency for this.
Every method must get all N answers right, or the table says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.lab.routers import Router, RouterLab, lab_unavailable, write_inventory  # noqa: E402

COMMAND = "show version"
EXPECT = "FRRouting"


def targets(routers: list[Router], n: int) -> list[tuple[str, Router]]:
    return [(f"d{i:03d}", routers[i % len(routers)]) for i in range(n)]


Row = tuple[str, float, float, int, str]  # name, wall s, client CPU s, answers right, note


def _cpu_self() -> float:
    t = os.times()
    return t.user + t.system


def _cpu_children() -> float:
    t = os.times()
    return t.children_user + t.children_system


def bench_oob(site: Path, n: int, concurrency: int) -> Row:
    env = dict(os.environ, OOB_HOME=str(site))
    cpu = _cpu_children()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "oob_console", "run", "--json", "--all", "--concurrency",
                           str(concurrency), "--", COMMAND], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    results = json.loads(proc.stdout)["result"]["results"]
    ok = sum(1 for r in results if r["status"] == "ok" and EXPECT in r["output"])
    return "oob run (CLI, asyncssh)", elapsed, _cpu_children() - cpu, ok, f"whole command, exit {proc.returncode}"


def bench_oob_in_process(site: Path, concurrency: int) -> Row:
    import asyncio

    from oob_console.bootstrap import App
    from oob_console.services.runs import RunOptions

    app = App.from_config(str(site / "config.toml"))
    inventory, devices = app.runs.targets([], site=None, role=None, everything=True)
    app.devices.engine("asyncssh")  # import outside the timing, as the scripts below have theirs
    cpu = _cpu_self()
    started = time.perf_counter()
    report = asyncio.run(app.runs.run(COMMAND, devices, inventory, options=RunOptions(concurrency=concurrency)))
    elapsed = time.perf_counter() - started
    ok = sum(1 for r in report.results if r.ok and EXPECT in r.output)
    return "oob RunService (in-process)", elapsed, _cpu_self() - cpu, ok, "gate + audit + asyncssh"


def paramiko_pool(jobs: list[tuple[int, str, str]], known_hosts: str, workers: int | None) -> int:
    """One `show` per (port, username, key file), on a thread pool; the number of right answers."""
    import paramiko

    def one(job: tuple[int, str, str]) -> bool:
        port, username, key_file = job
        client = paramiko.SSHClient()
        client.load_host_keys(known_hosts)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect("127.0.0.1", port, username=username, key_filename=key_file, look_for_keys=False,
                           allow_agent=False, timeout=30, banner_timeout=30, auth_timeout=30)
            _, stdout, _ = client.exec_command(COMMAND, timeout=60)
            return EXPECT in stdout.read().decode()
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(one, jobs))


def _jobs(devices: list[tuple[str, Router]]) -> list[tuple[int, str, str]]:
    return [(r.port, r.username, str(r.client_key)) for _, r in devices]


def bench_paramiko(devices: list[tuple[str, Router]], known_hosts: Path, workers: int | None) -> Row:
    cpu = _cpu_self()
    started = time.perf_counter()
    ok = paramiko_pool(_jobs(devices), str(known_hosts), workers)
    width = workers or min(32, (os.cpu_count() or 1) + 4)
    name = "paramiko thread pool (in-process)" + ("" if workers else ", default width")
    return name, time.perf_counter() - started, _cpu_self() - cpu, ok, f"{width} threads"


def bench_paramiko_script(devices: list[tuple[str, Router]], known_hosts: Path, workers: int, root: Path) -> Row:
    """The same pool as a script: interpreter start and imports included, like the `oob run` row."""
    spec = root / "paramiko-jobs.json"
    spec.write_text(json.dumps({"jobs": _jobs(devices), "known_hosts": str(known_hosts), "workers": workers}))
    cpu = _cpu_children()
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--paramiko-script", str(spec)], capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - started
    ok = int(proc.stdout.strip() or 0)
    return "paramiko thread pool (script)", elapsed, _cpu_children() - cpu, ok, f"whole script, {workers} threads"


def bench_netmiko(devices: list[tuple[str, Router]], known_hosts: Path) -> Row:
    from netmiko import ConnectHandler

    cpu = _cpu_self()
    started = time.perf_counter()
    ok = 0
    for _, router in devices:
        conn = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=router.port, username=router.username,
                              key_file=str(router.client_key), use_keys=True, allow_agent=False, ssh_strict=True,
                              system_host_keys=False, alt_host_keys=True, alt_key_file=str(known_hosts))
        try:
            ok += EXPECT in conn.send_command(COMMAND)
        finally:
            conn.disconnect()
    elapsed = time.perf_counter() - started
    return "Netmiko sequential", elapsed, _cpu_self() - cpu, ok, "cisco_ios driver"


def _median_rows(rounds: list[list[Row]]) -> list[Row]:
    out = []
    for same in zip(*rounds, strict=True):
        walls = sorted(r[1] for r in same)
        mid = walls[len(walls) // 2]
        pick = next(r for r in same if r[1] == mid)
        out.append((pick[0], mid, pick[2], min(r[3] for r in same), pick[4]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--routers", type=int, default=4, help="sshd+FRR instances the devices are spread over")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the fast methods; the median is shown")
    parser.add_argument("--skip-netmiko", action="store_true")
    parser.add_argument("--paramiko-script", metavar="JOBS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.paramiko_script:
        spec = json.loads(Path(args.paramiko_script).read_text())
        print(paramiko_pool([tuple(j) for j in spec["jobs"]], spec["known_hosts"], spec["workers"]))
        return 0
    reason = lab_unavailable()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    from oob_console.bootstrap import init_site

    load_before = f"{os.getloadavg()[0]:.1f}"
    root = Path(tempfile.mkdtemp(prefix="oob-bench-"))
    with RouterLab(root) as lab:
        routers = [lab.router(f"r{i}", asn=64512 + i) for i in range(args.routers)]
        devices = targets(routers, args.devices)
        site = root / "site"
        init_site(site, name="bench")
        write_inventory(site / "inventory.toml", [r.device_entry(name) for name, r in devices])
        known_hosts = root / "known_hosts"
        known_hosts.write_text("".join(f"[127.0.0.1]:{r.port} {r.host_key_line}\n" for r in routers))
        rounds = [[bench_oob(site, args.devices, args.concurrency),
                   bench_paramiko_script(devices, known_hosts, args.concurrency, root),
                   bench_oob_in_process(site, args.concurrency),
                   bench_paramiko(devices, known_hosts, args.concurrency),
                   bench_paramiko(devices, known_hosts, None)] for _ in range(max(1, args.rounds))]
        rows = _median_rows(rounds)
        if not args.skip_netmiko:
            rows.append(bench_netmiko(devices, known_hosts))
    netmiko = next((r[1] for r in rows if r[0] == "Netmiko sequential"), None)
    print(f"\n{args.devices} device sessions over {args.routers} sshd+FRR routers, `{COMMAND}`, concurrency "
          f"{args.concurrency}, median of {args.rounds} rounds (Netmiko: one), {os.cpu_count()} CPUs shared by "
          f"client, routers and other work (load average before: {load_before})\n")
    print("| method | wall time | per device | client CPU | answers right | vs Netmiko sequential | notes |")
    print("|---|---|---|---|---|---|---|")
    for name, elapsed, cpu, ok, note in rows:
        ratio = f"{netmiko / elapsed:.1f}x faster" if netmiko else "-"
        print(f"| {name} | {elapsed:.2f} s | {1000 * elapsed / args.devices:.1f} ms | {cpu:.2f} s | "
              f"{ok}/{args.devices} | {ratio} | {note} |")
    by = {r[0]: r for r in rows}
    cli, script = by["oob run (CLI, asyncssh)"], by["paramiko thread pool (script)"]
    inproc, pool = by["oob RunService (in-process)"], by["paramiko thread pool (in-process)"]
    print(f"\nparamiko / oob, wall time: script vs CLI {script[1] / cli[1]:.2f}x, in-process "
          f"{pool[1] / inproc[1]:.2f}x; client CPU: {script[2] / cli[2]:.2f}x, {pool[2] / inproc[2]:.2f}x "
          "(above 1: oob is faster / cheaper)")
    return 0 if all(r[3] == args.devices for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
