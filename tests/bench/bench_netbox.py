"""NetBox import benchmark: 5,000 devices and 100,000 cabled interfaces from the local NetBox-shaped server.

Run: .venv/bin/python -m tests.bench.bench_netbox [--devices 5000] [--interfaces 20] [--runs 1]

The server (:mod:`tests.lab.netbox_api`) pages at 1,000 objects (NetBox's
default MAX_PAGE_SIZE) and speaks NetBox 4's wire format, patch-panel cable
paths included. The import is the real CLI (``oob inventory import netbox
--dry-run --json``) in a child process: wall time, requests it made (counted
by the server) and the child's peak RSS. Two runs side by side: the whole
NetBox, and one site of ten (``--filter site=s0``), which shows what scoping
the component queries to the selected devices buys. Noisy on a shared 2-core
machine: read ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.lab.netbox_api import TOKEN, NetBoxApi, serve_netbox


def dataset(devices: int, per_device: int) -> dict[str, list[dict[str, Any]]]:
    servers = max(1, devices // 50)
    devs, ports, ifaces = [], [], []
    for i in range(1, devices + 1):
        console_server = i <= servers
        devs.append({"id": i, "name": f"d{i}", "platform": {"slug": "opengear" if console_server else "arista-eos"},
                     "primary_ip": {"address": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}/32"},
                     "site": {"slug": f"s{i % 10}"}, "role": {"slug": "console" if console_server else "leaf"},
                     "tags": [], "status": {"value": "active"}})
        if not console_server:
            cs = 1 + i % servers
            far = {"id": 100000 + i, "name": f"port{i}", "device": {"id": cs, "name": f"d{cs}"}}
            ports.append({"id": i, "name": "Console", "device": {"id": i, "name": f"d{i}"},
                          "link_peers_type": "dcim.frontport", "link_peers": [{"id": 1, "name": "fp1"}],
                          "connected_endpoints": [far], "connected_endpoints_reachable": True})
        for n in range(per_device):
            peer = 1 + (i + n) % devices
            far = {"id": peer * 100 + n, "name": f"Ethernet{n}", "device": {"id": peer, "name": f"d{peer}"}}
            ifaces.append({"id": i * 100 + n, "name": f"Ethernet{n}", "device": {"id": i, "name": f"d{i}"},
                           "tags": [], "lag": None, "link_peers_type": "dcim.interface", "link_peers": [far],
                           "connected_endpoints": [far], "connected_endpoints_reachable": True})
    return {"dcim/devices": devs, "dcim/console-ports": ports, "dcim/interfaces": ifaces}


def one_import(url: str, site: Path, token: Path, extra: list[str]) -> tuple[float, int, float, int]:
    """(seconds, requests, peak RSS MiB, devices imported) of one CLI import."""
    NetBoxApi.requests = []
    env = {**os.environ, "OOB_HOME": str(site)}
    # VmHWM, not ru_maxrss: Linux carries the forking parent's peak (the benchmark holding the whole
    # data set) into the child's ru_maxrss across exec
    cmd = [sys.executable, "-c",
           "import sys, runpy; sys.argv = ['oob'] + sys.argv[1:]\n"
           "try:\n    runpy.run_module('oob_console', run_name='__main__')\n"
           "finally:\n    print('RSS', next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')),"
           " file=sys.stderr)",
           "inventory", "import", "netbox", "--url", url, "--token-file", str(token), "--dry-run", "--json", *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"import failed: {proc.stderr[-2000:]}")
    rss_kib = int(next(line.split()[1] for line in proc.stderr.splitlines() if line.startswith("RSS ")))
    added = len(json.loads(proc.stdout)["result"]["added"])
    return seconds, len(NetBoxApi.requests), rss_kib / 1024, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=5000)
    parser.add_argument("--interfaces", type=int, default=20, help="cabled interfaces per device")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from oob_console.wiring import init_site

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        init_site(tmp / "site", name="bench")
        token = tmp / "token"
        token.write_text(TOKEN)
        token.chmod(0o600)
        data = dataset(args.devices, args.interfaces)
        with serve_netbox(data=data, max_page=1000) as url:
            rows = []
            for label, extra in (("whole NetBox", []), ("--filter site=s0", ["--filter", "site=s0"])):
                runs = [one_import(url, tmp / "site", token, extra) for _ in range(args.runs)]
                rows.append((label, statistics.median(r[0] for r in runs), runs[0][1],
                             statistics.median(r[2] for r in runs), runs[0][3]))
    print(f"NetBox import, {args.devices} devices, {args.devices * args.interfaces} cabled interfaces, "
          f"page size 1000, median of {args.runs} run(s):")
    print(f"{'scope':<20} {'wall s':>8} {'requests':>9} {'peak RSS MiB':>13} {'devices':>8}")
    for label, secs, reqs, rss, added in rows:
        print(f"{label:<20} {secs:8.2f} {reqs:9d} {rss:13.1f} {added:8d}")
    print(f"ratio whole/filtered wall time: {rows[0][1] / rows[1][1]:.1f}x")


if __name__ == "__main__":
    main()
