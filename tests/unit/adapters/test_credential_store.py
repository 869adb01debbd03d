"""The SQLite store file: modes, damage, schema versions, kill -9."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from oob_console.adapters.credentials_sqlite import CredentialStore
from oob_console.adapters.store_sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteStore
from oob_console.core.auth.credentials import User
from oob_console.errors import StorageError
from tests.conftest import REPO


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_store_and_its_journal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SqliteStore(path)
    CredentialStore(store).add_user(User("alice", "Alice", ("operator",), created="t", updated="t"))
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert all(f.exists() for f in files)
    assert {oct(f.stat().st_mode & 0o777) for f in files} == {"0o600"}
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_a_store_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SqliteStore(path).close()
    path.chmod(0o644)
    with pytest.raises(StorageError, match="other users can read or write"):
        SqliteStore(path)
    path.chmod(0o600)
    (tmp_path / "alias.db").symlink_to(path)
    with pytest.raises(StorageError, match="symlink"):
        SqliteStore(tmp_path / "alias.db")
    tmp_path.chmod(0o770)
    try:
        with pytest.raises(StorageError, match="writable by group or other"):
            SqliteStore(path)
    finally:
        tmp_path.chmod(0o700)


def test_a_corrupted_store_file_is_a_clear_error_and_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.write_bytes(os.urandom(8192))
    path.chmod(0o600)
    before = digest(path)
    with pytest.raises(StorageError, match="not a readable database") as info:
        SqliteStore(path)
    assert info.value.where == str(path) and "move the damaged file aside" in (info.value.hint or "")
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.db"]


def test_damaged_pages_fail_the_integrity_check_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = SqliteStore(path)
    repo = CredentialStore(store)
    for i in range(300):
        repo.add_user(User(f"user{i}", "x" * 200, ("operator",), created="t", updated="t"))
    store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    for n in (2, 3, 4):  # smash b-tree page headers, as a torn disk write would
        data[n * page : n * page + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises(StorageError, match=r"integrity check|not a readable database"):
        SqliteStore(path)
    assert digest(path) == before


def test_a_store_from_a_newer_version_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = digest(path)
    with pytest.raises(StorageError, match="newer than this oob-console knows"):
        SqliteStore(path)
    assert digest(path) == before


def test_an_old_store_is_migrated_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO users VALUES ('old', 'Old', '[\"admin\"]', 1, 'local', 't', 't')")
    conn.close()
    store = SqliteStore(path)
    assert store.schema_version == SCHEMA_VERSION == 3
    assert CredentialStore(store).get_user("old") == User("old", "Old", ("admin",), True, "local", "t", "t")
    store.close()


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from oob_console.adapters.credentials_sqlite import CredentialStore
    from oob_console.adapters.store_sqlite import SqliteStore
    from oob_console.core.auth.credentials import User
    repo = CredentialStore(SqliteStore(Path(sys.argv[1])))
    i = 0
    while True:
        repo.add_user(User(f"u{i}", "x" * 500, ("operator",), created="t", updated="t"))
        print(i, flush=True)
        i += 1
""")


def test_every_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            cwd=REPO)
    assert proc.stdout is not None
    acked = -1
    for line in proc.stdout:
        acked = int(line)
        if acked >= 40:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = SqliteStore(path)  # recovers the WAL, passes quick_check
    names = {u.name for u in CredentialStore(store).list_users()}
    assert {f"u{i}" for i in range(acked + 1)} <= names
    store.close()
