"""ExaBGP as a managed subprocess: our own BGP speaker toward the upstreams.

Facts this module is built on (ExaBGP 5.0.15, measured; docs/development.md, "ExaBGP"):

- We use the ``process`` API with ``encoder json``: neighbour state changes come
  as JSON messages (``{"type": "state", "neighbor": {"address": {"peer": ...},
  "state": "up|connected|down", "reason": ...}}``), not text to pattern-match.
  Acks stay ``done``/``error`` (ExaBGP 5 never acks in JSON), and ``show adj-rib
  out`` is read as text: its JSON form (v1) re-sends the whole table after each
  route. ExaBGP runs a helper (our
  :mod:`exabgp_bridge`) and reads commands from its stdout, writing
  acknowledgements and session events to its stdin. The bridge relays both ways
  to a Unix socket we listen on. A reader thread drains that socket all the
  time, so ExaBGP's blocking write to the helper never stalls on a full pipe.
- Every command is acknowledged with ``done`` or ``error`` 1-2 ms later, but
  acks of pipelined commands can come back out of order (an unparsable
  command's ``error`` overtakes an earlier ``done``), so we send one command and
  wait for its ack before the next. ``done`` only means *parsed*: the stage
  "advertised" needs the session up and the route in the adj-RIB-out.
- Run as root ExaBGP drops to ``nobody`` unless ``exabgp.daemon.user`` is set;
  we set it to our own user. We turn the named-pipe CLI off (5.x does not
  create the pipes). When ExaBGP exits every route it announced is withdrawn,
  which is why the supervisor re-applies the journal to every new process.
- A session named as another upstream's feed gets ``receive { parsed; update; }``:
  ExaBGP sends each received UPDATE as JSON (``"type": "update"``, the AS path
  as ``{"0": {"element": "as-sequence", "value": [...]}}``, NLRIs under
  ``announce.{family}.{next hop}`` and ``withdraw.{family}``). We keep only the
  prefixes inside our owned blocks, so a full table costs parsing, not memory;
  a session going down forgets what it received.
- ExaBGP dies with us (``PR_SET_PDEATHSIG``), even after ``kill -9``, so a
  restarted console never finds a stale speaker holding sessions.
"""

from __future__ import annotations

import ctypes
import ipaddress
import json
import os
import pwd
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from oob_console.core.bgp.desired import Change, Key
from oob_console.core.bgp.intent import as_path, community_value
from oob_console.core.bgp.stages import Stage
from oob_console.errors import DeadlineError, UnavailableError
from oob_console.services.bgp.ports import FeedRoutes, SessionInfo

_STATE = re.compile(r"neighbor (\S+) (up|connected|down)(?: - (.*))?")
_PR_SET_PDEATHSIG = 1
_BRIDGE = Path(__file__).with_name("exabgp_bridge.py")
try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)  # resolved before any fork
except OSError:  # not Linux/glibc: no parent-death signal
    _LIBC = None


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass(frozen=True)
class Neighbor:
    """One ExaBGP session toward one upstream."""

    upstream: str
    peer_address: str
    peer_as: int
    local_address: str
    port: int = 179
    families: tuple[str, ...] = ("ipv4",)
    hold_time: int = 90
    md5_password: str | None = field(default=None, repr=False)
    receive: bool = False  # another upstream's feed: watch the routes this session receives


def find_exabgp(configured: str = "") -> str | None:
    """The exabgp program: as configured, next to this Python (a venv), or on PATH."""
    if configured:
        return configured
    beside = Path(sys.executable).parent / "exabgp"
    return str(beside) if beside.exists() else shutil.which("exabgp")


def state_event(line: str) -> tuple[str, str, str] | None:
    """(peer, state, reason) of one of ExaBGP's JSON neighbour state messages, else None."""
    try:
        msg = json.loads(line)
    except ValueError:
        return None
    neighbor = msg.get("neighbor") if isinstance(msg, dict) and msg.get("type") == "state" else None
    if not isinstance(neighbor, dict):
        return None
    address = neighbor.get("address")
    peer = address.get("peer") if isinstance(address, dict) else None
    state = neighbor.get("state")
    if not isinstance(peer, str) or state not in ("up", "connected", "down"):
        return None
    reason = neighbor.get("reason", "")
    return peer, state, reason if isinstance(reason, str) else str(reason)


