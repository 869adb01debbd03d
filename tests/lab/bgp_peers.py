"""Real upstream BGP daemons for lab tests: BIRD 2 and FRR bgpd, plus a looking glass.

Each daemon runs from a temporary config on its own random 127.x.y.z address
and a free port, is started and stopped by PID, and is queried with its own
CLI (``birdc`` / ``vtysh``) for what it has in its RIB. Facts these follow
(docs/development.md, "BIRD and FRR as upstreams"): BIRD on loopback needs
``multihop``, ``passive on``, ``strict bind on``; FRR needs ``no bgp
ebgp-requires-policy`` and treats a 127/8 next hop as martian. The drill
issue reuses this module.

:class:`LookingGlass` is a local HTTP server answering RIPEstat's
``/data/looking-glass/data.json`` shape from an upstream's RIB, so the console's
"visible upstream" stage runs against a real HTTP looking glass.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

BIRD = shutil.which("bird") or "/usr/sbin/bird"
BIRDC = shutil.which("birdc") or "/usr/sbin/birdc"
BGPD = "/usr/lib/frr/bgpd"
VTYSH = shutil.which("vtysh") or "/usr/bin/vtysh"


def need(*programs: str) -> None:
    """Skip loudly when a lab daemon is not installed (CI installs them all)."""
    missing = [p for p in programs if not Path(p).exists()]
    if missing:
        pytest.skip(f"LAB DAEMON MISSING: {', '.join(missing)} (run deploy/dev test as root to install bird2/frr)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def loopback_block() -> str:
    """A random 127.a.b. prefix, so parallel runs never share addresses."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}."


