"""The BGP journal: intents and desired routes in SQLite (WAL, synchronous=FULL, 0600).

A write that returns is on disk: WAL with ``synchronous=FULL`` fsyncs at every
commit, so desired state survives ``kill -9`` and power loss. Writers take
``BEGIN IMMEDIATE`` so the CLI and the supervisor never interleave a
read-modify-write. Intents are stored as their canonical payload; reading one
back re-derives its id from the bytes, so an edited row is caught (an intent with
approvals carries the approvals store's ID; its payload is checked against the
signed copy there before it runs).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from oob_console.core.bgp.desired import Desired, Key, RouteRow
from oob_console.core.bgp.intent import BgpIntent, RouteSpec
from oob_console.core.bgp.stages import Stage
from oob_console.core.canonical import canonical_bytes
from oob_console.errors import ConflictError, IntegrityError, NotFoundError, StorageError
from oob_console.services.bgp.ports import IntentRecord, IntentStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    id TEXT PRIMARY KEY, payload TEXT NOT NULL, status TEXT NOT NULL, ticket TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL, preflight TEXT NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS routes (
    upstream TEXT NOT NULL, prefix TEXT NOT NULL, desired TEXT NOT NULL, route TEXT NOT NULL,
    intent_id TEXT NOT NULL, generation INTEGER NOT NULL, changed_at REAL NOT NULL, lease_expires REAL,
    stages TEXT NOT NULL, PRIMARY KEY (upstream, prefix));
CREATE TABLE IF NOT EXISTS calls (upstream TEXT PRIMARY KEY, at REAL NOT NULL);
"""


def _dump(value: Any) -> str:
    return canonical_bytes(value).decode()