def _as_path(value: object) -> tuple[int, ...]:
    """ExaBGP's JSON AS path (segments keyed by position, or a plain list) as one sequence of ASes."""
    if isinstance(value, list):
        return tuple(int(a) for a in value if isinstance(a, int) or (isinstance(a, str) and a.isdigit()))
    if not isinstance(value, dict):
        return ()
    out: list[int] = []
    for key in sorted(value, key=lambda k: int(k) if str(k).isdigit() else 0):
        segment = value[key]
        if isinstance(segment, dict):
            out += _as_path(segment.get("value", []))
    return tuple(out)


def _nlri(item: object) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and isinstance(item.get("nlri"), str):
        return str(item["nlri"])
    return None


def update_event(line: str) -> tuple[str, list[tuple[str, tuple[int, ...]]], list[str]] | None:
    """(peer, [(prefix, AS path)] announced, [prefix] withdrawn) of a received UPDATE in JSON, else None."""
    try:
        msg = json.loads(line)
    except ValueError:
        return None
    neighbor = msg.get("neighbor") if isinstance(msg, dict) and msg.get("type") == "update" else None
    if not isinstance(neighbor, dict) or neighbor.get("direction", "receive") != "receive":
        return None
    address = neighbor.get("address")
    peer = address.get("peer") if isinstance(address, dict) else None
    update = (neighbor.get("message") or {}).get("update") if isinstance(neighbor.get("message"), dict) else None
    if not isinstance(peer, str) or not isinstance(update, dict):
        return None  # an End-of-RIB, or not an UPDATE
    attributes = update.get("attribute")
    path = _as_path(attributes.get("as-path", []) if isinstance(attributes, dict) else [])
    announced: list[tuple[str, tuple[int, ...]]] = []
    for by_hop in (update.get("announce") or {}).values():
        for items in by_hop.values() if isinstance(by_hop, dict) else ():
            announced += [(p, path) for p in map(_nlri, items if isinstance(items, list) else []) if p]
    withdrawn: list[str] = []
    for items in (update.get("withdraw") or {}).values():
        withdrawn += [p for p in map(_nlri, items if isinstance(items, list) else []) if p]
    return peer, announced, withdrawn


def render_config(neighbors: Sequence[Neighbor], *, local_as: int, router_id: str, helper: Sequence[str]) -> str:
    """ExaBGP's configuration, rendered from ours."""
    lines = ["process oob-console {", f"    run {' '.join(helper)};", "    encoder json;", "}"]
    for n in neighbors:
        lines += [
            f"neighbor {n.peer_address} {{",
            f'    description "{n.upstream}";',
            f"    router-id {router_id};",
            f"    local-address {n.local_address};",
            f"    local-as {local_as};",
            f"    peer-as {n.peer_as};",
            f"    hold-time {n.hold_time};",
        ]
        if n.port != 179:
            lines.append(f"    connect {n.port};")
        if n.md5_password:
            lines.append(f'    md5-password "{n.md5_password}";')
        lines.append("    family {")
        lines += [f"        {family} unicast;" for family in n.families]
        lines += ["    }", "    api {", "        processes [ oob-console ];", "        neighbor-changes;"]
        if n.receive:
            lines += ["        receive {", "            parsed;", "            update;", "        }"]
        lines += ["    }", "}"]
    return "\n".join(lines) + "\n"


