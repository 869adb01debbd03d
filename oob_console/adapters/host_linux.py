"""Reads the live host for doctor: ``ip route get``, resolv.conf (and a local stub's upstreams), /etc/hosts,
mounts, proxies, NTP config, sshd's ListenAddress, the serial gettys.

Every configuration file is read below a root directory (``/`` unless
``root`` says otherwise: ``oob doctor --root DIR`` or ``OOB_DOCTOR_ROOT``, so
tests never read the real /etc); the kernel's own answers (``ip``,
/proc/self/mountinfo) always come from the live host. Nothing here judges;
it reports what it found, and what it could not read is kept in
``problems()`` instead of raised, so one unreadable file does not hide the rest of the
report. Names are resolved with the system resolver in a worker thread,
bounded by a timeout (``getaddrinfo`` has none of its own).
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

from oob_console.adapters.files_deadline import locate, mount_table
from oob_console.core.counting import counted
from oob_console.core.doctor import Getty, Mount, Route
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
TIMESYNCD_DIR = Path("/etc/systemd/timesyncd.conf.d")
RESOLVED_CONF = Path("/etc/systemd/resolved.conf")
RESOLVED_DIR = Path("/etc/systemd/resolved.conf.d")
DNSMASQ = (Path("/etc/dnsmasq.conf"), Path("/etc/dnsmasq.d"))
UNBOUND = (Path("/etc/unbound/unbound.conf"), Path("/etc/unbound/unbound.conf.d"))
SSHD = (Path("/etc/ssh/sshd_config"), Path("/etc/ssh/sshd_config.d"))
SYSTEMD_UNIT_DIRS = (Path("/lib/systemd/system"), Path("/usr/lib/systemd/system"), Path("/run/systemd/system"),
                     Path("/etc/systemd/system"))  # lowest priority first
GETTY_WANTS = (Path("/etc/systemd/system/getty.target.wants"), Path("/run/systemd/generator/getty.target.wants"))
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


def _address_only(text: str) -> str:
    """``1.2.3.4#53``, ``1.2.3.4@53``, ``[::1]:53``, ``1.2.3.4%eth0`` -> the address ("" if none)."""
    text = text.strip().strip(",")
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    for sep in ("#", "@", "%"):
        text = text.partition(sep)[0]
    if text.count(":") == 1:  # v4:port (systemd-resolved's DNS=1.2.3.4:53)
        text = text.partition(":")[0]
    return text if _is_ip(text) else ""


def parse_resolved(text: str) -> list[str]:
    """``DNS=`` (and ``FallbackDNS=``) of systemd-resolved's resolved.conf."""
    out = []
    for line in text.splitlines():
        m = re.fullmatch(r"\s*(?:Fallback)?DNS\s*=\s*(.*)", line)  # comments are whole lines: "#" in DNS= is SNI
        if m:
            out += [a for a in (_address_only(w) for w in m.group(1).split()) if a]
    return out


def parse_dnsmasq(text: str) -> tuple[list[str], bool, str]:
    """dnsmasq's ``server=``/``rev-server=`` addresses, whether ``no-resolv`` is set, and ``resolv-file``."""
    out, no_resolv, resolv_file = [], False, ""
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        key, _, value = line.partition("=")
        key = key.strip()
        if key in ("server", "rev-server", "local"):
            value = value.strip()
            if value.startswith("/"):  # server=/domain/addr
                value = value.rsplit("/", 1)[1]
            if key == "rev-server":
                value = value.partition(",")[2]
            addr = _address_only(value)
            if addr:
                out.append(addr)
        elif key == "no-resolv":
            no_resolv = True
        elif key == "resolv-file":
            resolv_file = value.strip()
    return out, no_resolv, resolv_file


def parse_unbound(text: str) -> tuple[list[str], bool]:
    """unbound's ``forward-addr``/``stub-addr`` addresses, and whether any forward/stub zone exists."""
    out, zones = [], False
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(("forward-zone:", "stub-zone:")):
            zones = True
        m = re.match(r"(?:forward|stub)-addr:\s*(\S+)", line)
        if m:
            addr = _address_only(m.group(1).strip('"'))
            if addr:
                out.append(addr)
    return out, zones


