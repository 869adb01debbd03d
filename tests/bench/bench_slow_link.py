"""Benchmark: one device over an emulated LTE-like link (default 300 ms RTT, 1 Mbit/s), per SSH engine.

Login (TCP + key exchange + authentication) and one `show` command, median of
--rounds, through tests/lab/slow_link.py to a real sshd + FRR vtysh. This is
where login round trips show. Stock asyncssh asks the server which methods it
accepts ("none") and whether the key is acceptable before signing; paramiko
signs at once. Our asyncssh engine signs at once too
(oob_console/adapters/ssh/asyncssh_auth.py); the stock order is measured in
the same run for comparison.

Run: .venv/bin/python tests/bench/bench_slow_link.py [--delay 0.150] [--rate 125000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from oob_console.adapters.ssh import SshEngines  # noqa: E402
from oob_console.core.devices.hostkeys import HostKey  # noqa: E402
from oob_console.services.devices.ports import SshTarget  # noqa: E402
from tests.lab.routers import RouterLab, lab_unavailable  # noqa: E402
from tests.lab.slow_link import SlowLink  # noqa: E402


async def once(engine_name: str, target: SshTarget) -> tuple[float, float]:
    if engine_name == "stock":  # asyncssh as shipped: none, then publickey without and with a signature
        with stock_asyncssh_login():
            return await once("asyncssh", target)
    engine = SshEngines()[engine_name]
    started = time.perf_counter()
    session = await engine.connect(target)
    logged_in = time.perf_counter()
    result = await session.exec("show version", timeout=60)
    done = time.perf_counter()
    await session.close()
    assert "FRRouting" in result.stdout
    return logged_in - started, done - logged_in


@contextlib.contextmanager
def stock_asyncssh_login() -> Iterator[None]:
    import asyncssh.auth

    handlers = asyncssh.auth._client_auth_handlers
    ours = handlers[b"none"]
    handlers[b"none"] = asyncssh.auth._ClientNullAuth
    try:
        yield
    finally:
        handlers[b"none"] = ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.150, help="one-way delay, seconds")
    parser.add_argument("--rate", type=float, default=125_000, help="bytes per second each way")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    reason = lab_unavailable()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    rows = []
    with RouterLab(Path(tempfile.mkdtemp(prefix="oob-bench-"))) as lab:
        router = lab.router("r1")
        with SlowLink("127.0.0.1", router.port, delay=args.delay, rate=args.rate) as link:
            target = SshTarget("r1", "127.0.0.1", link.port, router.username,
                               (HostKey.parse(router.host_key_line),), 60, str(router.client_key))
            for label, name in (("asyncssh (oob)", "asyncssh"), ("paramiko", "paramiko"),
                                ("asyncssh, stock login order", "stock")):
                runs = [asyncio.run(once(name, target)) for _ in range(args.rounds)]
                rows.append((label, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)))
    print(f"\none device through a link of {2 * 1000 * args.delay:.0f} ms RTT, {8 * args.rate / 1000:.0f} kbit/s, "
          f"median of {args.rounds}\n")
    print("| engine | login | one `show` | total |")
    print("|---|---|---|---|")
    for name, login, command in rows:
        print(f"| {name} | {login:.2f} s | {command:.2f} s | {login + command:.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
