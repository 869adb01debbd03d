"""Emergency BGP as plain text lines, the same in the CLI, the TUI and the line shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.core.bgp.intent import format_seconds
from oob_console.core.bgp.stages import OUTCOME, STAGES, stage_line

if TYPE_CHECKING:
    from oob_console.core.bgp.desired import RouteRow
    from oob_console.core.bgp.intent import BgpIntent
    from oob_console.core.bgp.preflight import PreflightReport
    from oob_console.core.bgp.stages import Stage
    from oob_console.services.bgp import ApprovalStatus, BgpStatus, Execution, IntentRecord, OpenIntent, RouteStatus
    from oob_console.services.bgp.ports import SessionInfo

_NOT_OUT = ("down", "connected", "unknown")  # our own session is not carrying it right now


def session_line(s: SessionInfo, now: float) -> str:
    since = f" for {format_seconds(now - s.since)}" if s.since else ""
    return f"{s.upstream:<14} {s.peer:<18} {s.state}{since}" + (f" ({s.detail})" if s.detail else "")


def route_line(r: RouteStatus, session_state: str) -> str:
    row = r.row
    lease = "" if r.lease_left is None else (
        f", lease {format_seconds(max(r.lease_left, 0))} left" if r.live else ", lease expired")
    stages = " ".join(f"{n}={row.stages[n].state}" for n in STAGES if n in row.stages) or "no stages yet"
    gone = f" - NOT OUT NOW: session {session_state}" if r.live and session_state in _NOT_OUT else ""
    return f"{row.prefix:<20} {row.upstream:<14} {row.desired}{lease}; {stages} ({row.intent_id}){gone}"


def intent_line(i: OpenIntent) -> str:
    ap = i.approvals
    got = i.approvals_error if ap is None else f"{ap.state}, {ap.have}/{ap.need} approvals"
    return f"{i.record.intent.id} [{i.record.status}] {i.record.intent.summary()} - {got}"


def session_lines(status: BgpStatus) -> list[str]:
    """Our sessions to the upstreams, one a line."""
    return [session_line(s, status.now) for s in status.sessions]


def route_lines(status: BgpStatus) -> list[str]:
    """Our prefixes, one a line in the order of ``status.routes``, each against its session's state."""
    sessions = status.session_states()
    return [route_line(r, sessions.get(r.row.upstream, "")) for r in status.routes]


def status_lines(status: BgpStatus) -> list[str]:
    """``BgpService.status()`` as the sections an operator reads."""
    lines = ["sessions:", *(f"  {line}" for line in session_lines(status))]
    lines += ["prefixes:", *(f"  {line}" for line in route_lines(status))]
    if not status.routes:
        lines.append("  (none)")
    lines += ["open intents:", *(f"  {intent_line(i)}" for i in status.intents)]
    if not status.intents:
        lines.append("  (none)")
    return lines


def plan_lines(intent: BgpIntent, report: PreflightReport) -> list[str]:
    """What a plan would do and every preflight check's result."""
    verdict = "all checks pass" if report.ok else f"{len(report.failures)} check(s) FAIL"
    return [f"plan: {intent.summary()}", f"preflight: {verdict}", *report.lines()]


def requested_lines(intent: BgpIntent) -> list[str]:
    """The intent just created and the digest its approvers sign."""
    return [f"intent {intent.id}: {intent.summary()}",
            f"digest {intent.digest()} (approvers sign this exact intent)"]


def intent_lines(record: IntentRecord, status: ApprovalStatus) -> list[str]:
    """`oob bgp show`: the intent, who asked, its digest, its approvals, the bytes signed, its result."""
    intent = record.intent
    lines = [f"{intent.id} [{record.status}] {intent.summary()}",
             f"  requested by {intent.requested_by} at {intent.created_at}, approvals due by {intent.expires_at}",
             f"  digest    {intent.digest()}",
             f"  approvals {status.state}: {status.have}/{status.need} {', '.join(status.approvers)}".rstrip()
             + (f" ('oob approve {intent.id}'; bytes approvers sign: 'oob intent show {intent.id}')"
                if status.ticket else ""),
             f"  payload   {intent.canonical().decode()}"]
    if record.result:
        lines.append(f"  result    {record.result}")
    return lines


def execution_lines(ex: Execution) -> list[str]:
    """What ``execute`` did: the intent, then each (upstream, prefix) and every stage."""
    lines = [f"{ex.record.intent.id} {ex.outcome}: {ex.record.intent.summary()}"]
    for (upstream, prefix), stages in ex.stages.items():
        last = stages.get("visible")
        verdict = OUTCOME.get(last.state, "") if last is not None and ex.confirmed else ""
        lines.append(f"  {upstream} {prefix}" + (f": {verdict}" if verdict else ""))
        lines.extend(f"    {stage_line(name, stages.get(name))}" for name in STAGES)
    if ex.outcome == "UNCONFIRMED":
        lines.append("  nothing on the upstream's side could confirm it: check by other means (the provider's NOC, "
                     "a looking glass), and configure a confirmation source (bgp.upstreams.NAME.looking_glass / "
                     "collectors)")
    return lines


def progress_line(row: RouteRow, stage: Stage, seconds: float) -> str:
    return f"[{seconds:6.2f}s] {row.upstream} {row.prefix}: {stage.line()}"
