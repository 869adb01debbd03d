"""Emergency BGP: plan, request (quorum), execute, confirm, status.

The flow of one announcement or withdrawal:

1. ``plan``: build the intent, run every preflight check (nothing changes).
2. ``request``: refuse if the preflight fails; otherwise open ONE intent in the
   approvals store over its payload: its ID there is the BGP intent's ID (the
   journal keeps the desired routes and the stages under that same ID), so
   ``oob approve ID`` and ``oob bgp approve ID`` name the same thing.
3. ``execute`` once the quorum is in: claim the intent (only one executor), run
   the preflight again on fresh data, journal the desired routes, hand them to
   each upstream's backend, then confirm stage by stage.

Every step is audited before it is reported, and an audit write that fails
stops the step (fail closed).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from oob_console.core.bgp.desired import Key, RouteRow
from oob_console.core.bgp.intent import Action, BgpIntent, format_seconds, iso, make_route
from oob_console.core.bgp.preflight import BgpPolicy, JournalView, PreflightReport, rate_wait, run_preflight
from oob_console.core.bgp.stages import STAGES, Stage
from oob_console.errors import (
    AuthError,
    ConflictError,
    IntegrityError,
    NotFoundError,
    OobError,
    RefusedError,
    UsageError,
)
from oob_console.services.audit.service import AuditService
from oob_console.services.bgp.ports import (
    NO_QUORUM,
    OPEN_STATUSES,
    Approvals,
    ApprovalStatus,
    BgpJournal,
    ConfirmSource,
    IntentRecord,
    IntentStatus,
    RouteBackend,
    SessionInfo,
    VrpSource,
)
from oob_console.services.bgp.stages import StageWatcher

StageCallback = Callable[[RouteRow, Stage], None]


def owner_origin(policy: BgpPolicy, prefix: str) -> int:
    """The origin AS of the most specific owned block holding ``prefix`` (else our AS)."""
    try:
        net = ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return policy.local_as  # make_route reports the malformed prefix
    owners = [b for b in policy.owned if ipaddress.ip_network(b.prefix).version == net.version
              and net.subnet_of(ipaddress.ip_network(b.prefix))]  # type: ignore[arg-type]
    return max(owners, key=lambda b: ipaddress.ip_network(b.prefix).prefixlen).origin_as if owners else policy.local_as


@dataclass(frozen=True)
class UpstreamSettings:
    name: str
    backend: str
    expected: Mapping[str, float]  # stage -> seconds to expect
    deadline: Mapping[str, float]  # stage -> seconds before "not in time"
    description: str = ""


@dataclass(frozen=True)
class BgpSettings:
    policy: BgpPolicy
    upstreams: Mapping[str, UpstreamSettings]
    default_upstreams: tuple[str, ...] = ()
    default_lease: float = 4 * 3600
    approval_window: float = 1800
    approvals_required: int = 2
    drill_prefix: str = ""
    withdraw_approvals_required: int = 1  # withdrawing our own live announcement (class bgp.withdraw)


@dataclass
class Execution:
    """What ``execute`` did: the intent, its rows and their stages."""

    record: IntentRecord
    rows: list[RouteRow]
    stages: dict[Key, dict[str, Stage]] = field(default_factory=dict)
    preflight: PreflightReport | None = None
    confirmed: bool = True  # False: only the "accepted" stage was waited for

    @property
    def ok(self) -> bool:
        """Every route DONE: taken, sent, and accepted by the upstream on evidence from its side."""
        names = STAGES if self.confirmed else ("accepted",)
        return all(all(s.get(n) is not None and s[n].state == "done" for n in names)
                   for s in self.stages.values()) and bool(self.stages)

    @property
    def outcome(self) -> str:
        """DONE, NOT ACCEPTED (the upstream's side shows it absent, or a stage failed), UNCONFIRMED
        (nothing could tell), or INCOMPLETE (a stage did not finish in time)."""
        if self.ok:
            return "DONE"
        states = [st.state for s in self.stages.values() for st in s.values()]
        if not states or any(x in ("rejected", "failed") for x in states):
            return "NOT ACCEPTED"
        if any(x in ("timeout", "pending") for x in states):
            return "INCOMPLETE"
        return "UNCONFIRMED" if "unconfirmed" in states else "INCOMPLETE"

    def to_json(self) -> dict[str, Any]:
        return {"intent": self.record.intent.id, "summary": self.record.intent.summary(), "ok": self.ok,
                "outcome": self.outcome,
                "routes": [{"upstream": k[0], "prefix": k[1], "stages": [st.to_json() for st in s.values()]}
                           for k, s in self.stages.items()]}


@dataclass(frozen=True)
class RouteStatus:
    """One desired route as ``status`` saw it."""

    row: RouteRow
    live: bool  # should be announced now
    lease_left: float | None  # seconds (to 0.1 s) until the lease runs out; None: no lease

    def to_json(self) -> dict[str, Any]:
        return {**self.row.to_json(), "live": self.live, "lease_left_s": self.lease_left}


@dataclass(frozen=True)
class OpenIntent:
    """An intent still pending or executing, with its approvals (or why they could not be read)."""

    record: IntentRecord
    approvals: ApprovalStatus | None
    approvals_error: str = ""

    def to_json(self) -> dict[str, Any]:
        st = self.approvals
        approvals: dict[str, Any] = {"error": self.approvals_error} if st is None else {
            "state": st.state, "have": st.have, "need": st.need, "approvers": list(st.approvers),
            "ticket": st.ticket or None}
        return {**self.record.to_json(), "approvals": approvals}


@dataclass(frozen=True)
class BgpStatus:
    """What ``oob bgp status`` shows: our sessions, the desired routes and the open intents, at ``now``."""

    now: float
    sessions: tuple[SessionInfo, ...]
    routes: tuple[RouteStatus, ...]
    intents: tuple[OpenIntent, ...]

    def session_states(self) -> dict[str, str]:
        """Upstream name -> the state of our session to it."""
        return {s.upstream: s.state for s in self.sessions}

    def to_json(self) -> dict[str, Any]:
        return {"now": self.now, "sessions": [s.to_json() for s in self.sessions],
                "routes": [r.to_json() for r in self.routes], "intents": [i.to_json() for i in self.intents]}


@dataclass
class BgpService:
    settings: BgpSettings
    journal: BgpJournal
    audit: AuditService
    vrps: VrpSource
    backends: Mapping[str, RouteBackend]  # upstream name -> its backend
    # upstream name -> where evidence that it took the route comes from (strongest first)
    confirm_sources: Mapping[str, Sequence[ConfirmSource]] = field(default_factory=dict)
    approvals: Approvals | None = None
    actor: str = "local:unknown"
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    # The notify hook (NotifyService.auto): tells the outside world what was announced or withdrawn.
    notice: Callable[..., object] | None = None

    _watcher: StageWatcher | None = field(default=None, init=False, repr=False)

    @property
    def stages(self) -> StageWatcher:
        if self._watcher is None:
            self._watcher = StageWatcher(self.settings.upstreams, self.journal, self.backends,
                                         self.confirm_sources, self.audit, self.clock)
        return self._watcher

    # planning

    def build_intent(self, action: Action, prefix: str, *, upstreams: Sequence[str] = (), lease: float | None = None,
                     communities: Sequence[str] = (), next_hop: str = "self", prepend: int = 0,
                     origin_as: int | str | None = None, reason: str = "") -> BgpIntent:
        """Raises UsageError for a malformed prefix, community, next hop or AS."""
        policy = self.settings.policy
        chosen = tuple(sorted(set(upstreams))) or self.settings.default_upstreams or tuple(sorted(policy.upstreams))
        if origin_as is None:
            origin_as = owner_origin(policy, prefix)
        try:
            route = make_route(prefix, origin_as=origin_as, next_hop=next_hop, communities=list(communities),
                               prepend=prepend)
        except ValueError as exc:
            raise UsageError(str(exc), hint="see 'oob bgp plan --help'") from None
        now = self.clock()
        lease_s = (self.settings.default_lease if lease is None else lease) if action == "announce" else 0
        return BgpIntent(action, route, chosen, int(lease_s), self.actor, iso(datetime.fromtimestamp(now, UTC)),
                         iso(datetime.fromtimestamp(now + self.settings.approval_window, UTC)),
                         secrets.token_hex(8), reason)

    def _journal_view(self) -> JournalView:
        now = self.clock()
        announced = frozenset(r.key for r in self.journal.routes() if r.live(now))
        return JournalView(self.journal.last_calls(), announced)

    def plan(self, intent: BgpIntent) -> PreflightReport:
        """Every preflight check; changes nothing."""
        now = self.clock()
        return run_preflight(intent, self.settings.policy, self.vrps.load(now), self._journal_view(), now=now)

    # quorum

    def request(self, intent: BgpIntent, *, drill: bool = False) -> tuple[IntentRecord, PreflightReport]:
        """Store the intent and ask for its approvals; refuse it if the preflight fails.

        ``drill``: the configured drill prefix only, which needs no quorum (nothing depends on it).

        Raises:
            RefusedError: a check failed (the report is in the error's details), or a drill for
                another prefix.
            AuditWriteError: not recorded, so not requested.
        """
        if drill and (not self.settings.drill_prefix or intent.route.prefix != self.settings.drill_prefix):
            raise RefusedError(f"only the drill prefix ({self.settings.drill_prefix or 'none configured'}) is "
                               "drilled without approvals", hint="set bgp.drill_prefix")
        report = self.plan(intent)
        if not report.ok:
            self.audit.record("bgp.refused", intent.route.prefix, "refused",
                              {"intent": intent.payload(), "failed": [c.to_json() for c in report.failures]})
            raise RefusedError(f"preflight refused {intent.summary()}: {report.failures[0].detail}",
                               hint=report.failures[0].hint or "see 'oob bgp plan'",
                               details={"preflight": report.to_json()})
        action = self.approval_action(intent)
        required = 0 if drill else self.required_approvals(intent)
        if required and self.approvals is None:
            raise RefusedError("approvals are required but no approval store is available",
                               hint="set up the credential store, or set bgp.approvals_required = 0 in a lab")
        now = self.clock()
        ticket = ""
        if required and self.approvals is not None:
            ticket = self.approvals.open(action=action, params=intent.payload(),
                                         lifetime=self.settings.approval_window)
            status = self.approvals.status(ticket)
            if status.need < required:  # the approvals policy must not ask for less than the BGP section
                self.approvals.cancel(ticket)
                raise RefusedError(f"the approvals policy asks only {status.need} approval(s) for "
                                   f"{action}; the [bgp] section asks {required}",
                                   hint=f"raise the quorum of the class covering '{action}' in [approvals]")
            intent = dataclasses.replace(intent, id=ticket)  # one intent, one ID: the approvals store's
        self.audit.record("bgp.intent.create", intent.route.prefix, "ok",
                          {"intent": intent.id, "digest": intent.digest(), "summary": intent.summary(),
                           "approvals_required": required, "class_action": action, "drill": drill})
        record = IntentRecord(intent, "pending", ticket, now, now, report.to_json())
        self.journal.add_intent(record)
        return record, report

    def own_withdrawal(self, intent: BgpIntent) -> bool:
        """A withdrawal of what we announce now through every named upstream (our own emergency route)."""
        if intent.action != "withdraw":
            return False
        now = self.clock()
        live = {r.key for r in self.journal.routes() if r.live(now)}
        return all((u, intent.route.prefix) in live for u in intent.upstreams)

    def approval_action(self, intent: BgpIntent) -> str:
        """The approvals store's action, hence the class: ``bgp.withdraw`` only for our own live announcement.

        Withdrawing something we do not announce now (a provider's BYOIP advertisement production
        made, say) is as consequential as announcing: it stays in the ``bgp`` class.
        """
        if intent.action == "announce":
            return "bgp.announce"
        return "bgp.withdraw" if self.own_withdrawal(intent) else "bgp.withdraw-other"

    def required_approvals(self, intent: BgpIntent) -> int:
        if not self.settings.approvals_required:
            return 0  # a lab without a quorum
        if self.approval_action(intent) == "bgp.withdraw":
            return self.settings.withdraw_approvals_required
        return self.settings.approvals_required

    def intent(self, intent_id: str) -> IntentRecord:
        """One BGP intent by its ID (the approvals store's short ID or full hash).

        Raises:
            NotFoundError: no such BGP intent.
        """
        try:
            return self.journal.intent(intent_id)
        except NotFoundError:
            if self.approvals is None:
                raise
            resolved = self.approvals.resolve(intent_id)  # a full hash, or NotFoundError
            if resolved == intent_id:
                raise
            return self.journal.intent(resolved)

    def show(self, intent_id: str) -> tuple[IntentRecord, ApprovalStatus]:
        """An intent and its approvals, for front ends (they never read the journal)."""
        record = self.intent(intent_id)
        return record, self.approval(record)

    def approval(self, record: IntentRecord) -> ApprovalStatus:
        if not record.ticket:
            return NO_QUORUM
        if self.approvals is None:
            return ApprovalStatus(record.ticket, "pending", detail="no approval store is available")
        return self.approvals.status(record.ticket)

    def wait_for_approvals(self, intent_id: str, timeout: float, poll: float = 0.2) -> ApprovalStatus:
        """Block until the quorum is in, it expires, or ``timeout`` passes; the last status."""
        deadline = self.clock() + timeout
        intent_id = self.intent(intent_id).intent.id
        while True:
            record = self.journal.intent(intent_id)
            status = self.approval(record)
            if status.closed or self.clock() >= deadline:
                return status
            self.sleep(min(poll, max(0.0, deadline - self.clock())))

    # execution

    def execute(self, intent_id: str, *, confirm: bool = True, on_stage: StageCallback | None = None) -> Execution:
        """Run an approved intent: preflight again, journal, send, confirm.

        Raises:
            AuthError: the quorum is not in (nothing ran).
            ConflictError: it is not pending, or someone else is executing it.
            RefusedError: the preflight on fresh data failed (nothing was sent).
            AuditWriteError: not recorded, so not run.
        """
        record = self.intent(intent_id)
        intent_id = record.intent.id
        intent = record.intent
        if record.status != "pending":
            raise ConflictError(f"intent {intent_id} is {record.status}, not pending",
                                hint="create a new intent with 'oob bgp announce|withdraw'")
        status = self.approval(record)
        if not status.approved:
            self.close_if_dead(record, status)
            raise AuthError(f"intent {intent_id} is {status.state}: {status.have} of {status.need} approvals",
                            hint=status.detail or f"approvers run 'oob approve {intent_id}'")
        if not self.journal.transition(intent_id, ["pending"], "executing"):
            raise ConflictError(f"intent {intent_id} is already being executed")
        try:
            if record.ticket and self.approvals is not None:
                signed = self.approvals.claim(record.ticket)  # once ever, approvers re-checked
                if signed != intent.payload():  # what runs is exactly what the approvers signed
                    raise IntegrityError(f"intent {intent_id}: the journal's copy differs from the approved one",
                                         hint="nothing was sent; keep the journal as evidence and request again")
            execution = self._run(record, status, confirm=confirm, on_stage=on_stage)
        except OobError as exc:
            self.journal.transition(intent_id, ["executing"], "refused" if isinstance(exc, RefusedError)
                                    else "failed", result={"error": exc.message})
            self._finish_ticket(record, ok=False, result={"error": exc.message})
            raise
        self._finish_ticket(record, ok=execution.record.status == "done", result=execution.record.result)
        return execution

    def run_or_follow(self, intent_id: str, *, confirm: bool = True, on_stage: StageCallback | None = None,
                      timeout: float = 60.0) -> Execution:
        """Execute it, or, if someone else (the supervisor) already is, follow that execution's stages."""
        intent_id = self.intent(intent_id).intent.id
        try:
            return self.execute(intent_id, confirm=confirm, on_stage=on_stage)
        except ConflictError:
            record = self.journal.intent(intent_id)
            if record.status not in ("executing", "done", "failed"):
                raise
        deadline = self.clock() + timeout
        while record.status == "executing" and self.clock() < deadline:
            self.sleep(0.05)
            record = self.journal.intent(intent_id)
        keys = {(u, record.intent.route.prefix) for u in record.intent.upstreams}
        rows = [r for r in self.journal.routes() if r.key in keys and r.intent_id == intent_id]
        execution = Execution(record, rows, confirmed=confirm)
        for row in rows:
            execution.stages[row.key] = dict(row.stages)
        if confirm and rows:
            self.stages.confirm(rows, execution.stages, on_stage, sleep=self.sleep)
        execution.record = self.journal.intent(intent_id)
        return execution

    def drill(self, upstream: str, *, lease: float = 300.0) -> list[Execution]:
        """Announce the drill prefix through ``upstream`` and withdraw it again, each confirmed in stages.

        Raises:
            NotFoundError: no ``bgp.drill_prefix``.
            RefusedError: the preflight refused (nothing was sent).
        """
        if not self.settings.drill_prefix:
            raise NotFoundError("no drill prefix configured", where="bgp.drill_prefix",
                                hint="reserve an owned prefix (with its ROA) for drills")
        done = []
        for action in ("announce", "withdraw"):
            intent = self.build_intent(action, self.settings.drill_prefix, upstreams=[upstream],
                                       lease=lease, reason="drill")
            record, _ = self.request(intent, drill=True)
            done.append(self.execute(record.intent.id))
        return done

    def _finish_ticket(self, record: IntentRecord, *, ok: bool, result: dict[str, Any]) -> None:
        if record.ticket and self.approvals is not None and self.approvals.status(record.ticket).state == "executing":
            self.approvals.finish(record.ticket, ok=ok, result=result)

    def close_if_dead(self, record: IntentRecord, status: ApprovalStatus) -> None:
        """An intent whose approvals expired or were cancelled can never run: say so in the journal."""
        if status.state in ("expired", "cancelled", "failed", "executed"):
            to: IntentStatus = "expired" if status.state == "expired" else "cancelled"
            if self.journal.transition(record.intent.id, ["pending"], to):
                self.audit.record(f"bgp.intent.{to}", record.intent.route.prefix, to,
                                  {"intent": record.intent.id, "ticket": record.ticket})

    def _run(self, record: IntentRecord, status: ApprovalStatus, *, confirm: bool,
             on_stage: StageCallback | None) -> Execution:
        intent = record.intent
        report = self.plan(intent)
        if not report.ok:
            self.audit.record("bgp.refused", intent.route.prefix, "refused",
                              {"intent": intent.id, "at": "execute", "failed": [c.to_json() for c in report.failures]})
            raise RefusedError(f"preflight now refuses {intent.summary()}: {report.failures[0].detail}",
                               hint=report.failures[0].hint, details={"preflight": report.to_json()})
        if report.wait_seconds:
            self.sleep(report.wait_seconds)  # a provider's rate limit: wait rather than be refused
        self.audit.record(f"bgp.{intent.action}", intent.route.prefix, "ok",
                          {"intent": intent.id, "digest": intent.digest(), "approvers": list(status.approvers),
                           "upstreams": list(intent.upstreams), "lease_seconds": intent.lease_seconds})
        rows = self.journal.apply(intent, self.clock())
        execution = Execution(record, rows, preflight=report, confirmed=confirm)
        self.apply_rows(rows, execution.stages, on_stage)
        if confirm:
            self.stages.confirm(rows, execution.stages, on_stage, sleep=self.sleep)
        accepted = [s.get("accepted") for s in execution.stages.values()]
        # done: the desired state is journaled and at least one backend has it or will take it
        done = any(a is not None and a.state != "failed" for a in accepted)
        result = {"stages": {f"{k[0]} {k[1]}": {n: st.state for n, st in s.items()}
                             for k, s in execution.stages.items()}}
        self.journal.transition(intent.id, ["executing"], "done" if done else "failed", result=result)
        self.audit.record(f"bgp.{intent.action}.result", intent.route.prefix, "ok" if execution.ok else "incomplete",
                          {"intent": intent.id, **result})
        execution.record = self.journal.intent(intent.id)
        self._notice(intent, execution)
        return execution

    def _notice(self, intent: BgpIntent, execution: Execution) -> None:
        if self.notice is None:
            return
        drill = intent.reason == "drill"
        verb = "announced" if intent.action == "announce" else "withdrew"
        how = "every stage confirmed" if execution.ok else "NOT every stage confirmed: see 'oob bgp status'"
        text = (f"{'drill: ' if drill else ''}{verb} {intent.route.prefix} (origin AS{intent.route.origin_as}) via "
                f"{', '.join(intent.upstreams)}: {how}")
        self.notice(intent.action, text, severity="info" if drill else "warning" if execution.ok else "error",
                    details={"intent": intent.id, "prefix": intent.route.prefix, "upstreams": list(intent.upstreams),
                             "confirmed": execution.ok, "drill": drill})

    def apply_rows(self, rows: Sequence[RouteRow], stages: dict[Key, dict[str, Stage]] | None = None,
                   on_stage: StageCallback | None = None) -> dict[Key, Stage]:
        """Hand rows to their backends; record and return each accepted stage."""
        out: dict[Key, Stage] = {}
        by_backend: dict[int, tuple[RouteBackend, list[RouteRow]]] = {}
        for row in rows:
            backend = self.backends.get(row.upstream)
            if backend is None:
                out[row.key] = Stage("accepted", "failed", detail=f"no backend for upstream {row.upstream}")
                continue
            by_backend.setdefault(id(backend), (backend, []))[1].append(row)
        for backend, group in by_backend.values():
            self._respect_rate_limits(group)
            accepted = backend.apply(group)
            now = self.clock()
            for row in group:
                got = accepted.get(row.key) or Stage("accepted", "failed", detail="the backend said nothing")
                out[row.key] = self.stages.finish(row, got, now)
                if backend.kind in ("cloudflare", "aws"):
                    self.journal.note_call(row.upstream, now)
        for row in rows:
            if stages is not None:
                stages.setdefault(row.key, {})["accepted"] = out[row.key]
            if on_stage is not None:
                on_stage(row, out[row.key])
        return out

    def _respect_rate_limits(self, rows: Sequence[RouteRow]) -> None:
        """Wait out a provider's limit (AWS: one call per 10 s) before calling it again."""
        view = JournalView(self.journal.last_calls())
        for row in rows:
            up = self.settings.policy.upstreams.get(row.upstream)
            wait = rate_wait(up, view, self.clock()) if up else 0.0
            if wait > 0:
                self.sleep(wait)

    def cancel(self, intent_id: str) -> IntentRecord:
        """Raises ConflictError when it is no longer pending."""
        record = self.intent(intent_id)
        intent_id = record.intent.id
        if record.status != "pending":
            raise ConflictError(f"intent {intent_id} is {record.status}; only pending intents can be cancelled")
        self.audit.record("bgp.intent.cancel", record.intent.route.prefix, "ok", {"intent": intent_id})
        if not self.journal.transition(intent_id, ["pending"], "cancelled"):
            raise ConflictError(f"intent {intent_id} is no longer pending")
        if record.ticket and self.approvals is not None and not self.approval(record).closed:
            self.approvals.cancel(record.ticket)
        return self.journal.intent(intent_id)

    # leases and status

    def expire_leases(self) -> list[RouteRow]:
        """Withdraw (in the journal) every announcement whose lease ran out; audited."""
        rows = self.journal.expire(self.clock())
        for row in rows:
            self.audit.record("bgp.lease.expired", row.prefix, "ok",
                              {"upstream": row.upstream, "intent": row.intent_id,
                               "lease_expires": row.lease_expires, "generation": row.generation})
            if self.notice is not None:
                self.notice("withdraw", f"lease expired: withdrawing {row.prefix} via {row.upstream}",
                            severity="warning", details={"prefix": row.prefix, "upstream": row.upstream,
                                                         "intent": row.intent_id})
        return rows

    def sessions(self) -> list[SessionInfo]:
        seen: set[int] = set()
        out: list[SessionInfo] = []
        for backend in self.backends.values():
            if id(backend) not in seen:
                seen.add(id(backend))
                try:
                    out.extend(backend.sessions())
                except OobError as exc:
                    out.append(SessionInfo(backend.kind, "", "unknown", None, exc.message))
        return out

    def status(self) -> BgpStatus:
        now = self.clock()
        routes = tuple(RouteStatus(row, row.live(now), None if row.lease_expires is None
                                   else round(row.lease_expires - now, 1)) for row in self.journal.routes())
        pending = []
        for record in self.journal.intents(OPEN_STATUSES):
            try:
                pending.append(OpenIntent(record, self.approval(record)))
            except OobError as exc:
                pending.append(OpenIntent(record, None, exc.message))
        return BgpStatus(now, tuple(self.sessions()), routes, tuple(pending))

    def renew_intent(self, prefix: str, *, lease: float | None, upstreams: Sequence[str] = ()) -> BgpIntent:
        """A new announce intent repeating what is announced now (same attributes), for a new lease.

        Raises:
            NotFoundError-like UsageError: nothing live to renew.
        """
        now = self.clock()
        live = [r for r in self.journal.routes() if r.prefix == prefix and r.live(now)
                and (not upstreams or r.upstream in upstreams)]
        if not live:
            raise UsageError(f"{prefix} is not announced now; nothing to renew", hint="use 'oob bgp announce'")
        route = live[0].route
        return self.build_intent("announce", route.prefix, upstreams=[r.upstream for r in live], lease=lease,
                                 communities=route.communities, next_hop=route.next_hop, prepend=route.prepend,
                                 origin_as=route.origin_as, reason=f"renew lease ({format_seconds(lease or 0)})")