def route_command(change: Change, peer: str, local_as: int) -> str:
    """The API command for one change toward one neighbour (communities as numbers)."""
    route = change.route
    if change.op == "withdraw":
        return f"neighbor {peer} withdraw route {route.prefix}"
    values = [community_value(c) for c in route.communities]
    parts = [f"neighbor {peer} announce route {route.prefix} next-hop {route.next_hop}"]
    standard = [":".join(map(str, v)) for v in values if len(v) == 2]
    large = [":".join(map(str, v)) for v in values if len(v) == 3]
    if standard:
        parts.append(f"community [ {' '.join(standard)} ]")
    if large:
        parts.append(f"large-community [ {' '.join(large)} ]")
    parts.append(f"as-path [ {' '.join(map(str, as_path(route, local_as)))} ]")
    return " ".join(parts)


class _Waiter:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.lines: list[str] = []
        self.result: str | None = None


class _Channel:
    """The API stream through the bridge: one command at a time, every line read."""

    def __init__(self, conn: socket.socket, speaker: ExabgpSpeaker) -> None:
        self.conn = conn
        self.speaker = speaker
        self.closed = threading.Event()
        self.desynced = False  # an ack did not come: later acks cannot be trusted to match
        self.unsolicited: deque[str] = deque(maxlen=50)
        self._lock = threading.Lock()
        self._waiter: _Waiter | None = None
        threading.Thread(target=self._read, name="exabgp-api", daemon=True).start()

    def _read(self) -> None:
        buf = b""
        try:
            while True:
                data = self.conn.recv(65536)
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    self._line(raw.decode("utf-8", "replace").strip())
        except OSError:
            pass
        finally:
            self.closed.set()
            waiter = self._waiter
            if waiter is not None:
                waiter.event.set()

    def _line(self, line: str) -> None:
        if not line:
            return
        if line.startswith("{"):
            event = state_event(line)
            if event is not None:
                self.speaker.on_state(*event)
                return
            update = update_event(line)
            if update is not None:
                self.speaker.on_update(*update)
            else:
                self.unsolicited.append(line)
            return
        state = _STATE.fullmatch(line)  # the text encoder's form (an ExaBGP configured by hand)
        if state:
            self.speaker.on_state(state.group(1), state.group(2), state.group(3) or "")
            return
        waiter = self._waiter
        if waiter is None:
            self.unsolicited.append(line)
        elif line in ("done", "error"):
            waiter.result = line
            waiter.event.set()
        else:
            waiter.lines.append(line)

    def command(self, text: str, timeout: float) -> tuple[str, list[str]]:
        with self._lock:
            if self.closed.is_set() or self.desynced:
                raise UnavailableError("the ExaBGP API channel is closed", hint="the supervisor restarts ExaBGP")
            waiter = _Waiter()
            self._waiter = waiter
            try:
                self.conn.sendall(text.encode() + b"\n")
                if not waiter.event.wait(timeout):
                    self.desynced = True
                    raise DeadlineError(f"ExaBGP did not acknowledge within {timeout:g}s: {text}")
                if waiter.result is None:
                    raise UnavailableError("the ExaBGP API channel closed while waiting for an acknowledgement")
                return waiter.result, waiter.lines
            except OSError as exc:
                raise UnavailableError(f"cannot write to ExaBGP: {exc}") from exc
            finally:
                self._waiter = None

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass


