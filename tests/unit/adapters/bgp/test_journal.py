"""The BGP journal: atomic transitions, stage rules, leases, tamper detection, kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oob_console.adapters.bgp.journal_sqlite import SqliteJournal
from oob_console.core.bgp.intent import BgpIntent, make_route
from oob_console.core.bgp.stages import Stage
from oob_console.errors import ConflictError, IntegrityError, NotFoundError
from oob_console.services.bgp.ports import IntentRecord


def intent(prefix: str = "203.0.113.0/24", action: str = "announce", lease: int = 60,
           upstreams: tuple[str, ...] = ("a", "b"), nonce: str = "n") -> BgpIntent:
    return BgpIntent(action, make_route(prefix, origin_as=64500), upstreams, lease,  # type: ignore[arg-type]
                     "local:t", "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z", nonce)


def record(i: BgpIntent) -> IntentRecord:
    return IntentRecord(i, "pending", "", 1.0, 1.0, {"ok": True})


def test_file_is_private_and_intents_round_trip(tmp_path: Path) -> None:
    j = SqliteJournal(tmp_path / "j" / "bgp.db")
    assert stat.S_IMODE((tmp_path / "j" / "bgp.db").stat().st_mode) == 0o600
    i = intent()
    j.add_intent(record(i))
    with pytest.raises(ConflictError):
        j.add_intent(record(i))
    got = j.intent(i.id)
    assert got.intent == i and got.status == "pending" and got.preflight == {"ok": True}
    with pytest.raises(NotFoundError):
        j.intent("bgp-nope")


def test_transition_is_compare_and_set(tmp_path: Path) -> None:
    j = SqliteJournal(tmp_path / "bgp.db")
    i = intent()
    j.add_intent(record(i))
    assert j.transition(i.id, ["pending"], "executing")
    assert not j.transition(i.id, ["pending"], "executing")  # a second executor loses
    assert j.transition(i.id, ["executing"], "done", result={"x": 1})
    assert j.intent(i.id).result == {"x": 1} and [r.intent.id for r in j.intents(["done"])] == [i.id]


def test_apply_bumps_generation_and_stages_never_downgrade(tmp_path: Path) -> None:
    j = SqliteJournal(tmp_path / "bgp.db")
    rows = j.apply(intent(), now=100.0)
    assert [(r.upstream, r.generation, r.lease_expires) for r in rows] == [("a", 1, 160.0), ("b", 1, 160.0)]
    key = rows[0].key
    assert j.record_stage(key, 1, Stage("advertised", "timeout", 5.0))
    assert j.record_stage(key, 1, Stage("advertised", "done", 6.0))  # late success upgrades a timeout
    assert not j.record_stage(key, 1, Stage("advertised", "failed", 7.0))  # done is final
    assert not j.record_stage(key, 2, Stage("visible", "done"))  # another generation: ignored
    again = j.apply(intent(action="withdraw", lease=0, nonce="m"), now=101.0)
    assert again[0].generation == 2 and again[0].desired == "withdrawn" and again[0].stages == {}


def test_expire_marks_exactly_the_passed_leases(tmp_path: Path) -> None:
    j = SqliteJournal(tmp_path / "bgp.db")
    j.apply(intent(lease=10, upstreams=("a",)), now=0.0)
    j.apply(intent("198.51.100.0/24", lease=20, upstreams=("a",)), now=0.0)
    assert j.expire(5.0) == []
    gone = j.expire(10.0)
    assert [(r.prefix, r.desired, r.generation) for r in gone] == [("203.0.113.0/24", "withdrawn", 2)]
    assert j.expire(10.0) == []
    assert {r.prefix: r.desired for r in j.routes()} == {"203.0.113.0/24": "withdrawn", "198.51.100.0/24": "announced"}


def test_an_edited_intent_row_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "bgp.db"
    j = SqliteJournal(path)
    i = intent()
    j.add_intent(record(i))
    j.close()
    db = sqlite3.connect(path)
    payload = db.execute("SELECT payload FROM intents").fetchone()[0]
    db.execute("UPDATE intents SET payload = ?", (payload.replace("203.0.113.0/24", "198.51.100.0/24"),))
    db.commit()
    db.close()
    with pytest.raises(IntegrityError, match="does not match its content"):
        SqliteJournal(path).intent(i.id)


WRITER = """
import sys, time
from pathlib import Path
from oob_console.adapters.bgp.journal_sqlite import SqliteJournal
from oob_console.core.bgp.intent import BgpIntent, make_route
j = SqliteJournal(Path(sys.argv[1]))
n = 0
while True:
    n += 1
    i = BgpIntent("announce", make_route("203.0.113.0/24", origin_as=64500), ("a",), 60, "t",
                  "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z", str(n))
    j.apply(i, time.time())
    print(n, flush=True)
"""


def test_survives_kill_9_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "bgp.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[4])
    assert proc.stdout is not None
    last = 0
    deadline = time.monotonic() + 20
    while last < 30 and time.monotonic() < deadline:
        last = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rows = SqliteJournal(path).routes()
    assert len(rows) == 1 and rows[0].generation >= last  # every reported write is there
