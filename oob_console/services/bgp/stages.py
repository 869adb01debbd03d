"""Staged confirmation of journaled routes: sent on our session, accepted by the upstream.

The watcher reads the stages already recorded (by whoever saw them: the CLI
that executed, or the supervisor that saw a session come up later), asks the
backend and the confirmation sources about what is still open, records what it
learns (audited) and marks a stage ``timeout`` once its deadline has passed.
A timed-out stage is still watched: if it completes later, it becomes done.

The last stage asks every confirmation source of the upstream (strongest
first: its own view, route collectors, a feed carrying the prefix back). Any
source showing the route proves it (the strongest that does is reported);
the upstream's own view showing it absent after the expected time is NOT
ACCEPTED; no source, or none that could tell by the deadline, is UNCONFIRMED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from oob_console.core.bgp.desired import Key, RouteRow
from oob_console.core.bgp.intent import format_seconds
from oob_console.core.bgp.stages import PROOF, Stage
from oob_console.errors import OobError
from oob_console.services.audit.service import AuditService
from oob_console.services.bgp.ports import SOURCE_KINDS, BgpJournal, ConfirmSource, RouteBackend

if TYPE_CHECKING:
    from oob_console.services.bgp.service import UpstreamSettings

_FINAL = ("done", "failed", "skipped")


def finished(row: RouteRow) -> bool:
    """Nothing more to wait for on this row (done, failed, skipped or timed out)."""
    st = row.stages
    acc, adv, vis = st.get("accepted"), st.get("advertised"), st.get("visible")
    if acc is None or acc.state == "pending":
        return False
    if acc.state != "done" or (adv is not None and adv.state in ("failed", "timeout")):
        return True
    return adv is not None and adv.state == "done" and vis is not None and vis.state in (
        *_FINAL, "timeout", "rejected", "unconfirmed")


class StageWatcher:
    def __init__(self, upstreams: Mapping[str, UpstreamSettings], journal: BgpJournal,
                 backends: Mapping[str, RouteBackend], sources: Mapping[str, Sequence[ConfirmSource]],
                 audit: AuditService, clock: Callable[[], float]) -> None:
        self.upstreams = upstreams
        self.journal = journal
        self.backends = backends
        self.sources = sources
        self.audit = audit
        self.clock = clock
        self._asked_lg: dict[Key, float] = {}  # when each row's looking glass was last asked

    def stamp(self, row: RouteRow, stage: Stage, now: float) -> Stage:
        """The stage with its elapsed time (since the change) and the expected time of its backend."""
        up = self.upstreams.get(row.upstream)
        at = stage.at if stage.at is not None else now
        elapsed = None if stage.state == "pending" else max(0.0, at - row.changed_at)
        proof = stage.proof or (PROOF.get(up.backend, {}).get(stage.name, "") if up and stage.state == "done" else "")
        return Stage(stage.name, stage.state, elapsed, up.expected.get(stage.name, 0.0) if up else 0.0,
                     stage.detail, at, proof)

    def finish(self, row: RouteRow, stage: Stage, now: float) -> Stage:
        """Stamp a stage and record it for this row's generation."""
        full = self.stamp(row, stage, now)
        self.journal.record_stage(row.key, row.generation, full)
        return full

    def _late(self, row: RouteRow, name: str, now: float) -> bool:
        up = self.upstreams.get(row.upstream)
        return up is not None and now - row.changed_at > up.deadline.get(name, 0.0)

    def _record(self, row: RouteRow, stage: Stage, now: float, out: list[tuple[RouteRow, Stage]]) -> None:
        full = self.stamp(row, stage, now)
        if not self.journal.record_stage(row.key, row.generation, full):
            return  # someone else (the CLI, the supervisor) recorded it first
        self.audit.record("bgp.stage", row.prefix, full.state,
                          {"upstream": row.upstream, "stage": full.name, "generation": row.generation,
                           "intent": row.intent_id, "elapsed_s": full.elapsed, "detail": full.detail})
        out.append((row, full))

    def check(self, keys: Sequence[Key] | None = None) -> list[tuple[RouteRow, Stage]]:
        """One pass over the rows (all, or ``keys``): advance, time out, record; what changed."""
        now = self.clock()
        wanted = set(keys) if keys is not None else None
        rows = [r for r in self.journal.routes() if (wanted is None or r.key in wanted) and not finished_all(r)]
        out: list[tuple[RouteRow, Stage]] = []
        for row in rows:  # handed over but not yet taken (the speaker is down): only time can tell
            acc = row.stages.get("accepted")
            if acc is not None and acc.state == "pending" and self._late(row, "accepted", now):
                wait = format_seconds(self.upstreams[row.upstream].deadline["accepted"])
                self._record(row, Stage("accepted", "timeout", detail=f"not taken within {wait}: {acc.detail}"),
                             now, out)
        waiting = [r for r in rows if _open(r, "advertised")]
        for backend, group in _by_backend(waiting, self.backends):
            try:
                verdicts = backend.advertised(group)
            except OobError as exc:
                verdicts = {r.key: Stage("advertised", "pending", detail=exc.message) for r in group}
            for row in group:
                verdict = verdicts.get(row.key, Stage("advertised", "pending"))
                old = row.stages.get("advertised")
                if verdict.state in ("done", "failed"):
                    self._record(row, verdict, now, out)
                elif self._late(row, "advertised", now) and (old is None or old.state != "timeout"):
                    wait = format_seconds(self.upstreams[row.upstream].deadline["advertised"])
                    detail = f"not {'advertised' if row.desired == 'announced' else 'withdrawn'} within {wait}"
                    self._record(row, Stage("advertised", "timeout", detail=f"{detail}: {verdict.detail}"),
                                 now, out)
        for row in rows:
            adv, vis = row.stages.get("advertised"), row.stages.get("visible")
            if not (adv is not None and adv.state == "done") or (vis is not None and vis.state in _FINAL):
                continue
            self._visible(row, vis, now, out)
        return out

    def _visible(self, row: RouteRow, old: Stage | None, now: float, out: list[tuple[RouteRow, Stage]]) -> None:
        sources = sorted(self.sources.get(row.upstream, ()), key=lambda c: SOURCE_KINDS.index(c.kind))
        want = row.desired == "announced"
        if not sources:
            if old is None or old.state != "unconfirmed":
                self._record(row, Stage("visible", "unconfirmed", detail="no confirmation source for this upstream "
                                        "(its looking glass, route collectors or a feed): nothing can tell whether "
                                        "it took the route", proof="nothing"), now, out)
            return
        up = self.upstreams.get(row.upstream)
        every = max(0.2, min((up.expected.get("visible", 10.0) if up else 10.0) / 20, 60.0))
        if now - self._asked_lg.get(row.key, 0.0) < every:
            return  # looking glasses and collectors are shared services: ask at a polite pace
        self._asked_lg[row.key] = now
        answers: list[tuple[ConfirmSource, bool | None, str]] = []
        for src in sources:
            try:
                seen, evidence = src.source.visible(row.prefix, row.route.origin_as)
            except OobError as exc:
                seen, evidence = None, exc.message
            answers.append((src, seen, evidence))
            if seen is want:
                break  # the strongest source that shows it is enough
        proved = next(((s, e) for s, seen, e in answers if seen is want), None)
        if proved is not None:
            self._record(row, Stage("visible", "done", detail=proved[1], proof=proved[0].title), now, out)
            return
        expected = up.expected.get("visible", 0.0) if up else 0.0
        own = next(((s, e) for s, seen, e in answers if s.kind == "upstream" and seen is (not want)), None)
        if own is not None and now - row.changed_at >= expected:
            if old is None or old.state != "rejected":
                what = "does not show it" if want else "still shows it"
                after = format_seconds(now - row.changed_at)
                self._record(row, Stage("visible", "rejected", detail=f"{what} after {after}: {own[1]}",
                                        proof=own[0].title), now, out)
            return
        if self._late(row, "visible", now) and (old is None or old.state not in ("unconfirmed", "rejected")):
            wait = format_seconds(self.upstreams[row.upstream].deadline["visible"])
            said = "; ".join(f"{s.title}: {'unavailable: ' if seen is None else ''}{e}" for s, seen, e in answers)
            self._record(row, Stage("visible", "unconfirmed", detail=f"no source could tell within {wait} ({said})",
                                    proof="nothing"), now, out)

    def confirm(self, rows: Sequence[RouteRow], stages: dict[Key, dict[str, Stage]],
                on_stage: Callable[[RouteRow, Stage], None] | None, *, sleep: Callable[[float], None]) -> None:
        """Poll until every row is finished (done, failed, skipped or timed out); fill ``stages``."""
        keys = [r.key for r in rows]
        gens = {r.key: r.generation for r in rows}
        cap = min((_poll_interval(self.upstreams.get(r.upstream)) for r in rows), default=0.05)
        poll = 0.02  # start fast (a BGP session answers in milliseconds), back off toward the cap
        while True:
            for row, stage in self.check(keys):
                stages.setdefault(row.key, {})[stage.name] = stage
                if on_stage is not None:
                    on_stage(row, stage)
            current = [r for r in self.journal.routes() if r.key in gens and r.generation == gens[r.key]]
            for row in current:  # stages recorded by someone else (the supervisor) count too
                for name, stage in row.stages.items():
                    known = stages.get(row.key, {}).get(name)
                    if known is None or known.to_json() != stage.to_json():
                        stages.setdefault(row.key, {})[name] = stage
                        if on_stage is not None:
                            on_stage(row, stage)
            if len(current) < len(keys) or all(finished(r) for r in current):
                return
            sleep(poll)
            poll = min(poll * 1.5, cap)


