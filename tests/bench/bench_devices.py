"""Benchmark: one `show` command on N device sessions (default 200), real sshd + FRR vtysh.

Compares, in the same run and against the same lab routers:
  1. `oob run --all -- "show version"`  (the real CLI, a subprocess: start-up, inventory, audit, asyncssh)
  2. the same run in-process (RunService), to compare like with like against the in-process scripts
  3. paramiko with a thread pool of the same width as oob's concurrency, as a script (a process:
     start-up and import included, like row 1) and in-process (like row 2), and with Python's
     default ThreadPoolExecutor width (min(32, CPUs + 4)), as a script that does not tune it gets
  4. Netmiko, one device after the other (the common script)
For each: wall time, the client's own CPU time (user+sys, all threads), which is what a
small OOB host pays, and the routers' CPU (sshd, the shell and vtysh of every session, and
bgpd), read from /proc. Client and routers share this machine's cores, so no method can
finish sooner than the routers' CPU divided by the cores: that floor is printed too.
Methods run in a different order each round (reversed every other round), so none is always
first or last; the median of the rounds is shown, and the range of the per-round ratios.
Our package is byte-compiled first, as an installed wheel is (an editable checkout under
PYTHONDONTWRITEBYTECODE would compile it again in every `oob` process).

Run: .venv/bin/python tests/bench/bench_devices.py [--devices 200] [--routers 4] [--concurrency 50] [--rounds 3]
Not collected by pytest (bench_*.py). Netmiko is a test-only dependency for this.
Every method must get all N answers right, or the table says so.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def router_cpu(routers: list[Router]) -> float:
    """CPU seconds the routers used so far: bgpd, and every reaped sshd session with its shell and vtysh."""
    ticks = 0
    for router in routers:
        for proc in (router._sshd, router._bgpd):  # the lab's own processes
            if proc is None:
                continue
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")

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

    from oob_console.services.devices.runs import RunOptions
    from oob_console.wiring import Services

    app = Services.from_config(str(site / "config.toml"))
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


def _median_rows(rounds: list[dict[str, tuple[Row, float]]]) -> list[tuple[Row, float]]:
    out = []
    for name in rounds[0]:
        same = sorted((r[name] for r in rounds), key=lambda x: x[0][1])
        row, routers = same[len(same) // 2]
        out.append(((row[0], row[1], row[2], min(r[0][3] for r in same), row[4]), routers))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--routers", type=int, default=4, help="sshd+FRR instances the devices are spread over")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the fast methods; the median is shown")
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
    compileall.compile_dir(str(REPO / "oob_console"), quiet=1)
    from oob_console.wiring import init_site

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
        methods: list[tuple[str, Callable[[], Row]]] = [
            ("cli", lambda: bench_oob(site, args.devices, args.concurrency)),
            ("script", lambda: bench_paramiko_script(devices, known_hosts, args.concurrency, root)),
            ("inproc", lambda: bench_oob_in_process(site, args.concurrency)),
            ("pool", lambda: bench_paramiko(devices, known_hosts, args.concurrency)),
            ("pool-default", lambda: bench_paramiko(devices, known_hosts, None)),
        ]
        rounds: list[dict[str, tuple[Row, float]]] = []
        for number in range(max(1, args.rounds)):
            results: dict[str, tuple[Row, float]] = {}
            for key, run in methods if number % 2 == 0 else methods[::-1]:
                before = router_cpu(routers)
                row = run()
                results[key] = (row, router_cpu(routers) - before)
            rounds.append({key: results[key] for key, _ in methods})
        rows = _median_rows(rounds)
        if not args.skip_netmiko:
            before = router_cpu(routers)
            row = bench_netmiko(devices, known_hosts)
            rows.append((row, router_cpu(routers) - before))
    cores = os.cpu_count() or 1
    netmiko = next((r[1] for r, _ in rows if r[0] == "Netmiko sequential"), None)
    print(f"\n{args.devices} device sessions over {args.routers} sshd+FRR routers, `{COMMAND}`, concurrency "
          f"{args.concurrency}, median of {args.rounds} rounds (Netmiko: one), {cores} CPUs shared by "
          f"client, routers and other work (load average before: {load_before})\n")
    print("| method | wall time | per device | client CPU | router CPU | floor (router CPU / cores) | answers right "
          "| vs Netmiko sequential | notes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, elapsed, cpu, ok, note), routers_used in rows:
        ratio = f"{netmiko / elapsed:.1f}x faster" if netmiko else "-"
        print(f"| {name} | {elapsed:.2f} s | {1000 * elapsed / args.devices:.1f} ms | {cpu:.2f} s | "
              f"{routers_used:.2f} s | {routers_used / cores:.2f} s | {ok}/{args.devices} | {ratio} | {note} |")

    def ratios(slow: str, fast: str) -> str:
        each = sorted(r[slow][0][1] / r[fast][0][1] for r in rounds)
        return f"{statistics.median(each):.2f}x (rounds: {each[0]:.2f}-{each[-1]:.2f}x)"

    print(f"\nparamiko / oob, wall time: script vs CLI {ratios('script', 'cli')}, in-process "
          f"{ratios('pool', 'inproc')}; client CPU, medians: "
          f"{rows[1][0][2] / rows[0][0][2]:.2f}x, {rows[3][0][2] / rows[2][0][2]:.2f}x "
          "(above 1: oob is faster / cheaper)")
    return 0 if all(r[3] == args.devices for r, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
