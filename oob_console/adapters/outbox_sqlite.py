"""The durable outbox: accepted notices and their deliveries in SQLite.

WAL with ``synchronous=FULL``: a transaction that has committed is on disk and
survives ``kill -9`` and power loss. Several processes (the CLI, a flush timer,
the SSH server) share the file; a delivery is *claimed* in an ``IMMEDIATE``
transaction for a lease, so two of them never send the same delivery at once,
and a claim left behind by a killed process simply runs out.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from oob_console.core.notice import DeliveryState, Notice
from oob_console.errors import StorageError
from oob_console.services.notify.ports import Claim, DeliveryRow

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    severity TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    message_id TEXT NOT NULL REFERENCES messages(id),
    channel TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'expired')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL,
    claimed_until REAL,
    last_error TEXT NOT NULL DEFAULT '',
    remote_id TEXT NOT NULL DEFAULT '',
    done_at REAL,
    PRIMARY KEY (message_id, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
"""

_ROW = """
SELECT d.message_id, d.channel, d.state, d.attempts, m.created, d.next_at, d.last_error, d.remote_id,
       d.done_at, m.severity, m.kind, m.text
FROM deliveries d JOIN messages m ON m.id = d.message_id
"""

_CLAIM = """
SELECT m.id, m.site, m.created, m.expires, m.severity, m.kind, m.text, m.details, d.channel, d.attempts
FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE """


class SqliteOutbox:
    """One outbox file; a connection per call, so instances are safe to share between threads."""

    def __init__(self, path: Path, *, busy_timeout: float = 10.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self._ready = False

    def _fail(self, what: str, exc: sqlite3.Error) -> StorageError:
        return StorageError(
            f"outbox {what} failed: {exc}", where=str(self.path),
            hint="check the disk and the file's permissions; 'oob notify status' shows what is queued",
        )

    @contextmanager
    def _tx(self, what: str, *, write: bool) -> Iterator[sqlite3.Connection]:
        try:
            if not self._ready:
                self._create()
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._fail(what, exc) from None
        except OSError as exc:
            raise StorageError(f"cannot open the outbox: {exc.strerror}", where=str(self.path)) from None
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail(what, exc) from None
        finally:
            conn.close()

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file 0600 ourselves: sqlite would honour the umask instead.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                side.chmod(0o600)
        self._ready = True

    def add(self, notice: Notice, channels: Sequence[str], expires: float) -> None:
        with self._tx("add", write=True) as conn:
            conn.execute(
                "INSERT INTO messages (id, site, created, expires, severity, kind, text, details)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (notice.id, notice.site, notice.created, expires, notice.severity, notice.kind, notice.text,
                 json.dumps(notice.details, sort_keys=True)),
            )
            conn.executemany(
                "INSERT INTO deliveries (message_id, channel, state, next_at) VALUES (?, ?, 'pending', ?)",
                [(notice.id, channel, notice.created) for channel in channels],
            )

    def claim_due(self, now: float, lease: float, *, message_id: str | None = None, limit: int = 16) -> list[Claim]:
        where = "d.state = 'pending' AND d.next_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?)"
        params: list[Any] = [now, now]
        if message_id is not None:
            where += " AND d.message_id = ?"
            params.append(message_id)
        # Only constant SQL is joined here; every value is bound.
        query = _CLAIM + where + " ORDER BY d.next_at, m.created LIMIT ?"
        params.append(limit)
        with self._tx("claim", write=True) as conn:
            rows = conn.execute(query, params).fetchall()
            conn.executemany(
                "UPDATE deliveries SET attempts = attempts + 1, claimed_until = ? WHERE message_id = ? AND channel = ?",
                [(now + lease, r[0], r[8]) for r in rows],
            )
        return [
            Claim(Notice(id=r[0], site=r[1], created=r[2], severity=r[4], kind=r[5], text=r[6],
                         details=json.loads(r[7])), channel=r[8], attempt=r[9] + 1, expires=r[3])
            for r in rows
        ]

    def settle(
        self, claim: Claim, state: DeliveryState, *, now: float, next_at: float | None, error: str, remote_id: str
    ) -> None:
        with self._tx("update", write=True) as conn:
            conn.execute(
                "UPDATE deliveries SET state = ?, next_at = ?, claimed_until = NULL, last_error = ?,"
                " remote_id = CASE WHEN ? != '' THEN ? ELSE remote_id END, done_at = ?"
                " WHERE message_id = ? AND channel = ?",
                (state, next_at, error, remote_id, remote_id, None if state == "pending" else now,
                 claim.notice.id, claim.channel),
            )

    def rows(self, *, include_done: bool, limit: int) -> list[DeliveryRow]:
        where = "" if include_done else " WHERE d.state != 'delivered'"
        with self._tx("read", write=False) as conn:
            rows = conn.execute(f"{_ROW}{where} ORDER BY m.created DESC, d.channel LIMIT ?", (limit,)).fetchall()
        return [DeliveryRow(*r) for r in rows]

    def next_due(self, *, message_id: str | None = None) -> float | None:
        query = "SELECT MIN(MAX(next_at, COALESCE(claimed_until, 0))) FROM deliveries WHERE state = 'pending'"
        with self._tx("read", write=False) as conn:
            if message_id is None:
                row = conn.execute(query).fetchone()
            else:
                row = conn.execute(query + " AND message_id = ?", (message_id,)).fetchone()
        return None if row is None or row[0] is None else float(row[0])
