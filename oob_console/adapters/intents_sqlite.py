"""Intents and their approvals in the SQLite store.

The canonical bytes are stored as they were made and parsed again on every
read, so what approvers sign is always exactly what was stored. State
changes are compare-and-set statements: an intent leaves ``open`` once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oob_console.adapters.store_sqlite import SqliteStore
from oob_console.core.auth.intents import Approval, Intent, IntentError, format_time, parse_intent
from oob_console.errors import ConflictError, IntegrityError, NotFoundError


@dataclass(frozen=True)
class StoredIntent:
    intent: Intent
    state: str
    result: dict[str, Any]
    updated: str
    approvals: tuple[Approval, ...]


class IntentStore:
    def __init__(self, db: SqliteStore) -> None:
        self.db = db

    def add(self, intent: Intent, at: str) -> None:
        """Raises: ConflictError on an ID collision (the caller retries with a new nonce)."""
        with self.db.tx() as conn:
            try:
                conn.execute(
                    "INSERT INTO intents (id, hash, canonical, action, requester, created, expires, state, updated) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                    (intent.id, intent.hash, intent.canonical, intent.action, intent.requester,
                     format_time(intent.created), format_time(intent.expires), at),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(f"intent ID {intent.id} exists") from None

    def _load(self, conn: sqlite3.Connection, row: Sequence[Any]) -> StoredIntent:
        intent_id, canonical, state, result, updated = row
        try:
            intent = parse_intent(bytes(canonical))
        except IntentError as exc:
            raise IntegrityError(f"stored intent {intent_id} is damaged: {exc}", where=str(self.db.path)) from None
        if intent.id != intent_id:
            raise IntegrityError(f"stored intent {intent_id} does not match its bytes", where=str(self.db.path))
        approvals = tuple(
            Approval(r[0], r[1], r[2], bool(r[3]), r[4])
            for r in conn.execute(
                "SELECT user, key_id, method, user_verified, at FROM approvals WHERE intent_id = ? ORDER BY at",
                (intent_id,),
            )
        )
        return StoredIntent(intent, state, json.loads(result), updated, approvals)

    def get(self, intent_id: str) -> StoredIntent:
        """Raises: NotFoundError."""
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT id, canonical, state, result, updated FROM intents WHERE id = ? OR hash = ?",
                (intent_id, intent_id),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no intent {intent_id!r}", hint="see 'oob intent list --all'")
            return self._load(conn, row)

    def list_intents(self, *, states: Sequence[str] | None = None, limit: int = 200) -> list[StoredIntent]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT id, canonical, state, result, updated FROM intents ORDER BY created DESC, id LIMIT ?",
                (limit,),
            ).fetchall()
            return [self._load(conn, r) for r in rows if states is None or r[2] in states]

    def add_approval(self, intent_id: str, approval: Approval, *, counter: int | None, evidence: bytes) -> None:
        """Store one approval while the intent is open.

        Raises:
            ConflictError: this user already approved, or the intent is no longer open.
        """
        with self.db.tx() as conn:
            state = conn.execute("SELECT state FROM intents WHERE id = ?", (intent_id,)).fetchone()
            if state is None or state[0] != "open":
                raise ConflictError(f"intent {intent_id} is not open for approvals")
            try:
                conn.execute(
                    "INSERT INTO approvals VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (intent_id, approval.user, approval.key_id, approval.method, int(approval.user_verified),
                     counter, evidence, approval.at),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(
                    f"{approval.user} has already approved intent {intent_id} (one approval per person)"
                ) from None

    def evidence(self, intent_id: str) -> list[tuple[str, str, bytes]]:
        """(user, method, evidence) of each approval: the signed material, for re-verification."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT user, method, evidence FROM approvals WHERE intent_id = ? ORDER BY at", (intent_id,)
            )
            return [(r[0], r[1], bytes(r[2])) for r in rows]

    def transition(self, intent_id: str, *, from_state: str, to_state: str, at: str,
                   result: dict[str, Any] | None = None) -> bool:
        """Move the intent from ``from_state`` to ``to_state``; False if it was not in ``from_state``."""
        with self.db.tx() as conn:
            cur = conn.execute(
                "UPDATE intents SET state = ?, updated = ?, result = ? WHERE id = ? AND state = ?",
                (to_state, at, json.dumps(result or {}, sort_keys=True), intent_id, from_state),
            )
            return cur.rowcount == 1
