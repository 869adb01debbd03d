"""Users, credentials, login failures, sessions and fleet bundles in the SQLite store.

Writes that must not race between processes (two logins replaying one
assertion, two approvals by one person) are single conditional statements
inside ``BEGIN IMMEDIATE`` transactions, so the database decides, not a
read-then-write in Python.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from oob_console.adapters.store_sqlite import SqliteStore
from oob_console.core.auth.credentials import Credential, LoginState, LoginToken, User
from oob_console.errors import ConflictError, NotFoundError

_CRED_COLUMNS = (
    "key_id", "kind", "user", "alg", "public_key", "rp_id", "credential_id", "attested_data", "ssh_blob",
    "uv_required", "no_touch_required", "counter", "software", "aaguid", "attestation", "label", "origin",
    "created", "last_used", "revoked",
)
_CRED_SELECT = f"SELECT {', '.join(_CRED_COLUMNS)} FROM credentials"  # noqa: S608 - fixed column names
_USER_SELECT = "SELECT name, display_name, roles, active, origin, created, updated FROM users"


def _user(row: Sequence[Any]) -> User:
    return User(row[0], row[1], tuple(json.loads(row[2])), bool(row[3]), row[4], row[5], row[6])


def _cred(row: Sequence[Any]) -> Credential:
    v = dict(zip(_CRED_COLUMNS, row, strict=True))
    for name in ("credential_id", "attested_data", "ssh_blob"):
        v[name] = bytes(v[name] or b"")
    for name in ("uv_required", "no_touch_required", "software"):
        v[name] = bool(v[name])
    return Credential(**v)


def _cred_values(c: Credential) -> tuple[Any, ...]:
    return (
        c.key_id, c.kind, c.user, c.alg, c.public_key, c.rp_id, c.credential_id or None, c.attested_data or None,
        c.ssh_blob or None, int(c.uv_required), int(c.no_touch_required), c.counter, int(c.software), c.aaguid,
        c.attestation, c.label, c.origin, c.created, c.last_used, c.revoked,
    )


_CRED_INSERT = (
    f"INSERT INTO credentials ({', '.join(_CRED_COLUMNS)}) "  # noqa: S608 - fixed column names
    f"VALUES ({', '.join('?' * len(_CRED_COLUMNS))})"
)


class CredentialStore:
    def __init__(self, db: SqliteStore) -> None:
        self.db = db

    # users -----------------------------------------------------------------
    def add_user(self, user: User) -> None:
        """Raises: ConflictError if the name exists."""
        with self.db.tx() as conn:
            try:
                conn.execute(
                    "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (user.name, user.display_name, json.dumps(list(user.roles)), int(user.active), user.origin,
                     user.created, user.updated),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(f"user {user.name!r} already exists", hint="pick another name") from None

    def get_user(self, name: str) -> User | None:
        with self.db.read() as conn:
            row = conn.execute(f"{_USER_SELECT} WHERE name = ?", (name,)).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        with self.db.read() as conn:
            return [_user(r) for r in conn.execute(f"{_USER_SELECT} ORDER BY name")]

    def set_user_active(self, name: str, active: bool, at: str) -> None:
        with self.db.tx() as conn:
            cur = conn.execute("UPDATE users SET active = ?, updated = ? WHERE name = ?", (int(active), at, name))
            if cur.rowcount == 0:
                raise NotFoundError(f"no user {name!r}", hint="see 'oob user list'")

    # credentials -----------------------------------------------------------
    def add_credential(self, cred: Credential) -> None:
        """Raises: ConflictError if the key (or its credential ID) is already enrolled."""
        with self.db.tx() as conn:
            try:
                conn.execute(_CRED_INSERT, _cred_values(cred))
            except sqlite3.IntegrityError:
                raise ConflictError(
                    f"key {cred.key_id} is already enrolled", hint="see 'oob key list'; revoked keys stay listed"
                ) from None

    def get_credential(self, key_id: str) -> Credential | None:
        with self.db.read() as conn:
            row = conn.execute(f"{_CRED_SELECT} WHERE key_id = ?", (key_id,)).fetchone()
        return _cred(row) if row else None

    def find_credentials(self, prefix: str) -> list[Credential]:
        """Credentials whose key_id starts with ``prefix`` (for people typing IDs)."""
        with self.db.read() as conn:
            rows = conn.execute(f"{_CRED_SELECT} WHERE substr(key_id, 1, ?) = ?", (len(prefix), prefix))
            return [_cred(r) for r in rows]

    def by_credential_id(self, credential_id: bytes) -> Credential | None:
        with self.db.read() as conn:
            row = conn.execute(f"{_CRED_SELECT} WHERE credential_id = ?", (credential_id,)).fetchone()
        return _cred(row) if row else None

    def by_ssh_blob(self, blob: bytes) -> Credential | None:
        with self.db.read() as conn:
            row = conn.execute(f"{_CRED_SELECT} WHERE ssh_blob = ?", (blob,)).fetchone()
        return _cred(row) if row else None

    def list_credentials(self, user: str | None = None) -> list[Credential]:
        with self.db.read() as conn:
            if user is None:
                rows = conn.execute(f"{_CRED_SELECT} ORDER BY user, created")
            else:
                rows = conn.execute(f"{_CRED_SELECT} WHERE user = ? ORDER BY created", (user,))
            return [_cred(r) for r in rows]

    def revoke_credential(self, key_id: str, at: str) -> None:
        with self.db.tx() as conn:
            cur = conn.execute("UPDATE credentials SET revoked = ? WHERE key_id = ? AND revoked IS NULL", (at, key_id))
            if cur.rowcount == 0:
                raise ConflictError(f"key {key_id} is not an active key", hint="see 'oob key list'")

    def advance_counter(self, key_id: str, counter: int, at: str, *, stream: str = "login",
                        allow_zero: bool = False) -> bool:
        """Record ``counter`` only if it moves forward in its stream and the key is not revoked.

        ``stream`` is "login" (logins) or "approval" (approval signatures); False if it did not move.
        ``allow_zero``: a key without a counter (0 after 0) is accepted (``[auth] allow_zero_counter``).
        """
        column = {"login": "counter", "approval": "approval_counter"}[stream]
        zero_ok = 1 if allow_zero and counter == 0 else 0
        with self.db.tx() as conn:
            cur = conn.execute(
                f"UPDATE credentials SET {column} = ?, last_used = ? "  # noqa: S608 - column from a fixed map
                f"WHERE key_id = ? AND revoked IS NULL AND ({column} IS NULL OR {column} < ? "
                f"OR (? = 1 AND {column} = 0))",
                (counter, at, key_id, counter, zero_ok),
            )
            return cur.rowcount == 1

    # login failures ----------------------------------------------------------
    def login_state(self, user: str) -> LoginState:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT failures, last_failure, locked_at FROM login_state WHERE user = ?", (user,)
            ).fetchone()
        return LoginState(user, *row) if row else LoginState(user)

    def record_failure(self, user: str, at: str, lock_after: int) -> LoginState:
        """Count one failed login; lock the user at ``lock_after`` consecutive failures (0: never)."""
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO login_state (user, failures, last_failure) VALUES (?, 1, ?) "
                "ON CONFLICT(user) DO UPDATE SET failures = failures + 1, last_failure = excluded.last_failure",
                (user, at),
            )
            if lock_after:
                conn.execute(
                    "UPDATE login_state SET locked_at = ? WHERE user = ? AND failures >= ? AND locked_at IS NULL",
                    (at, user, lock_after),
                )
            row = conn.execute(
                "SELECT failures, last_failure, locked_at FROM login_state WHERE user = ?", (user,)
            ).fetchone()
        return LoginState(user, *row)

    def clear_failures(self, user: str) -> LoginState:
        """Reset failures and any lockout; return the state before."""
        before = self.login_state(user)
        with self.db.tx() as conn:
            conn.execute("DELETE FROM login_state WHERE user = ?", (user,))
        return before

    # sessions ---------------------------------------------------------------
    def add_login(self, s: LoginToken) -> None:
        with self.db.tx() as conn:
            conn.execute("DELETE FROM sessions WHERE expires < ?", (s.created,))
            conn.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (s.token_hash, s.user, s.key_id, s.method, int(s.user_verified), s.created, s.expires),
            )

    def get_login(self, token_hash: str) -> LoginToken | None:
        with self.db.read() as conn:
            row = conn.execute(
                "SELECT token_hash, user, key_id, method, user_verified, created, expires FROM sessions "
                "WHERE token_hash = ?", (token_hash,),
            ).fetchone()
        return LoginToken(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6]) if row else None

    def delete_login(self, token_hash: str) -> bool:
        with self.db.tx() as conn:
            return conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,)).rowcount == 1

    # meta and bundles ---------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.db.tx() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def apply_bundle(
        self, *, serial: int, users: Sequence[User], credentials: Sequence[Credential], at: str
    ) -> dict[str, int]:
        """Replace everything that came from bundles with this bundle, in one transaction.

        Users and credentials named in the bundle are created or updated (a key's
        counter keeps the higher of the host's and the bundle's value, so an import
        never re-opens a replay window, and a key revoked here stays revoked, so a
        routine import never revives a key a host admin revoked in an incident);
        bundle-made users and keys absent from it are disabled and revoked. Local
        users the bundle names are taken over.

        Raises:
            ConflictError: ``serial`` is not newer than the last imported serial
                (checked inside the transaction; nothing is changed).
        """
        counts = {"users": 0, "users_disabled": 0, "keys": 0, "keys_revoked": 0}
        with self.db.tx() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'bundle_serial'").fetchone()
            last = int(row[0]) if row else 0
            if serial <= last:
                raise ConflictError(
                    f"bundle serial {serial} is not newer than the imported serial {last} (a rollback?)",
                    hint="import a newer bundle; nothing was changed",
                )
            names = {u.name for u in users}
            for u in users:
                conn.execute(
                    "INSERT INTO users VALUES (?, ?, ?, ?, 'bundle', ?, ?) ON CONFLICT(name) DO UPDATE SET "
                    "display_name = excluded.display_name, roles = excluded.roles, active = excluded.active, "
                    "origin = 'bundle', updated = excluded.updated",
                    (u.name, u.display_name, json.dumps(list(u.roles)), int(u.active), at, at),
                )
                counts["users"] += 1
            for (name,) in conn.execute("SELECT name FROM users WHERE origin = 'bundle' AND active = 1").fetchall():
                if name not in names:
                    conn.execute("UPDATE users SET active = 0, updated = ? WHERE name = ?", (at, name))
                    counts["users_disabled"] += 1
            key_ids = {c.key_id for c in credentials}
            for c in credentials:
                existing = conn.execute(
                    "SELECT counter, revoked FROM credentials WHERE key_id = ?", (c.key_id,)
                ).fetchone()
                if existing is None:
                    conn.execute(_CRED_INSERT, _cred_values(c))
                else:
                    host_counter, host_revoked = existing
                    counter = max(x for x in (host_counter, c.counter, -1) if x is not None)
                    conn.execute(
                        "UPDATE credentials SET user = ?, uv_required = ?, no_touch_required = ?, label = ?, "
                        "origin = 'bundle', revoked = ?, counter = ? WHERE key_id = ?",
                        (c.user, int(c.uv_required), int(c.no_touch_required), c.label, host_revoked or c.revoked,
                         None if counter < 0 else counter, c.key_id),
                    )
                counts["keys"] += 1
            rows = conn.execute("SELECT key_id FROM credentials WHERE origin = 'bundle' AND revoked IS NULL").fetchall()
            for (key_id,) in rows:
                if key_id not in key_ids:
                    conn.execute("UPDATE credentials SET revoked = ? WHERE key_id = ?", (at, key_id))
                    counts["keys_revoked"] += 1
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('bundle_serial', ?)", (str(serial),))
        return counts
