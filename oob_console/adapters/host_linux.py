"""Reads the live host for doctor: ``ip route get``, resolv.conf, /etc/hosts, mounts, proxies, NTP config.

Nothing here judges; it reports what it found, and what it could not read is
kept in ``problems()`` instead of raised, so one unreadable file does not hide
the rest of the report. Names are resolved with the system resolver in a
worker thread, bounded by a timeout (``getaddrinfo`` has none of its own).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from oob_console.core.counting import counted
from oob_console.core.doctor import Mount, Route
from oob_console.errors import DeadlineError, UnavailableError
from oob_console.services.doctor.ports import Resolution

RESOLV_CONF = Path("/etc/resolv.conf")
RESOLVED_UPSTREAM = Path("/run/systemd/resolve/resolv.conf")  # systemd-resolved's real upstreams
HOSTS = Path("/etc/hosts")
MOUNTINFO = Path("/proc/self/mountinfo")
NTP_FILES = (Path("/etc/chrony/chrony.conf"), Path("/etc/chrony.conf"), Path("/etc/ntp.conf"),
             Path("/etc/ntpsec/ntp.conf"), Path("/etc/openntpd/ntpd.conf"))
NTP_DIRS = (Path("/etc/chrony/sources.d"), Path("/etc/chrony/conf.d"))
TIMESYNCD = Path("/etc/systemd/timesyncd.conf")
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
              "FTP_PROXY")
IP_TIMEOUT = 5.0
MAX_WALK = 10_000  # files looked at for a directory's newest change


def parse_nameservers(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            out.append(parts[1].split("%", 1)[0])
    return out


def parse_hosts(text: str) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        for name in parts[1:]:
            names.setdefault(name.lower(), []).append(parts[0])
    return names


def parse_ntp(text: str) -> list[str]:
    """``server``/``pool``/``peer`` lines (chrony, ntpd, openntpd) and ``NTP=``/``FallbackNTP=`` (timesyncd)."""
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("server", "pool", "peer", "servers"):
            out.append(parts[1])
        m = re.fullmatch(r"(?:Fallback)?NTP\s*=\s*(.*)", line)
        if m:
            out += m.group(1).split()
    return out


def _unescape(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[tuple[str, str, str]]:
    """(mount point, fstype, source) per line of /proc/self/mountinfo."""
    out = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if sep and len(fields) >= 5 and len(tail) >= 2:
            out.append((_unescape(fields[4]), tail[0], _unescape(tail[1])))
    return out


def route_from_json(address: str, data: Any) -> Route:
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return Route(address, error="no route in the answer of ip route get")
    r = data[0]
    kind = r.get("type", "unicast")
    if kind in ("unreachable", "blackhole", "prohibit", "throw"):
        return Route(address, dev=r.get("dev", ""), error=f"{kind} route")
    return Route(address, dev=r.get("dev", ""), gateway=r.get("gateway", ""), prefsrc=r.get("prefsrc", ""),
                 local=kind == "local")


class HostProbe:
    """The live host. Paths are parameters so tests can point them at fixtures."""

    def __init__(self, *, resolv_conf: Path = RESOLV_CONF, hosts: Path = HOSTS, mountinfo: Path = MOUNTINFO,
                 environ: dict[str, str] | None = None) -> None:
        self.resolv_conf = resolv_conf
        self.hosts = hosts
        self.mountinfo = mountinfo
        self.environ = dict(os.environ) if environ is None else environ
        self._problems: list[str] = []
        self._ip = shutil.which("ip") or "/usr/sbin/ip"

    def problems(self) -> list[str]:
        return list(dict.fromkeys(self._problems))

    def _read(self, path: Path, *, quiet_missing: bool = False) -> str:
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            if not quiet_missing:
                self._problems.append(f"{path} does not exist")
        except OSError as exc:
            self._problems.append(f"cannot read {path}: {exc.strerror}")
        return ""

    def resolvers(self) -> tuple[list[str], str]:
        servers = parse_nameservers(self._read(self.resolv_conf))
        if servers and all(ipaddress.ip_address(s).is_loopback for s in servers if _is_ip(s)):
            upstream = parse_nameservers(self._read(RESOLVED_UPSTREAM, quiet_missing=True))
            if upstream:
                return upstream, f"{RESOLVED_UPSTREAM} (behind the local stub in {self.resolv_conf})"
        return servers, str(self.resolv_conf)

    def _ip_json(self, *args: str) -> tuple[Any, str]:
        try:
            out = subprocess.run([self._ip, "-j", *args], capture_output=True, text=True,  # noqa: S603
                                 timeout=IP_TIMEOUT, check=False)
        except FileNotFoundError:
            return None, "the ip command (iproute2) is not installed"
        except subprocess.TimeoutExpired:
            return None, f"ip {' '.join(args)} did not answer in {IP_TIMEOUT:.0f}s"
        if out.returncode != 0:
            return None, out.stderr.strip().removeprefix("RTNETLINK answers: ") or f"ip exit {out.returncode}"
        try:
            return json.loads(out.stdout or "[]"), ""
        except ValueError:
            return None, "ip printed no JSON"

    def route(self, address: str) -> Route:
        data, error = self._ip_json("route", "get", address)
        return Route(address, error=error) if error else route_from_json(address, data)

    def default_routes(self) -> list[Route]:
        out = []
        for family in ("-4", "-6"):
            data, error = self._ip_json(family, "route", "show", "default")
            if error:
                self._problems.append(f"ip {family} route show default: {error}")
                continue
            for r in data or []:
                out.append(Route("default", dev=r.get("dev", ""), gateway=r.get("gateway", ""),
                                 prefsrc=r.get("prefsrc", "")))
        return out

    def resolve(self, host: str, timeout: float) -> Resolution:
        if _is_ip(host):
            return Resolution((host,), via_dns=False)
        pinned = parse_hosts(self._read(self.hosts, quiet_missing=True)).get(host.lower())
        if pinned:
            return Resolution(tuple(pinned), via_dns=False)
        pool = ThreadPoolExecutor(max_workers=1)
        future = pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=timeout)
        except FutureTimeout:
            return Resolution((), via_dns=True, error=f"no answer in {timeout:g}s")
        except (socket.gaierror, UnicodeError) as exc:
            return Resolution((), via_dns=True, error=str(exc))
        finally:
            pool.shutdown(wait=False)  # a hung lookup must not hold doctor up
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        return Resolution(addresses, via_dns=True)

    def proxies(self) -> list[tuple[str, str, int]]:
        out = []
        for var in PROXY_VARS:
            value = self.environ.get(var, "").strip()
            if not value:
                continue
            parts = urlsplit(value if "://" in value else f"http://{value}")
            try:
                port = parts.port or 0
            except ValueError:
                port = 0
            if parts.hostname:  # never the user:password part
                out.append((var, parts.hostname, port))
        return out

    def mount_of(self, path: Path) -> Mount:
        target = path.resolve()  # a path not created yet lands on the mount of its longest existing prefix
        best = ("/", "unknown", "unknown")
        for point, fstype, source in parse_mountinfo(self._read(self.mountinfo)):
            if (target == Path(point) or Path(point) in target.parents) and len(point) >= len(best[0]):
                best = (point, fstype, source)
        return Mount("", str(path), best[0], best[1], best[2])

    def mtime(self, path: Path) -> tuple[float | None, str]:
        try:
            st = path.stat()
        except FileNotFoundError:
            return None, ""
        except OSError as exc:
            self._problems.append(f"cannot stat {path}: {exc.strerror}")
            return None, ""
        if not path.is_dir():
            return st.st_mtime, ""
        newest, count = None, 0
        for root, _dirs, files in os.walk(path):
            for name in files:
                count += 1
                try:
                    m = os.stat(os.path.join(root, name)).st_mtime
                except OSError:
                    continue
                newest = m if newest is None else max(newest, m)
                if count >= MAX_WALK:
                    return newest, f"newest of the first {counted(count, 'file')}"
        return newest, f"newest of {counted(count, 'file')}" if count else "empty"

    def ntp_servers(self) -> list[str]:
        out: list[str] = []
        files = [f for f in NTP_FILES if f.exists()]
        for d in NTP_DIRS:
            if d.is_dir():
                files += sorted(p for p in d.iterdir() if p.suffix in (".conf", ".sources"))
        if TIMESYNCD.exists():
            files.append(TIMESYNCD)
        for f in files:
            out += parse_ntp(self._read(f))
        return list(dict.fromkeys(out))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class TcpProbe:
    """A TCP connect with a timeout: the uplink step of the drill."""

    def connect(self, host: str, port: int, timeout: float) -> float:
        start = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return time.monotonic() - start
        except TimeoutError as exc:
            raise DeadlineError(f"no answer from {host}:{port} in {timeout:g}s", where=f"{host}:{port}") from exc
        except OSError as exc:
            raise UnavailableError(f"cannot connect to {host}:{port}: {exc.strerror or exc}",
                                   where=f"{host}:{port}") from exc
