"""The site's SQLite store file: opening it safely, its schema versions, transactions.

Guarantees:

- the file is created 0600 (never group/world readable; SQLite gives its
  ``-wal``/``-shm`` files the same mode) and an existing file that is readable
  by others is refused;
- WAL journal with ``synchronous=FULL``: a committed transaction survives
  ``kill -9`` and power loss;
- a file that is not a database or fails SQLite's ``quick_check`` is reported
  as a :class:`StorageError` naming the file, and *nothing is written to it*
  (the check runs before any pragma or migration that could write);
- schema versions live in ``PRAGMA user_version``; each migration runs in its
  own transaction; a store written by a newer oob-console is refused.

Every sqlite3 error is translated here (one boundary), in :meth:`SqliteStore.tx`
and :meth:`SqliteStore.read`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oob_console.adapters.files_safe import check_parents, check_private
from oob_console.errors import StorageError

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    name TEXT PRIMARY KEY, display_name TEXT NOT NULL, roles TEXT NOT NULL,
    active INTEGER NOT NULL, origin TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE credentials (
    key_id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('fido2', 'ssh-sk')),
    user TEXT NOT NULL REFERENCES users(name), alg TEXT NOT NULL, public_key BLOB NOT NULL,
    rp_id TEXT NOT NULL, credential_id BLOB UNIQUE, attested_data BLOB, ssh_blob BLOB UNIQUE,
    uv_required INTEGER NOT NULL, no_touch_required INTEGER NOT NULL, counter INTEGER,
    software INTEGER NOT NULL, aaguid TEXT NOT NULL, attestation TEXT NOT NULL, label TEXT NOT NULL,
    origin TEXT NOT NULL, created TEXT NOT NULL, last_used TEXT, revoked TEXT);
CREATE INDEX credentials_user ON credentials(user);
CREATE TABLE login_state (
    user TEXT PRIMARY KEY REFERENCES users(name), failures INTEGER NOT NULL,
    last_failure TEXT, locked_at TEXT);
"""

_V2 = """
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), key_id TEXT NOT NULL,
    method TEXT NOT NULL, user_verified INTEGER NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL);
CREATE TABLE intents (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, canonical BLOB NOT NULL, action TEXT NOT NULL,
    requester TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL, state TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '{}', updated TEXT NOT NULL);
CREATE TABLE approvals (
    intent_id TEXT NOT NULL REFERENCES intents(id), user TEXT NOT NULL, key_id TEXT NOT NULL,
    method TEXT NOT NULL, user_verified INTEGER NOT NULL, counter INTEGER, evidence BLOB NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (intent_id, user));
"""

# Approvals keep their own counter stream (see services/approvals.py): a remote
# approver signs with the same key they then log in with, so a shared counter
# would refuse every `... | ssh-keygen -Y sign | ssh host approve --sshsig -`.
_V3 = """
ALTER TABLE credentials ADD COLUMN approval_counter INTEGER;
"""

# Append only: version N is MIGRATIONS[N-1]. Never edit a released entry.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)


class SqliteStore:
    """One connection to the store file, shared by the store adapters of one Services object."""

    def __init__(self, path: Path, *, busy_timeout: float = 10.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = self._open(busy_timeout)

    def _fail(self, what: str, exc: BaseException, hint: str | None = None) -> StorageError:
        return StorageError(f"{what}: {exc}", where=str(self.path), hint=hint)

    def _open(self, busy_timeout: float) -> sqlite3.Connection:
        path = self.path
        try:
            check_parents(path)  # the store holds the credentials: nobody else may swap or read it
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
            except FileExistsError:
                check_private(path)
        except OSError as exc:
            raise self._fail("cannot create the store", exc) from None
        damaged = "move the damaged file aside (keep it as evidence) and restore a copy or import a bundle"
        try:
            conn = sqlite3.connect(
                f"file:{path}?mode=rw", uri=True, timeout=busy_timeout, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self._fail("cannot open the store", exc) from None
        try:
            # Read-only checks first: a damaged file must not be written to.
            rows = conn.execute("PRAGMA quick_check").fetchall()
            if rows != [("ok",)]:
                detail = "; ".join(str(r[0]) for r in rows[:3])
                raise StorageError(f"the store failed its integrity check: {detail}", where=str(path), hint=damaged)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StorageError(
                    f"the store has schema version {version}, newer than this oob-console knows ({SCHEMA_VERSION})",
                    where=str(path), hint="upgrade oob-console on this host; the store was not changed",
                )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate(conn, version)
        except StorageError:
            conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._fail("the store is not a readable database", exc, damaged) from None
        return conn

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        while version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current == version:  # another process may have migrated meanwhile
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            version = conn.execute("PRAGMA user_version").fetchone()[0]

    @property
    def schema_version(self) -> int:
        with self.read() as conn:
            value: int = conn.execute("PRAGMA user_version").fetchone()[0]
            return value

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT); rolled back if the body raises."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._fail("cannot write the store", exc, "another process may hold it; retry") from None
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise self._fail("cannot write the store", exc) from None
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise self._fail("cannot read the store", exc) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