class ExabgpSpeaker:
    """Runs, watches and talks to one ExaBGP process (the ``Speaker`` port)."""

    kind = "exabgp"

    def __init__(self, *, runtime_dir: Path, exabgp: str, neighbors: Sequence[Neighbor], local_as: int,
                 router_id: str, restart_delay: float = 1.0, start_timeout: float = 20.0,
                 command_timeout: float = 5.0, keep: Iterable[str] = ()) -> None:
        if any(c.isspace() or c in ";{}\"'" for c in str(runtime_dir)):
            raise UnavailableError("the BGP runtime directory path must not contain spaces or ; { } quotes",
                                   where=str(runtime_dir), hint="set bgp.speaker.runtime_dir")
        self.runtime_dir = runtime_dir
        self.exabgp = exabgp
        self.neighbors = {n.upstream: n for n in neighbors}
        self._by_peer = {n.peer_address: n for n in neighbors}
        self.local_as = local_as
        self.router_id = router_id
        self.restart_delay = restart_delay
        self.start_timeout = start_timeout
        self.command_timeout = command_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._gen = 0
        self._channel: _Channel | None = None
        self._listener: socket.socket | None = None
        self._log: IO[bytes] | None = None
        self._sessions: dict[str, SessionInfo] = {}
        # received routes of feed sessions, only prefixes inside these blocks (our own)
        self._keep = [ipaddress.ip_network(b) for b in keep]
        self._received: dict[str, dict[str, tuple[int, ...]]] = {}
        self._state_lock = threading.Lock()
        self._reset_sessions("not started")

    @property
    def config_path(self) -> Path:
        return self.runtime_dir / "exabgp.conf"

    @property
    def log_path(self) -> Path:
        return self.runtime_dir / "exabgp.log"

    def _reset_sessions(self, detail: str) -> None:
        with self._state_lock:
            self._sessions = {n.upstream: SessionInfo(n.upstream, n.peer_address, "down", None, detail)
                              for n in self.neighbors.values()}
            self._received = {n.upstream: {} for n in self.neighbors.values() if n.receive}

    def on_state(self, peer: str, state: str, reason: str) -> None:
        """A session event from ExaBGP (called on the reader thread)."""
        n = self._by_peer.get(peer)
        if n is not None:
            with self._state_lock:
                self._sessions[n.upstream] = SessionInfo(n.upstream, peer, state, time.time(), reason)
                if state != "up" and n.receive:
                    self._received[n.upstream] = {}  # what a closed session received is gone

    def _ours(self, prefix: str) -> bool:
        try:
            net = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            return False
        return any(net.version == b.version and net.subnet_of(b) for b in self._keep)  # type: ignore[arg-type]

    def on_update(self, peer: str, announced: Sequence[tuple[str, tuple[int, ...]]], withdrawn: Sequence[str]
                  ) -> None:
        """A received UPDATE of a feed session (reader thread): keep what falls inside our blocks."""
        n = self._by_peer.get(peer)
        if n is None or not n.receive:
            return
        mine = [(p, path) for p, path in announced if self._ours(p)]
        gone = [p for p in withdrawn if self._ours(p)]
        if not mine and not gone:
            return
        with self._state_lock:
            table = self._received.setdefault(n.upstream, {})
            for prefix in gone:
                table.pop(prefix, None)
            for prefix, path in mine:
                table[prefix] = path

    def received(self, upstream: str, prefix: str) -> FeedRoutes:
        n = self.neighbors.get(upstream)
        if n is None or not n.receive:
            raise UnavailableError(f"{upstream}'s received routes are not watched",
                                   hint=f"name {upstream} in another upstream's feeds")
        with self._state_lock:
            session = self._sessions.get(upstream)
            path = self._received.get(upstream, {}).get(prefix)
        up = session is not None and session.state == "up"
        detail = session.state + (f" ({session.detail})" if session.detail else "") if session else "unknown"
        return FeedRoutes(upstream, up, detail, path)

    def generation(self) -> int:
        return self._gen

    def _down_reason(self) -> str | None:
        if self.proc is None:
            return "not started"
        code = self.proc.poll()
        if code is not None:
            return f"ExaBGP exited ({'signal ' + str(-code) if code < 0 else 'code ' + str(code)})"
        if self._channel is None or self._channel.closed.is_set():
            return "the API helper went away"
        if self._channel.desynced:
            return "ExaBGP stopped acknowledging commands"
        return None

    def ensure_running(self) -> str | None:
        reason = self._down_reason()
        if reason is None:
            return None
        first = self.proc is None and self._gen == 0
        self._halt()
        if not first:
            self.restarts += 1
            time.sleep(self.restart_delay)
        self._start()
        self._gen += 1
        pid = self.proc.pid if self.proc else 0
        return f"ExaBGP started (pid {pid})" if first else f"ExaBGP restarted (pid {pid}) after: {reason}"

    def _start(self) -> None:
        try:
            self.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.runtime_dir.chmod(0o700)
            sock_path = self.runtime_dir / "api.sock"
            sock_path.unlink(missing_ok=True)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(str(sock_path))
            listener.listen(4)
            self._listener = listener
            helper = [sys.executable, "-I", "-S", str(_BRIDGE), str(sock_path)]
            text = render_config(list(self.neighbors.values()), local_as=self.local_as, router_id=self.router_id,
                                 helper=helper)
            fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
            if self.log_path.exists():
                self.log_path.replace(self.log_path.with_suffix(".log.1"))
            self._log = open(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
            env = dict(os.environ, exabgp_daemon_user=pwd.getpwuid(os.getuid()).pw_name,
                       exabgp_daemon_daemonize="false", exabgp_api_cli="false", exabgp_log_destination="stdout",
                       exabgp_api_ack="true", exabgp_api_encoder="text")
            self.proc = subprocess.Popen(  # noqa: S603 - a fixed argv, no shell
                [self.exabgp, "server", str(self.config_path)], stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=subprocess.STDOUT, env=env, cwd=self.runtime_dir, start_new_session=True,
                preexec_fn=_die_with_parent,  # only a prctl; libc was resolved before the fork
            )
        except OSError as exc:
            self._halt()
            raise UnavailableError(f"cannot start ExaBGP: {exc}", where=self.exabgp,
                                   hint="install the 'bgp' extra (pip install oob-console[bgp]) or set "
                                   "bgp.speaker.exabgp") from exc
        self._reset_sessions("connecting")
        self._channel = _Channel(self._accept(), self)

    def _accept(self) -> socket.socket:
        assert self._listener is not None and self.proc is not None  # noqa: S101 - set by _start
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if ready:
                conn, _ = self._listener.accept()
                return conn
            if self.proc.poll() is not None:
                break
        tail = self.log_tail()
        self._halt()
        raise UnavailableError("ExaBGP did not start its API helper" + (f": {tail[-1]}" if tail else ""),
                               where=str(self.log_path), hint="read the log; check the config and the sessions")

    def log_tail(self, lines: int = 20) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return []

    def send(self, changes: Sequence[Change]) -> dict[Key, Stage]:
        out: dict[Key, Stage] = {}
        broken: str | None = None
        for change in changes:
            key = (change.upstream, change.route.prefix)
            n = self.neighbors.get(change.upstream)
            if n is None:
                out[key] = Stage("accepted", "failed", detail=f"{change.upstream} is not an ExaBGP upstream")
                continue
            if broken:
                out[key] = Stage("accepted", "failed", at=time.time(), detail=broken)
                continue
            command = route_command(change, n.peer_address, self.local_as)
            start = time.monotonic()
            try:
                if self._channel is None:
                    raise UnavailableError("ExaBGP is not running")
                answer, _ = self._channel.command(command, self.command_timeout)
            except UnavailableError as exc:
                broken = exc.message
                out[key] = Stage("accepted", "failed", at=time.time(), detail=broken)
                continue
            took = (time.monotonic() - start) * 1000
            if answer == "done":
                out[key] = Stage("accepted", "done", at=time.time(), detail=f"ExaBGP acknowledged in {took:.1f} ms")
            else:
                out[key] = Stage("accepted", "failed", at=time.time(), detail=f"ExaBGP answered error to: {command}")
        return out

    def sessions(self) -> list[SessionInfo]:
        with self._state_lock:
            return list(self._sessions.values())

    def adj_rib_out(self) -> set[Key]:
        if self._channel is None:
            raise UnavailableError("ExaBGP is not running")
        answer, lines = self._channel.command("show adj-rib out", self.command_timeout)
        if answer != "done":
            raise UnavailableError("ExaBGP answered error to 'show adj-rib out'")
        out: set[Key] = set()
        for line in lines:
            words = line.split()
            if len(words) >= 4 and words[1] in ("ipv4", "ipv6") and words[0] in self._by_peer:
                out.add((self._by_peer[words[0]].upstream, words[3]))
        return out

    def _halt(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self._reset_sessions("ExaBGP not running")

    def stop(self) -> None:
        self._halt()
        (self.runtime_dir / "api.sock").unlink(missing_ok=True)