class SqliteJournal:
    """One journal file; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))  # exists, 0600, before SQLite opens it
            self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise self._error("open", exc) from None

    def _error(self, what: str, exc: Exception) -> StorageError:
        return StorageError(f"BGP journal: cannot {what}: {exc}", where=str(self.path),
                            hint="check the disk and the file's permissions; nothing was changed")

    @contextmanager
    def _write(self, what: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._error(what, exc) from None

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._db.execute(sql, args))
            except sqlite3.Error as exc:
                raise self._error("read", exc) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # intents

    def add_intent(self, record: IntentRecord) -> None:
        with self._write("store the intent") as db:
            if db.execute("SELECT 1 FROM intents WHERE id = ?", (record.intent.id,)).fetchone():
                raise ConflictError(f"intent {record.intent.id} already exists")
            db.execute("INSERT INTO intents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (
                record.intent.id, _dump(record.intent.payload()), record.status, record.ticket, record.created,
                record.updated, _dump(record.preflight), _dump(record.result)))

    def _record(self, row: tuple[Any, ...]) -> IntentRecord:
        intent_id, payload, status, ticket, created, updated, preflight, result = row
        try:
            intent = BgpIntent.from_payload(json.loads(payload))
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError(f"journal intent {intent_id} is unreadable: {exc}", where=str(self.path)) from None
        if ticket:
            # One intent, one ID: the approvals store's. What it runs is checked against the signed
            # copy there when it is claimed (BgpService.execute).
            if ticket != intent_id:
                raise IntegrityError(f"journal intent {intent_id} names another approvals intent ({ticket})",
                                     where=str(self.path), hint="keep the file as evidence")
            intent = replace(intent, id=intent_id)
        if intent.id != intent_id:
            raise IntegrityError(f"journal intent {intent_id} does not match its content (edited?)",
                                 where=str(self.path), hint="keep the file as evidence")
        return IntentRecord(intent, status, ticket, created, updated, json.loads(preflight), json.loads(result))

    def intent(self, intent_id: str) -> IntentRecord:
        rows = self._read("SELECT * FROM intents WHERE id = ?", (intent_id,))
        if not rows:
            raise NotFoundError(f"no BGP intent {intent_id}", hint="see 'oob bgp status'")
        return self._record(rows[0])

    def intents(self, statuses: Sequence[IntentStatus] | None = None) -> list[IntentRecord]:
        if statuses:
            marks = ",".join("?" * len(statuses))
            rows = self._read(f"SELECT * FROM intents WHERE status IN ({marks}) ORDER BY created DESC",  # noqa: S608
                              tuple(statuses))
        else:
            rows = self._read("SELECT * FROM intents ORDER BY created DESC")
        return [self._record(r) for r in rows]

    def transition(self, intent_id: str, allowed: Sequence[IntentStatus], to: IntentStatus, *,
                   result: dict[str, Any] | None = None) -> bool:
        with self._write("update the intent") as db:
            row = db.execute("SELECT status, result FROM intents WHERE id = ?", (intent_id,)).fetchone()
            if row is None or row[0] not in allowed:
                return False
            merged = {**json.loads(row[1]), **(result or {})}
            db.execute("UPDATE intents SET status = ?, updated = ?, result = ? WHERE id = ?",
                       (to, time.time(), _dump(merged), intent_id))
            return True

    # desired routes

    @staticmethod
    def _row(raw: tuple[Any, ...]) -> RouteRow:
        upstream, prefix, desired, route, intent_id, generation, changed_at, lease, stages = raw
        return RouteRow(upstream, prefix, desired, RouteSpec.from_json(json.loads(route)), intent_id, generation,
                        changed_at, lease, {k: Stage.from_json(v) for k, v in json.loads(stages).items()})

    def apply(self, intent: BgpIntent, now: float) -> list[RouteRow]:
        desired: Desired = "announced" if intent.action == "announce" else "withdrawn"
        lease = now + intent.lease_seconds if intent.action == "announce" else None
        out = []
        with self._write("record the desired routes") as db:
            for upstream in intent.upstreams:
                key = (upstream, intent.route.prefix)
                old = db.execute("SELECT generation FROM routes WHERE upstream = ? AND prefix = ?", key).fetchone()
                gen = (old[0] if old else 0) + 1
                row = RouteRow(upstream, intent.route.prefix, desired, intent.route, intent.id, gen, now, lease)
                db.execute("INSERT OR REPLACE INTO routes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (
                    upstream, row.prefix, desired, _dump(intent.route.to_json()), intent.id, gen, now, lease, "{}"))
                out.append(row)
        return out

    def routes(self) -> list[RouteRow]:
        return [self._row(r) for r in self._read("SELECT * FROM routes ORDER BY prefix, upstream")]

    def record_stage(self, key: Key, generation: int, stage: Stage) -> bool:
        with self._write("record a stage") as db:
            row = db.execute("SELECT generation, stages FROM routes WHERE upstream = ? AND prefix = ?",
                             key).fetchone()
            if row is None or row[0] != generation:
                return False
            stages = json.loads(row[1])
            old = stages.get(stage.name)
            if old is not None and (old["state"] == "done" or old == stage.to_json()):
                return False  # done is final; the same verdict twice is not news
            stages[stage.name] = stage.to_json()
            db.execute("UPDATE routes SET stages = ? WHERE upstream = ? AND prefix = ?", (_dump(stages), *key))
            return True

    def expire(self, now: float) -> list[RouteRow]:
        out = []
        with self._write("expire leases") as db:
            rows = db.execute("SELECT * FROM routes WHERE desired = 'announced' AND lease_expires IS NOT NULL "
                              "AND lease_expires <= ?", (now,)).fetchall()
            for raw in rows:
                old = self._row(raw)
                db.execute("UPDATE routes SET desired = 'withdrawn', generation = ?, changed_at = ?, stages = '{}' "
                           "WHERE upstream = ? AND prefix = ?", (old.generation + 1, now, *old.key))
                out.append(RouteRow(old.upstream, old.prefix, "withdrawn", old.route, old.intent_id,
                                    old.generation + 1, now, old.lease_expires))
        return out

    # provider rate limits

    def last_calls(self) -> dict[str, float]:
        return {u: at for u, at in self._read("SELECT upstream, at FROM calls")}

    def note_call(self, upstream: str, when: float) -> None:
        with self._write("note a provider call") as db:
            db.execute("INSERT OR REPLACE INTO calls VALUES (?, ?)", (upstream, when))