@dataclass
class Route:
    prefix: str
    as_path: list[int]
    next_hop: str
    communities: list[str] = field(default_factory=list)
    large_communities: list[str] = field(default_factory=list)


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Upstream:
    """A BGP daemon playing an upstream provider; subclasses know their CLI."""

    name = "upstream"

    def __init__(self, tmp: Path, *, address: str, port: int, neighbor: str, local_as: int, peer_as: int,
                 ipv6: bool = False) -> None:
        self.dir = tmp
        self.ipv6 = ipv6  # also carry IPv6 unicast (over the IPv4 session)
        self.address, self.port, self.neighbor = address, port, neighbor
        self.local_as, self.peer_as = local_as, peer_as
        self.proc: subprocess.Popen[bytes] | None = None
        self.reject: list[str] = []  # prefixes its import policy refuses (BIRD filter, FRR route-map deny)
        self.export = False  # send the console what it learned over BGP (a feed), not nothing
        self.peers: list[tuple[Upstream, int, int, bool]] = []  # (other, our port, its port, passive): link()
        tmp.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def config(self) -> str:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def routes(self) -> dict[str, Route]:
        raise NotImplementedError

    def established(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        (self.dir / "conf").write_text(self.config())
        log = open(self.dir / "daemon.log", "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        log.close()
        _wait(lambda: self.ready() or self.proc is None or self.proc.poll() is not None, 10, f"{self.name} to start")
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited: {(self.dir / 'daemon.log').read_text()[-2000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def wait_established(self, timeout: float = 15) -> None:
        _wait(self.established, timeout, f"{self.name} session to {self.neighbor}")

    def wait_route(self, prefix: str, timeout: float = 10, present: bool = True) -> Route | None:
        found: list[Route | None] = [None]

        def check() -> bool:
            found[0] = self.routes().get(prefix)
            return (found[0] is not None) == present

        _wait(check, timeout, f"{prefix} {'in' if present else 'gone from'} {self.name}'s RIB")
        return found[0]

    def __enter__(self) -> Upstream:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class BirdUpstream(Upstream):
    name = "BIRD"

    @property
    def socket(self) -> Path:
        return self.dir / "bird.ctl"

    def command(self) -> list[str]:
        return [BIRD, "-f", "-c", str(self.dir / "conf"), "-s", str(self.socket), "-P", str(self.dir / "bird.pid")]

    def config(self) -> str:
        ipv6 = "\n  ipv6 { import all; export none; };" if self.ipv6 else ""
        refused = ", ".join(self.reject)
        imports = f"import filter {{ if net ~ [ {refused} ] then reject; accept; }}" if refused else "import all"
        export = "export where source = RTS_BGP" if self.export else "export none"
        links = "".join(f"""protocol bgp peer{i} {{
  local {self.address} port {mine} as {self.local_as};
  neighbor {other.address} port {theirs} as {other.local_as};
  multihop 2; strict bind on;{' passive on;' if passive else ''}
  ipv4 {{ import all; export where source = RTS_BGP; next hop self; }};
}}
""" for i, (other, mine, theirs, passive) in enumerate(self.peers))
        return f"""router id 192.0.2.{random.randint(1, 254)};
protocol device {{}}
protocol static reach {{ ipv4; route 127.0.0.0/8 blackhole; }}
protocol bgp up {{
  local {self.address} port {self.port} as {self.local_as};
  neighbor {self.neighbor} as {self.peer_as};
  multihop 2; passive on; strict bind on;
  ipv4 {{ {imports}; {export}; }};{ipv6}
}}
{links}"""

    def birdc(self, *args: str) -> str:
        out = subprocess.run([BIRDC, "-s", str(self.socket), *args], capture_output=True, text=True, timeout=10,
                             check=False)
        return out.stdout

    def ready(self) -> bool:
        return self.socket.exists() and "ready" in self.birdc("show", "status")

    def established(self) -> bool:
        return "Established" in self.birdc("show", "protocols", "up")

    def routes(self) -> dict[str, Route]:
        out: dict[str, Route] = {}
        current: Route | None = None
        for line in self.birdc("show", "route", "all").splitlines():
            if line and not line[0].isspace() and "/" in line.split()[0]:
                current = Route(line.split()[0], [], "")
                out[current.prefix] = current
            elif current is not None and line.strip().startswith("BGP."):
                key, _, value = line.strip().partition(": ")
                if key == "BGP.as_path":
                    current.as_path = [int(x) for x in value.split()]
                elif key == "BGP.next_hop":
                    current.next_hop = value.split()[0]
                elif key == "BGP.community":
                    current.communities = [p.strip("()").replace(",", ":") for p in value.split()]
                elif key == "BGP.large_community":
                    current.large_communities = [":".join(x.strip() for x in p.strip("()").split(","))
                                                 for p in value.split(") (")]
        return out


class FrrUpstream(Upstream):
    name = "FRR"

    def command(self) -> list[str]:
        return [BGPD, "-f", str(self.dir / "conf"), "-Z", "-S", "-P", "0", "--vty_socket", str(self.dir),
                "-p", str(self.port), "-l", self.address, "-i", str(self.dir / "bgpd.pid")]

    def config(self) -> str:
        n = self.neighbor
        lists = "".join(f"ip prefix-list REFUSED seq {5 * (i + 1)} permit {p}\n" for i, p in enumerate(self.reject))
        maps = ("route-map IN deny 10\n match ip address prefix-list REFUSED\nroute-map IN permit 20\n"
                if self.reject else "")
        policy = f"  neighbor {n} route-map IN in\n" if self.reject else ""
        return f"""hostname upstream-frr
{lists}{maps}router bgp {self.local_as}
 bgp router-id 192.0.2.{random.randint(1, 254)}
 no bgp ebgp-requires-policy
 neighbor {n} remote-as {self.peer_as}
 neighbor {n} passive
 neighbor {n} ebgp-multihop 2
 address-family ipv4 unicast
  neighbor {n} activate
{policy} exit-address-family
"""

    def vtysh(self, command: str) -> str:
        out = subprocess.run([VTYSH, "--vty_socket", str(self.dir), "-c", command], capture_output=True,
                             text=True, timeout=10, check=False)
        return out.stdout

    def ready(self) -> bool:
        return (self.dir / "bgpd.vty").exists() and "BGP router identifier" in self.vtysh("show bgp summary")

    def established(self) -> bool:
        data = json.loads(self.vtysh("show bgp ipv4 unicast summary json") or "{}")
        return any(p.get("state") == "Established" for p in data.get("peers", {}).values())

    def routes(self) -> dict[str, Route]:
        table = json.loads(self.vtysh("show bgp ipv4 unicast json") or "{}").get("routes", {})
        out: dict[str, Route] = {}
        for prefix in table:
            detail = json.loads(self.vtysh(f"show bgp ipv4 unicast {prefix} json") or "{}")
            for path in detail.get("paths", []):
                if path.get("removed"):
                    continue
                out[prefix] = Route(
                    prefix, [int(x) for x in path.get("aspath", {}).get("string", "").split()],
                    path.get("nexthops", [{}])[0].get("ip", ""),
                    path.get("community", {}).get("string", "").split(),
                    path.get("largeCommunity", {}).get("string", "").split())
        return out


def link(a: BirdUpstream, b: BirdUpstream) -> None:
    """An eBGP session between two lab BIRDs (before they start): each passes on what it learned over BGP."""
    port_a, port_b = free_port(a.address), free_port(b.address)
    a.peers.append((b, port_a, port_b, False))  # a connects, b listens
    b.peers.append((a, port_b, port_a, True))


def pair(tmp: Path, kind: type[Upstream] = BirdUpstream, *, local_as: int = 64501,
         console_as: int = 64500, ipv6: bool = False) -> tuple[Upstream, str]:
    """An upstream on a fresh loopback address and free port, and the console's local address."""
    if kind is BirdUpstream:
        need(BIRD, BIRDC)
    else:
        need(BGPD, VTYSH)
    base = loopback_block()
    address, console = base + "2", base + "3"
    up = kind(tmp, address=address, port=free_port(address), neighbor=console, local_as=local_as,
              peer_as=console_as, ipv6=ipv6)
    return up, console


STATICD = "/usr/lib/frr/staticd"


def start_staticd(vty_dir: Path) -> subprocess.Popen[bytes]:
    """FRR's staticd next to a lab router's bgpd, so ``ip route ... blackhole`` is a known command.

    It runs as the ``frr`` user (it refuses root without the vty group), so the
    vty directory is handed to that user; there is no zebra, so it only keeps
    the configuration. Stop it by PID (``terminate``).
    """
    need(STATICD)
    import grp
    import os
    import pwd

    uid, gid = pwd.getpwnam("frr").pw_uid, grp.getgrnam("frr").gr_gid
    os.chown(vty_dir, uid, gid)
    conf = vty_dir / "staticd.conf"
    conf.write_text("")
    os.chown(conf, uid, gid)
    proc = subprocess.Popen([STATICD, "-f", str(conf), "-P", "0", "--vty_socket", str(vty_dir),
                             "-i", str(vty_dir / "staticd.pid"), "-z", str(vty_dir / "no-zebra.api")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(lambda: (vty_dir / "staticd.vty").exists() or proc.poll() is not None, 10, "staticd to start")
    if proc.poll() is not None:
        raise AssertionError("staticd exited at start")
    return proc


class LookingGlass:
    """A RIPEstat-shaped looking glass over one upstream's RIB, on 127.0.0.1:<free port>."""

    def __init__(self, upstream: Upstream, *, collector: str = "LAB00") -> None:
        self.upstream = upstream
        self.collector = collector
        self.requests = 0
        lg = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                lg.requests += 1
                if url.path != "/data/looking-glass/data.json":
                    self.send_error(404)
                    return
                resource = parse_qs(url.query).get("resource", [""])[0]
                body = json.dumps(lg.answer(resource)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, resource: str) -> dict[str, Any]:
        route = self.upstream.routes().get(resource)
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        peers = [] if route is None else [{
            "asn_origin": str(route.as_path[-1]) if route.as_path else "",
            "as_path": " ".join(str(a) for a in [self.upstream.local_as, *route.as_path]),
            "community": " ".join(route.communities), "largeCommunity": "", "extendedCommunity": "",
            "last_updated": now, "prefix": route.prefix, "peer": self.upstream.address, "origin": "IGP",
            "next_hop": route.next_hop, "latest_time": now,
        }]
        return {"status": "ok", "status_code": 200, "data_call_name": "looking-glass",
                "data": {"rrcs": [{"rrc": self.collector, "location": "lab", "peers": peers}] if peers else [],
                         "query_time": now, "latest_time": now}}

    def __enter__(self) -> LookingGlass:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
