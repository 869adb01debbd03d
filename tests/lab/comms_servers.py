"""Local HTTP endpoints that speak the comms channels' real protocols, with fault injection.

One threaded HTTP server on a loopback (or namespace) address answers like:

- PagerDuty Events API v2   POST /v2/enqueue            202 {"status":"success","dedup_key":...}
- a Slack incoming webhook  POST /services/T0/B0/SECRET  200 "ok"
- a Matrix homeserver       PUT  /_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}
                            (same access token + txnId -> same event, as the spec requires)
- a generic JSON webhook    POST /hook                   (Idempotency-Key, X-Oob-Signature checked)

It records every request it *processed* and what the far end would have shown
a human: PagerDuty alerts by dedup_key, Matrix room events, Slack posts,
webhook deliveries by idempotency key. ``script(kind, *steps)`` queues faults
for the next requests of one kind: ``"500"``, ``"429"``, ``"timeout"`` (answer
after ``slow`` seconds), ``"hold"`` (read the request, then block until
``release()`` and drop the connection without processing it) and
``"hold-after"`` (process it, then block and drop without answering: the
answer is lost).

Run standalone inside a namespace: ``python -m tests.lab.comms_servers ADDR PORTFILE``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

PD_ROUTING_KEY = "R0UTINGKEY0123456789abcdefghijkl"
SLACK_PATH = "/services/T000/B000/XXXXSECRETXXXX"
MATRIX_TOKEN = "syt_lab_token"
MATRIX_ROOM = "!oobroom:lab.example"
HOOK_SECRET = "hook-secret"


@dataclass
class Recorded:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    time: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body)


class CommsLab:
    """The server, its records and its fault script."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[Recorded] = []
        self.pd_alerts: dict[str, int] = defaultdict(int)  # dedup_key -> events folded into it
        self.slack_posts: list[str] = []
        self.matrix_events: list[dict[str, Any]] = []
        self._matrix_txn: dict[tuple[str, str], str] = {}
        self.hook_deliveries: dict[str, int] = defaultdict(int)  # Idempotency-Key -> requests
        self.slow = 3.0
        self._script: dict[str, deque[str]] = defaultdict(deque)
        self._release = threading.Event()
        self._lock = threading.Condition()
        self.held = 0
        self.in_flight = 0
        self._ids = itertools.count(1)
        lab = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                lab._handle(self)

            def do_PUT(self) -> None:
                lab._handle(self)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> CommsLab:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def script(self, kind: str, *steps: str) -> None:
        with self._lock:
            self._script[kind].extend(steps)

    def release(self) -> None:
        self._release.set()

    def wait_held(self, count: int, timeout: float = 10.0) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: self.held >= count, timeout):
                raise TimeoutError(f"only {self.held} of {count} requests arrived")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no request is being handled (a slow one has been processed too)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.in_flight == 0, timeout):
                raise TimeoutError(f"{self.in_flight} requests still being handled")

    def of(self, kind: str) -> list[Recorded]:
        return [r for r in self.requests if r.kind == kind]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {"pd_alerts": dict(self.pd_alerts), "slack_posts": list(self.slack_posts),
                    "matrix_events": list(self.matrix_events), "hook_deliveries": dict(self.hook_deliveries),
                    "requests": len(self.requests)}

    # --- the protocols -------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.in_flight += 1
        try:
            self._handle_one(h)
        finally:
            with self._lock:
                self.in_flight -= 1
                self._lock.notify_all()

    def _handle_one(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length)
        kind = self._kind(h.command, h.path)
        rec = Recorded(kind, h.command, h.path, {k.lower(): v for k, v in h.headers.items()}, body)
        with self._lock:
            self.requests.append(rec)
            step = self._script[kind].popleft() if self._script[kind] else "ok"
        if step == "hold":
            self._hold()
            h.close_connection = True
            return
        if step == "timeout":
            time.sleep(self.slow)
        if step in ("500", "429"):
            extra = {"Retry-After": "1"} if step == "429" else {}
            self._reply(h, int(step), {"error": "injected"}, extra)
            return
        status, reply = self._process(kind, h, rec)
        if step == "hold-after":
            self._hold()
            h.close_connection = True
            return
        self._reply(h, status, reply)

    def _hold(self) -> None:
        with self._lock:
            self.held += 1
            self._lock.notify_all()
        self._release.wait(60)

    @staticmethod
    def _kind(method: str, path: str) -> str:
        if path == "/v2/enqueue":
            return "pagerduty"
        if path.startswith("/services/"):
            return "slack"
        if path.startswith("/_matrix/"):
            return "matrix"
        return "webhook"

    def _process(self, kind: str, h: BaseHTTPRequestHandler, rec: Recorded) -> tuple[int, Any]:
        try:
            data = rec.json()
        except ValueError:
            return 400, {"error": "not JSON"}
        with self._lock:
            return getattr(self, f"_{kind}")(h, rec, data)  # type: ignore[no-any-return]

    def _pagerduty(self, h: BaseHTTPRequestHandler, rec: Recorded, data: Any) -> tuple[int, Any]:
        payload = data.get("payload") or {}
        if data.get("routing_key") != PD_ROUTING_KEY:
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["routing_key"]}
        if data.get("event_action") != "trigger" or not all(payload.get(k) for k in ("summary", "source", "severity")):
            return 400, {"status": "invalid event", "message": "Event object is invalid"}
        key = data.get("dedup_key") or f"auto-{next(self._ids)}"
        self.pd_alerts[key] += 1
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}

    def _slack(self, h: BaseHTTPRequestHandler, rec: Recorded, data: Any) -> tuple[int, Any]:
        if rec.path != SLACK_PATH:
            return 404, "no_service"
        if not isinstance(data.get("text"), str):
            return 400, "invalid_payload"
        self.slack_posts.append(data["text"])
        return 200, "ok"

    def _matrix(self, h: BaseHTTPRequestHandler, rec: Recorded, data: Any) -> tuple[int, Any]:
        if rec.headers.get("authorization") != f"Bearer {MATRIX_TOKEN}":
            return 401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token"}
        parts = rec.path.split("/")
        # /_matrix/client/v3/rooms/{room}/send/{type}/{txn}
        if len(parts) != 9 or parts[4] != "rooms" or parts[6] != "send" or rec.method != "PUT":
            return 404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}
        room, event_type, txn = unquote(parts[5]), unquote(parts[7]), unquote(parts[8])
        if room != MATRIX_ROOM:
            return 403, {"errcode": "M_FORBIDDEN", "error": "not in room"}
        seen = self._matrix_txn.get((MATRIX_TOKEN, txn))
        if seen is None:
            seen = f"$event{next(self._ids)}"
            self._matrix_txn[(MATRIX_TOKEN, txn)] = seen
            self.matrix_events.append({"event_id": seen, "type": event_type, "content": data, "txn": txn})
        return 200, {"event_id": seen}

    def _webhook(self, h: BaseHTTPRequestHandler, rec: Recorded, data: Any) -> tuple[int, Any]:
        sig = rec.headers.get("x-oob-signature")
        if sig is not None:
            want = "sha256=" + hmac.new(HOOK_SECRET.encode(), rec.body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(sig, want):
                return 401, {"error": "bad signature"}
        key = rec.headers.get("idempotency-key", "")
        self.hook_deliveries[key] += 1
        return 200, {"received": key}

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            h.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(raw)
        except OSError:
            pass  # the client gave up (timeout test): nothing to answer


def write_channel_config(home: Path, base: str, *, timeout: float = 1.0, backoff: float = 0.2,
                         channels: tuple[str, ...] = ("pagerduty", "slack", "matrix", "webhook"),
                         expire_after: str = "1h") -> str:
    """Secret files (0600) in ``home`` and the ``[comms]`` TOML that points at ``base``."""
    secrets = {"pd.key": PD_ROUTING_KEY, "slack.url": base + SLACK_PATH, "matrix.token": MATRIX_TOKEN,
               "hook.secret": HOOK_SECRET}
    for name, value in secrets.items():
        path = home / name
        path.write_text(value)
        path.chmod(0o600)
    blocks = {
        "pagerduty": f'name = "pd"\nkind = "pagerduty"\nurl = "{base}/v2/enqueue"\nsecret = "file:{home}/pd.key"',
        "slack": f'name = "slack"\nkind = "slack"\nurl_ref = "file:{home}/slack.url"',
        "matrix": f'name = "matrix"\nkind = "matrix"\nurl = "{base}"\nroom = "{MATRIX_ROOM}"\n'
                  f'secret = "file:{home}/matrix.token"',
        "webhook": f'name = "hook"\nkind = "webhook"\nurl = "{base}/hook"\nsecret = "file:{home}/hook.secret"',
    }
    text = (f"\n[comms]\nconnect_timeout = {timeout}\ntimeout = {timeout}\nbackoff_initial = {backoff}\n"
            f'backoff_max = 2.0\nexpire_after = "{expire_after}"\nsend_wait = 5.0\n')
    for kind in channels:
        text += f"\n[[comms.channels]]\n{blocks[kind]}\n"
    return text



def main() -> None:
    """Serve until killed; write the port to PORTFILE once listening and what arrived to PORTFILE.json."""
    host, portfile = sys.argv[1], Path(sys.argv[2])
    lab = CommsLab(host).start()
    record = Path(f"{portfile}.json")
    portfile.write_text(f"{lab.port}\n")
    seen = -1
    try:
        while True:
            time.sleep(0.05)
            if len(lab.requests) != seen:
                seen = len(lab.requests)
                tmp = record.with_suffix(".tmp")
                tmp.write_text(json.dumps(lab.summary()))
                tmp.replace(record)
    finally:
        lab.stop()


if __name__ == "__main__":
    main()
