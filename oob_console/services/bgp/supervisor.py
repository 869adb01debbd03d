"""The BGP supervisor: the long-running half of emergency BGP (``oob bgp speaker``).

It owns the ExaBGP process and makes the world match the journal:

- keeps ExaBGP running, restarting it when it dies, and re-announces every
  live journaled route to each new process (ExaBGP withdraws everything when
  it exits, so a fresh process has sent nothing);
- withdraws routes whose lease ran out, on time and across restarts (a lease
  that passed while the console was down is withdrawn at start);
- answers the CLI over the control socket (``sync`` right after a change,
  ``advertised``, ``sessions``);
- in a worker thread: watches open stages (a session that comes up later turns
  "not advertised" into "advertised"), executes intents whose quorum came in
  through another path, and carries lease expiries to provider and router
  upstreams.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from oob_console.core.bgp.desired import Key, RouteRow, speaker_changes
from oob_console.core.bgp.intent import RouteSpec
from oob_console.core.bgp.stages import Stage
from oob_console.errors import OobError
from oob_console.services.bgp.ports import FeedRoutes, SessionInfo, Speaker
from oob_console.services.bgp.service import BgpService

# A provider row with no accepted stage this old was left by a CLI that died mid-way (a live one takes
# seconds, at most a few provider timeouts): the supervisor applies it.
_REAPPLY_GRACE = 300.0


class BgpSupervisor:
    def __init__(self, speaker: Speaker, exabgp_upstreams: Sequence[str], *, tick: float = 0.2,
                 watch_every: float = 0.5, approvals_every: float = 1.0, watch_window: float = 4.0) -> None:
        self.speaker = speaker
        self.exabgp_upstreams = frozenset(exabgp_upstreams)
        self.service: BgpService | None = None  # wired after construction (its backends point back here)
        self.tick = tick
        self.watch_every = watch_every
        self.approvals_every = approvals_every
        self.watch_window = watch_window  # watch a row for this many times its stage deadlines
        self._lock = threading.RLock()
        self._sent: dict[Key, tuple[int, RouteSpec]] = {}
        self._speaker_gen = -1
        self._speaker_error: str | None = None
        self._retry_at = 0.0
        self._work: queue.Queue[list[RouteRow]] = queue.Queue()
        self.stopping = threading.Event()

    @property
    def svc(self) -> BgpService:
        if self.service is None:
            raise RuntimeError("BgpSupervisor.service is not wired")  # a bootstrap bug
        return self.service

    # the speaker

    def _ensure_speaker(self) -> bool:
        if not self.exabgp_upstreams:
            return False
        now = time.monotonic()
        if self._speaker_error and now < self._retry_at:
            return False
        try:
            message = self.speaker.ensure_running()
        except OobError as exc:
            if exc.message != self._speaker_error:
                self.svc.audit.record("bgp.speaker.start", "exabgp", "error", {"error": exc.message})
            self._speaker_error = exc.message
            self._retry_at = now + 5.0
            return False
        self._speaker_error = None
        if message:
            self.svc.audit.record("bgp.speaker.start", "exabgp", "ok",
                                  {"message": message, "generation": self.speaker.generation()})
        if self.speaker.generation() != self._speaker_gen:
            self._speaker_gen = self.speaker.generation()
            self._sent = {}  # a new process has announced nothing
        return True

    def sync(self, keys: set[Key] | None = None) -> dict[Key, Stage]:
        """Make ExaBGP match the journal now; the accepted stage of each asked-for key."""
        with self._lock:
            running = self._ensure_speaker()
            rows = [r for r in self.svc.journal.routes() if r.upstream in self.exabgp_upstreams]
            by_key = {r.key: r for r in rows}
            out: dict[Key, Stage] = {}
            if running:
                reapply = not self._sent and any(r.live(self.svc.clock()) for r in rows)
                changes = speaker_changes(rows, self._sent, self.svc.clock())
                acks = self.speaker.send(changes) if changes else {}
                for change in changes:
                    key = (change.upstream, change.route.prefix)
                    stage = acks.get(key)
                    if stage is None or stage.state != "done":
                        continue
                    if change.op == "announce":
                        self._sent[key] = (change.generation, change.route)
                    else:
                        self._sent.pop(key, None)
                    row = by_key.get(key)
                    if row is not None and row.generation == change.generation:
                        out[key] = self.svc.stages.finish(row, stage, self.svc.clock())
                failed = {k: s.detail for k, s in acks.items() if s.state != "done"}
                if reapply or failed:
                    self.svc.audit.record("bgp.speaker.apply", "exabgp", "error" if failed else "ok",
                                          {"changes": len(changes), "failed": {f"{k[0]} {k[1]}": d
                                                                               for k, d in failed.items()}})
                for key, stage in acks.items():
                    out.setdefault(key, stage)
            now = self.svc.clock()
            for key in keys or ():
                row = by_key.get(key)
                if key in out or row is None:
                    continue
                recorded = row.stages.get("accepted")
                if recorded is not None and recorded.state != "pending":
                    out[key] = recorded
                elif running:  # nothing needed sending: this ExaBGP already has it, or never had it
                    what = "ExaBGP already announces it" if row.live(now) else "this ExaBGP does not announce it"
                    out[key] = self.svc.stages.finish(row, Stage("accepted", "done", at=now,
                                                                 detail=f"nothing to send: {what}"), now)
                else:  # journaled: it goes out as soon as ExaBGP runs
                    why = self._speaker_error or "ExaBGP is not running"
                    out[key] = Stage("accepted", "pending", detail=f"journaled; the speaker cannot take it yet: {why}")
            return out

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        """Session established and route in the adj-RIB-out (or, for a withdrawal, gone from it)."""
        with self._lock:
            rib = self.speaker.adj_rib_out()
            sessions = {s.upstream: s for s in self.speaker.sessions()}
        out: dict[Key, Stage] = {}
        now = time.time()
        for row in rows:
            session = sessions.get(row.upstream)
            up = session is not None and session.state == "up"
            state_text = "session up" if up else f"session {session.state if session else 'unknown'}" + (
                f" ({session.detail})" if session and session.detail else "")
            if row.desired == "announced":
                if up and row.key in rib:
                    out[row.key] = Stage("advertised", "done", at=now, detail="session up, in the adj-RIB-out")
                else:
                    where = "in the adj-RIB-out" if row.key in rib else "not in the adj-RIB-out"
                    out[row.key] = Stage("advertised", "pending", detail=f"{state_text}, {where}")
            elif row.key not in rib:
                out[row.key] = Stage("advertised", "done", at=now, detail=f"withdrawn ({state_text})")
            else:
                out[row.key] = Stage("advertised", "pending", detail=f"{state_text}, still in the adj-RIB-out")
        return out

    def sessions(self) -> list[SessionInfo]:
        return self.speaker.sessions()

    def received(self, upstream: str, prefix: str) -> FeedRoutes:
        """What a feed session received for ``prefix`` (the ``ReceivedRoutes`` port, in this process)."""
        return self.speaker.received(upstream, prefix)  # the speaker locks its own table

    # the loops

    def step(self) -> None:
        """One pass of the main loop: speaker health, leases, journal."""
        expired = self.svc.expire_leases()
        others = [r for r in expired if r.upstream not in self.exabgp_upstreams]
        if others:
            self._work.put(others)
        self.sync()

    def _worker(self) -> None:
        next_watch = next_approvals = 0.0
        while not self.stopping.is_set():
            try:
                rows = self._work.get(timeout=0.1)
                self.svc.apply_rows(rows)
            except queue.Empty:
                pass
            except OobError as exc:
                self.svc.audit.record("bgp.supervisor", "apply", "error", {"error": exc.message})
            now = time.monotonic()
            try:
                if now >= next_watch:
                    next_watch = now + self.watch_every
                    self._watch()
                if now >= next_approvals:
                    next_approvals = now + self.approvals_every
                    self._run_approved()
                    self._recover_unsent()
            except OobError as exc:
                self.svc.audit.record("bgp.supervisor", "worker", "error", {"error": exc.message})

    def _watch(self) -> None:
        now = self.svc.clock()
        keys = []
        for row in self.svc.journal.routes():
            up = self.svc.settings.upstreams.get(row.upstream)
            horizon = max(up.deadline.values()) * self.watch_window if up else 0.0
            if now - row.changed_at < horizon:
                keys.append(row.key)
        if keys:
            self.svc.stages.check(keys)

    def _run_approved(self) -> None:
        for record in self.svc.journal.intents(["pending"]):
            if not record.ticket:
                continue  # no quorum needed: the CLI that created it runs it
            status = self.svc.approval(record)
            if status.approved:
                try:
                    self.svc.execute(record.intent.id, confirm=False)
                except OobError as exc:
                    self.svc.audit.record("bgp.supervisor", record.intent.id, "error", {"error": exc.message})
            elif status.closed:
                self.svc.close_if_dead(record, status)

    def _recover_unsent(self) -> None:
        now = self.svc.clock()
        stale = [r for r in self.svc.journal.routes() if r.upstream not in self.exabgp_upstreams
                 and "accepted" not in r.stages and now - r.changed_at > _REAPPLY_GRACE]
        if stale:
            self.svc.audit.record("bgp.supervisor.reapply", "providers", "ok",
                                  {"rows": [f"{r.upstream} {r.prefix}" for r in stale]})
            self.svc.apply_rows(stale)

    def run(self) -> None:
        """Run until :attr:`stopping` is set; ExaBGP is stopped on the way out."""
        self.svc.audit.record("bgp.supervisor.start", "exabgp", "ok",
                              {"pid": os.getpid(), "upstreams": sorted(self.exabgp_upstreams)})
        worker = threading.Thread(target=self._worker, name="bgp-worker", daemon=True)
        worker.start()
        try:
            while not self.stopping.is_set():
                try:
                    self.step()
                except OobError as exc:
                    self.svc.audit.record("bgp.supervisor", "step", "error", {"error": exc.message})
                self.stopping.wait(self.tick)
        finally:
            self.stopping.set()
            worker.join(10)
            with self._lock:
                self.speaker.stop()
            self.svc.audit.record("bgp.supervisor.stop", "exabgp", "ok", {"pid": os.getpid()})

    # the control socket

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        keys = {(str(k[0]), str(k[1])) for k in request.get("keys", [])}
        if op == "sync":
            return {"ok": True, "accepted": [[*k, s.to_json()] for k, s in self.sync(keys).items() if k in keys]}
        if op == "advertised":
            rows = [r for r in self.svc.journal.routes() if r.key in keys]
            return {"ok": True, "advertised": [[*k, s.to_json()] for k, s in self.advertised(rows).items()]}
        if op == "received":
            got = self.received(str(request.get("upstream", "")), str(request.get("prefix", "")))
            return {"ok": True, "up": got.up, "detail": got.detail,
                    "path": None if got.path is None else list(got.path)}
        if op == "sessions":
            return {"ok": True, "sessions": [s.to_json() for s in self.sessions()]}
        if op == "ping":
            return {"ok": True, "pid": os.getpid(), "speaker_generation": self.speaker.generation()}
        return {"ok": False, "error": f"unknown op {op!r}"}


class SupervisorBackend:
    """The ``RouteBackend`` for ExaBGP upstreams inside the supervisor process."""

    kind = "exabgp"

    def __init__(self, supervisor: BgpSupervisor) -> None:
        self.supervisor = supervisor

    def apply(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        return self.supervisor.sync({r.key for r in rows})

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        return self.supervisor.advertised(rows)

    def sessions(self) -> list[SessionInfo]:
        return self.supervisor.sessions()
