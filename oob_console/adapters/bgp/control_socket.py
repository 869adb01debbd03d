"""The supervisor's control socket, and the CLI's client of it.

A Unix stream socket (mode 0600 inside the 0700 runtime directory): one JSON
line in, one JSON line out. The CLI uses it to tell the supervisor "the
journal changed, apply it now" and to ask what ExaBGP has advertised; the
journal stays the source of truth, so a missed message only costs latency
(the supervisor also polls the journal).
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from oob_console.core.bgp.desired import Key, RouteRow
from oob_console.core.bgp.stages import Stage
from oob_console.errors import ConflictError, DeadlineError, OobError, UnavailableError
from oob_console.services.bgp.ports import FeedRoutes, SessionInfo

Handler = Callable[[Mapping[str, Any]], dict[str, Any]]
_NOT_RUNNING = ("the BGP speaker is not running; start it with 'oob bgp speaker' (or its systemd unit): "
                "the change is journaled and goes out when it starts")


class ControlServer:
    def __init__(self, path: Path, handler: Handler) -> None:
        self.path = path
        self.handler = handler
        self._server: socketserver.ThreadingUnixStreamServer | None = None

    def start(self) -> None:
        """Raises:
        ConflictError: another supervisor answers on this socket.
        UnavailableError: cannot listen.
        """
        try:
            call(self.path, {"op": "ping"}, timeout=2)
        except UnavailableError:
            pass
        else:
            raise ConflictError("a BGP speaker is already running", where=str(self.path),
                                hint="stop it first (one supervisor per site)")
        handler = self.handler

        class Connection(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(1 << 20)
                try:
                    request = json.loads(line)
                    reply = handler(request) if isinstance(request, dict) else {"ok": False, "error": "not an object"}
                except ValueError:
                    reply = {"ok": False, "error": "not JSON"}
                except OobError as exc:
                    reply = {"ok": False, "error": exc.message}
                self.wfile.write(json.dumps(reply).encode() + b"\n")

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.path.unlink(missing_ok=True)
            self._server = socketserver.ThreadingUnixStreamServer(str(self.path), Connection)
            self.path.chmod(0o600)
        except OSError as exc:
            raise UnavailableError(f"cannot listen on the control socket: {exc}", where=str(self.path)) from exc
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="bgp-control", daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self.path.unlink(missing_ok=True)


def call(path: Path, request: Mapping[str, Any], *, timeout: float) -> dict[str, Any]:
    """One request to the supervisor.

    Raises:
        UnavailableError: nobody listens (the speaker is not running).
        DeadlineError: no answer within ``timeout``.
    """
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps(request).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except TimeoutError as exc:
        raise DeadlineError(f"the BGP speaker did not answer within {timeout:g}s", where=str(path)) from exc
    except OSError as exc:
        raise UnavailableError(_NOT_RUNNING, where=str(path)) from exc
    try:
        reply = json.loads(data)
    except ValueError as exc:
        raise UnavailableError("the BGP speaker closed the control connection", where=str(path)) from exc
    if not isinstance(reply, dict) or not reply.get("ok"):
        raise UnavailableError(f"the BGP speaker said: {reply.get('error') if isinstance(reply, dict) else reply}",
                               where=str(path))
    return reply


class SpeakerClient:
    """The ``RouteBackend`` for ExaBGP upstreams in the CLI: asks the supervisor."""

    kind = "exabgp"

    def __init__(self, path: Path, upstreams: Mapping[str, str], *, timeout: float = 10.0) -> None:
        self.path = path
        self.upstreams = upstreams  # name -> peer address, for sessions when the speaker is down
        self.timeout = timeout

    @staticmethod
    def _keys(rows: Sequence[RouteRow]) -> list[list[str]]:
        return [[r.upstream, r.prefix] for r in rows]

    def apply(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        try:
            reply = call(self.path, {"op": "sync", "keys": self._keys(rows)}, timeout=self.timeout)
        except UnavailableError as exc:
            # Journaled already: the supervisor sends it as soon as it runs. Not failed, not done.
            return {r.key: Stage("accepted", "pending", detail=exc.message) for r in rows}
        return {(u, p): Stage.from_json(s) for u, p, s in reply["accepted"]}

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        try:
            reply = call(self.path, {"op": "advertised", "keys": self._keys(rows)}, timeout=self.timeout)
        except UnavailableError as exc:
            return {r.key: Stage("advertised", "pending", detail=exc.message) for r in rows}
        return {(u, p): Stage.from_json(s) for u, p, s in reply["advertised"]}

    def sessions(self) -> list[SessionInfo]:
        try:
            reply = call(self.path, {"op": "sessions"}, timeout=self.timeout)
        except UnavailableError as exc:
            return [SessionInfo(name, peer, "unknown", None, exc.message) for name, peer in self.upstreams.items()]
        return [SessionInfo(s["upstream"], s["peer"], s["state"], s.get("since"), s.get("detail", ""))
                for s in reply["sessions"]]

    def received(self, upstream: str, prefix: str) -> FeedRoutes:
        """What the supervisor's ExaBGP received on ``upstream``'s session for ``prefix``.

        Raises:
            UnavailableError: the speaker is not running, or does not watch that session.
        """
        reply = call(self.path, {"op": "received", "upstream": upstream, "prefix": prefix}, timeout=self.timeout)
        path = reply.get("path")
        return FeedRoutes(upstream, bool(reply.get("up")), str(reply.get("detail", "")),
                          None if path is None else tuple(int(a) for a in path))