def parse_sshd(text: str) -> tuple[list[str], list[int], bool]:
    """sshd's global ``ListenAddress`` and ``Port`` values, and whether it hands logins to ``oob ssh-entry``."""
    listen, ports, oob = [], [], False
    in_match = False
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        key = words[0].lower()
        if key == "match":
            in_match = True
        elif key == "forcecommand" and any(w.endswith("oob") for w in words[1:]) and "ssh-entry" in words:
            oob = True
        elif key == "listenaddress" and not in_match and len(words) > 1:
            listen.append(words[1])
        elif key == "port" and not in_match and len(words) > 1 and words[1].isdigit():
            ports.append(int(words[1]))
    return listen, ports, oob


def split_listen(value: str, ports: list[int]) -> list[tuple[str, int]]:
    """``addr``, ``addr:port``, ``[v6]:port``, ``v6`` -> (address, port) pairs (ports: sshd's Port lines)."""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return [(host, int(rest[1:]))] if rest.startswith(":") and rest[1:].isdigit() else [(host, p) for p in ports]
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return [(host, int(port))] if port.isdigit() else [(host, p) for p in ports]
    return [(value, p) for p in ports]


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

    def __init__(self, *, root: Path = Path("/"), resolv_conf: Path | None = None, hosts: Path | None = None,
                 mountinfo: Path = MOUNTINFO, environ: dict[str, str] | None = None) -> None:
        self.root = root
        self.resolv_conf = resolv_conf or self.at(RESOLV_CONF)
        self.hosts = hosts or self.at(HOSTS)
        self.mountinfo = mountinfo
        self.environ = dict(os.environ) if environ is None else environ
        self._problems: list[str] = []
        self._ip = shutil.which("ip") or "/usr/sbin/ip"
        self._ntp_files: list[str] = []

    def at(self, path: Path) -> Path:
        """A host configuration path below the root override."""
        return self.root / path.relative_to("/")

    def _files(self, file: Path, folder: Path | None = None, suffixes: tuple[str, ...] = (".conf",)) -> list[Path]:
        out = [self.at(file)] if self.at(file).is_file() else []
        if folder is not None and self.at(folder).is_dir():
            out += sorted(p for p in self.at(folder).iterdir() if p.suffix in suffixes or not suffixes)
        return out

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
        """resolv.conf's servers; a local stub (127.0.0.53, dnsmasq, unbound on loopback) is followed to the
        upstreams it forwards to, as configured for systemd-resolved, dnsmasq and unbound."""
        servers = parse_nameservers(self._read(self.resolv_conf))
        local = [s for s in servers if _is_ip(s) and ipaddress.ip_address(s).is_loopback]
        if not local:
            return servers, str(self.resolv_conf)
        found: list[str] = []
        sources: list[str] = []

        def take(addresses: list[str], source: Path) -> None:
            fresh = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
            if fresh:
                found.extend(fresh)
                sources.append(str(source))

        take(parse_nameservers(self._read(self.at(RESOLVED_UPSTREAM), quiet_missing=True)), self.at(RESOLVED_UPSTREAM))
        for f in self._files(RESOLVED_CONF, RESOLVED_DIR):
            take(parse_resolved(self._read(f)), f)
        for f in self._files(*DNSMASQ, suffixes=()):
            addresses, _no_resolv, resolv_file = parse_dnsmasq(self._read(f))
            take(addresses, f)
            if resolv_file:
                target = self.at(Path(resolv_file)) if resolv_file.startswith("/") else f.parent / resolv_file
                take(parse_nameservers(self._read(target)), target)
        unbound_recurses = False
        for f in self._files(*UNBOUND):
            addresses, zones = parse_unbound(self._read(f))
            take(addresses, f)
            unbound_recurses |= not zones
        non_local = [s for s in servers if s not in local]
        if found:
            via = ", ".join(dict.fromkeys(sources))
            return list(dict.fromkeys(non_local + found)), f"{via} (upstreams of the local stub in {self.resolv_conf})"
        if unbound_recurses:
            self._problems.append(f"{self.resolv_conf} points at a local stub ({', '.join(local)}); unbound has no "
                                  "forward-zone, so it asks the root servers over the default route")
        else:
            self._problems.append(f"{self.resolv_conf} points at a local stub ({', '.join(local)}) whose upstreams "
                                  "were not found (systemd-resolved, dnsmasq and unbound configuration looked at)")
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
        """Located without touching a network or FUSE mount (see :func:`files_deadline.locate`)."""
        if not hasattr(self, "_table"):
            self._table = mount_table(self.mountinfo)
            if not self._table:
                self._problems.append(f"cannot read the mount table {self.mountinfo}")
        loc = locate(path, self._table)
        shown = str(path) if loc.path == str(path) else f"{path} -> {loc.path}"
        return Mount("", shown, loc.mount.point, loc.mount.fstype, loc.mount.source, automount=loc.automount)

    def addresses(self) -> dict[str, tuple[str, ...]]:
        """This host's addresses and the interfaces holding each (``ip -j addr``)."""
        data, error = self._ip_json("addr", "show")
        if error:
            self._problems.append(f"ip addr show: {error}")
            return {}
        out: dict[str, list[str]] = {}
        for link in data or []:
            for a in link.get("addr_info", []):
                if a.get("local"):
                    out.setdefault(a["local"], []).append(link.get("ifname", "?"))
        return {k: tuple(v) for k, v in out.items()}

    def sshd_listen(self) -> list[tuple[str, int, str]]:
        """(address, port, file) sshd listens on, when its config hands logins to ``oob ssh-entry``."""
        files = self._files(*SSHD)
        listen: list[tuple[str, str]] = []
        ports: list[int] = []
        oob = False
        for f in files:
            addrs, found_ports, uses_oob = parse_sshd(self._read(f))
            listen += [(a, str(f)) for a in addrs]
            ports = ports or found_ports  # sshd: the first value of a keyword wins
            oob |= uses_oob
        if not oob:
            return []
        ports = ports or [22]
        if not listen:
            where = str(files[0]) if files else str(self.at(SSHD[0]))
            return [("0.0.0.0", p, where) for p in ports] + [("::", p, where) for p in ports]  # noqa: S104
        return [(a, p, f) for value, f in listen for a, p in split_listen(value, ports)]

    def getty(self, tty: str) -> Getty:
        """Whether ``serial-getty@TTY`` is enabled, and the ExecStart systemd would run for it."""
        unit = f"serial-getty@{tty}.service"
        enabled = any((self.at(d) / unit).exists() for d in GETTY_WANTS)
        files: list[Path] = []
        for d in SYSTEMD_UNIT_DIRS:
            base = self.at(d) / "serial-getty@.service"
            if base.is_file():
                files = [base]  # a unit file higher up replaces the lower one
        for d in SYSTEMD_UNIT_DIRS:
            for drop in ("serial-getty@.service.d", f"{unit}.d"):
                folder = self.at(d) / drop
                if folder.is_dir():
                    files += sorted(p for p in folder.iterdir() if p.suffix == ".conf")
        exec_start, source = "", ""
        for f in files:
            for line in self._read(f).splitlines():
                m = re.fullmatch(r"\s*ExecStart\s*=\s*(.*?)\s*", line)
                if m:
                    exec_start, source = m.group(1).lstrip("-@+!:").replace("%I", tty).replace("%i", tty), str(f)
        return Getty(tty, enabled, exec_start, source or f"no {unit} unit found below {self.root}")

    def mtime(self, path: Path) -> tuple[float | None, str]:
        if not hasattr(self, "_table"):
            self._table = mount_table(self.mountinfo)
        loc = locate(path, self._table)
        if loc.risky:  # a dead mount would hang doctor: its files are judged under "filesystems"
            return None, f"not looked at: it is on {loc.describe()}"
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
        files = [self.at(f) for f in NTP_FILES if self.at(f).exists()]
        for d in NTP_DIRS:
            if self.at(d).is_dir():
                files += sorted(p for p in self.at(d).iterdir() if p.suffix in (".conf", ".sources"))
        files += self._files(TIMESYNCD, TIMESYNCD_DIR)
        for f in files:
            out += parse_ntp(self._read(f))
        self._ntp_files = [str(f) for f in files]
        return list(dict.fromkeys(out))

    def time_sources(self) -> list[str]:
        """The time-source configuration files :meth:`ntp_servers` read."""
        return list(self._ntp_files)


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