def finished_all(row: RouteRow) -> bool:
    """Every stage final: nothing left to watch, even in the background."""
    st = row.stages
    acc = st.get("accepted")
    if acc is None or acc.state in ("pending", "timeout"):
        return False
    if acc.state != "done":
        return True
    adv, vis = st.get("advertised"), st.get("visible")
    return (adv is not None and adv.state in ("done", "failed")
            and vis is not None and vis.state in _FINAL) or (adv is not None and adv.state == "failed")


def _open(row: RouteRow, name: str) -> bool:
    acc, stage = row.stages.get("accepted"), row.stages.get(name)
    return acc is not None and acc.state == "done" and (stage is None or stage.state in ("pending", "timeout"))


def _by_backend(rows: Sequence[RouteRow], backends: Mapping[str, RouteBackend]
                ) -> list[tuple[RouteBackend, list[RouteRow]]]:
    groups: dict[int, tuple[RouteBackend, list[RouteRow]]] = {}
    for row in rows:
        backend = backends.get(row.upstream)
        if backend is not None:
            groups.setdefault(id(backend), (backend, []))[1].append(row)
    return list(groups.values())


def _poll_interval(up: UpstreamSettings | None) -> float:
    if up is None:
        return 0.05
    return max(0.05, min(up.expected.get("advertised", 1.0) / 40, 10.0))
