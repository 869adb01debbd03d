"""The accepted-by-upstream stage with a feed among its sources (the real watcher, journal and audit file).

Strongest source that answers is reported; a feed is below the upstream's own view and the
collectors; a silent feed, however long, is UNCONFIRMED and never NOT ACCEPTED.
"""

from __future__ import annotations

from pathlib import Path

from oob_console.adapters.audit_jsonl import AuditFile
from oob_console.adapters.bgp.journal_sqlite import SqliteJournal
from oob_console.core.bgp.desired import RouteRow
from oob_console.core.bgp.intent import BgpIntent, make_route
from oob_console.core.bgp.stages import Stage
from oob_console.errors import UnavailableError
from oob_console.services.audit import AuditService
from oob_console.services.bgp.feed import FeedSource
from oob_console.services.bgp.ports import ConfirmSource, FeedRoutes, IntentRecord, SourceKind
from oob_console.services.bgp.service import UpstreamSettings
from oob_console.services.bgp.stages import StageWatcher

PREFIX = "203.0.113.0/24"


class Received:
    """What B's session received (the ReceivedRoutes port)."""

    def __init__(self, path: tuple[int, ...] | None, up: bool = True) -> None:
        self.path, self.up, self.asked = path, up, 0

    def received(self, upstream: str, prefix: str) -> FeedRoutes:
        self.asked += 1
        return FeedRoutes(upstream, self.up, "up" if self.up else "down (peer reset)", self.path)


class Collector:
    def __init__(self, answer: bool | None) -> None:
        self.answer = answer

    def visible(self, prefix: str, origin_as: int) -> tuple[bool, str]:
        if self.answer is None:
            raise UnavailableError("collector timed out")
        return self.answer, "collector says so"


def _watch(tmp_path: Path, sources: list[tuple[str, SourceKind, object]], clock: list[float]
           ) -> tuple[StageWatcher, RouteRow]:
    journal = SqliteJournal(tmp_path / "bgp.db")
    intent = BgpIntent("announce", make_route(PREFIX, origin_as=64500), ("isp-a",), 3600, "local:t",
                       "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z", "n")
    journal.add_intent(IntentRecord(intent, "pending", "", 1.0, 1.0, {"ok": True}))
    (row,) = journal.apply(intent, clock[0])
    for name in ("accepted", "advertised"):
        journal.record_stage(row.key, row.generation, Stage(name, "done", at=clock[0]))
    log = AuditFile(tmp_path / "audit.jsonl", checkpoint_every=100, checkpoint_interval=3600.0,
                    seal_key=tmp_path / "seal.key")
    log.start_sealing(actor="t", site="s")
    up = UpstreamSettings("isp-a", "exabgp", {"visible": 1.0}, {"visible": 5.0})
    watcher = StageWatcher({"isp-a": up}, journal, {},
                           {"isp-a": [ConfirmSource(n, k, s) for n, k, s in sources]},  # type: ignore[arg-type]
                           AuditService(log, "t"), lambda: clock[0])
    return watcher, row


def _visible(watcher: StageWatcher) -> Stage | None:
    (row,) = watcher.journal.routes()
    return row.stages.get("visible")


def test_the_feed_proves_it_when_stronger_sources_cannot_tell(tmp_path: Path) -> None:
    clock = [1000.0]
    feed = FeedSource(Received((64502, 64501, 64500)), "isp-b", 64501)
    watcher, _ = _watch(tmp_path, [("isp-b", "feed", feed), ("rc", "collector", Collector(None))], clock)
    watcher.check()
    stage = _visible(watcher)
    assert stage is not None and stage.state == "done" and stage.proof == "feed via isp-b"
    assert stage.detail == "seen on isp-b's feed (path 64502 64501 64500)"


def test_a_collector_that_shows_it_is_reported_before_the_feed(tmp_path: Path) -> None:
    clock = [1000.0]
    received = Received((64502, 64501, 64500))
    watcher, _ = _watch(tmp_path, [("isp-b", "feed", FeedSource(received, "isp-b", 64501)),
                                   ("rc", "collector", Collector(True))], clock)
    watcher.check()
    stage = _visible(watcher)
    assert stage is not None and stage.proof == "route collector rc" and received.asked == 0


def test_a_silent_feed_is_unconfirmed_never_not_accepted(tmp_path: Path) -> None:
    for path, up in ((None, True), ((64502, 64503, 64500), True), ((64502, 64501, 64500), False)):
        home = tmp_path / f"{path}-{up}"
        home.mkdir()
        watcher, _ = _watch(home, [("isp-b", "feed", FeedSource(Received(path, up), "isp-b", 64501))], [1000.0])
        for now in (1000.0, 1002.0, 1010.0):  # before, after the expected time, after the deadline
            watcher.clock = lambda now=now: now  # type: ignore[misc]
            watcher.check()
            stage = _visible(watcher)
            assert stage is None or stage.state == "unconfirmed", (path, up, stage)
        stage = _visible(watcher)
        assert stage is not None and stage.state == "unconfirmed" and "feed via isp-b" in stage.detail
        if not up:
            assert "session is down (peer reset)" in stage.detail
