"""SSH console benchmark: login -> first paint over loopback, and bytes on the wire.

Run: .venv/bin/python tests/bench/bench_ssh.py [--runs 5] [--console tui] [--marker TEXT]

The real OpenSSH client (software security key, on a real PTY of 80x24) logs in
to ``oob serve`` (in-process, 127.0.0.1) through a byte-counting TCP relay.
"first paint" is the moment the client's terminal shows ``--marker``; then the
quit keys are typed and the session ends. Bytes are counted on the TCP
connection both ways (login + first paint + quit), with and without zlib
compression (``ssh -C``), for a full terminal and for TERM=vt220.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from oob_console.wiring import init_site  # noqa: E402
from tests.lab.oob_server import ServerThread, Store  # noqa: E402
from tests.lab.pty_client import run_on_pty  # noqa: E402
from tests.lab.softsk import SoftDevice, build_provider  # noqa: E402
from tests.lab.sshd import ssh_command  # noqa: E402


@dataclass
class Counter:
    up: int = 0  # client -> server
    down: int = 0  # server -> client


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, counter: Counter, up: bool) -> None:
    try:
        while data := await reader.read(65536):
            if up:
                counter.up += len(data)
            else:
                counter.down += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def start_relay(target_port: int, counters: list[Counter]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        counter = Counter()
        counters.append(counter)
        await asyncio.gather(_pipe(reader, up_writer, counter, True), _pipe(up_reader, writer, counter, False))

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--console", default="tui", help="the oob command the console runs")
    ap.add_argument("--marker", default="", help="text that means the first screen is painted")
    ap.add_argument("--quit", default="q", help="keys that leave the console ('' = it exits by itself)")
    args = ap.parse_args()
    marker = args.marker.encode() or (b"acting as" if args.console == "whoami" else b"oob")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        device = SoftDevice(tmp / "sk", build_provider(tmp))
        key = device.enroll("alice")
        site = tmp / "site"
        init_site(site, name="bench")
        Store(site).add("alice", key)
        server = ServerThread(site, console=(args.console,), line_console=(args.console,)).start()
        counters: list[Counter] = []
        relay = server.call(start_relay(server.port, counters))
        relay_port = relay.sockets[0].getsockname()[1]
        known = tmp / "known_hosts"
        known.write_text(f"[127.0.0.1]:{relay_port} {' '.join(server.host_public)}\n")
        rows = []
        try:
            for term in ("xterm-256color", "vt220"):
                for compress in (False, True):
                    extra = ("-tt", "-C") if compress else ("-tt", "-o", "Compression=no")
                    cmd = ssh_command(relay_port, known, user="oob", identity=key.private,
                                      provider=device.provider, extra=extra)
                    env = device.env()
                    env.pop("SSH_AUTH_SOCK", None)
                    env["TERM"] = term
                    times, bytes_up, bytes_down, clean = [], [], [], 0
                    for _ in range(args.runs):
                        before = len(counters)
                        run = run_on_pty(cmd, env, marker=marker, keys=args.quit.encode())
                        t, ok = run.first_paint, run.exit_status == 0
                        time.sleep(0.2)
                        c = counters[before] if len(counters) > before else Counter()
                        times.append(t)
                        bytes_up.append(c.up)
                        bytes_down.append(c.down)
                        clean += ok
                    rows.append((term, "zlib" if compress else "none", statistics.median(times), max(times),
                                 statistics.median(bytes_up), statistics.median(bytes_down), clean))
        finally:
            relay.close()
            server.stop()
    print(f"console: oob {args.console}; {args.runs} runs each; loopback, 80x24; median (max)")
    print(f"{'TERM':<15} {'compression':<11} {'login->first paint':>19} {'bytes up':>9} {'bytes down':>11} "
          f"{'total':>8}  clean exits")
    for term, comp, med, worst, up, down, clean in rows:
        print(f"{term:<15} {comp:<11} {med * 1000:>9.0f} ms ({worst * 1000:.0f}) {up:>9.0f} {down:>11.0f} "
              f"{up + down:>8.0f}  {clean}/{args.runs}")


if __name__ == "__main__":
    main()
