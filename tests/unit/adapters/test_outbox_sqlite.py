from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from oob_console.adapters.outbox_sqlite import SqliteOutbox
from oob_console.core.notice import Notice
from oob_console.errors import StorageError


def notice(i: int = 1, created: float = 100.0) -> Notice:
    return Notice(id=f"n{i:015d}", site="s", severity="warning", text=f"message {i}", created=created,
                  kind="manual", details={"i": i})


def test_add_claim_settle_round_trip(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "outbox.db")
    box.add(notice(), ["pd", "matrix"], expires=1000.0)
    assert (tmp_path / "outbox.db").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(tmp_path / "outbox.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    claims = box.claim_due(100.0, lease=10)
    assert sorted((c.channel, c.attempt) for c in claims) == [("matrix", 1), ("pd", 1)]
    assert claims[0].notice == notice() and claims[0].expires == 1000.0
    assert box.claim_due(101.0, lease=10) == []  # claimed: nobody else takes them during the lease
    pd = next(c for c in claims if c.channel == "pd")
    box.settle(pd, "delivered", now=102.0, next_at=None, error="HTTP 202", remote_id="k")
    mx = next(c for c in claims if c.channel == "matrix")
    box.settle(mx, "pending", now=102.0, next_at=150.0, error="HTTP 503", remote_id="")
    assert box.next_due() == 150.0
    assert box.claim_due(149.0, lease=10) == []
    again = box.claim_due(150.0, lease=10)
    assert [(c.channel, c.attempt) for c in again] == [("matrix", 2)]
    rows = {r.channel: r for r in box.rows(include_done=True, limit=10)}
    assert rows["pd"].state == "delivered" and rows["pd"].remote_id == "k" and rows["pd"].done_at == 102.0
    assert rows["matrix"].attempts == 2 and rows["matrix"].last_error == "HTTP 503"
    assert [r.channel for r in box.rows(include_done=False, limit=10)] == ["matrix"]


def test_a_claim_left_by_a_dead_process_runs_out(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db")
    box.add(notice(), ["pd"], expires=1000.0)
    assert len(box.claim_due(100.0, lease=5)) == 1  # and then the process "dies"
    assert box.next_due() == 105.0
    assert box.claim_due(104.9, lease=5) == []
    retry = SqliteOutbox(tmp_path / "o.db").claim_due(105.0, lease=5)
    assert [c.attempt for c in retry] == [2]  # the interrupted try counted


def test_claim_for_one_message_only(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db")
    box.add(notice(1), ["pd"], expires=1000.0)
    box.add(notice(2), ["pd"], expires=1000.0)
    claims = box.claim_due(200.0, lease=5, message_id=notice(2).id)
    assert [c.notice.id for c in claims] == [notice(2).id]
    assert box.next_due(message_id=notice(2).id) == 205.0
    assert box.next_due(message_id=notice(1).id) == 100.0


def test_a_duplicate_id_is_a_storage_error_and_stores_nothing(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db")
    box.add(notice(), ["pd"], expires=1000.0)
    with pytest.raises(StorageError):
        box.add(notice(), ["slack"], expires=1000.0)
    assert [r.channel for r in box.rows(include_done=True, limit=10)] == ["pd"]


def test_an_unwritable_outbox_is_a_storage_error(tmp_path: Path) -> None:
    (tmp_path / "o.db").mkdir()  # a directory where the file should be
    with pytest.raises(StorageError) as info:
        SqliteOutbox(tmp_path / "o.db").add(notice(), ["pd"], expires=1000.0)
    assert info.value.where == str(tmp_path / "o.db")


def test_claims_come_in_batches_oldest_first(tmp_path: Path) -> None:
    box = SqliteOutbox(tmp_path / "o.db")
    for i in range(5):
        box.add(notice(i, created=100.0 + i), ["pd"], expires=1000.0)
    first = box.claim_due(200.0, lease=5, limit=2)
    assert [c.notice.id for c in first] == [notice(0).id, notice(1).id]
    assert len(box.claim_due(200.0, lease=5, limit=10)) == 3
