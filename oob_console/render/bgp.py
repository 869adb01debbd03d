"""Emergency BGP as plain text lines, the same in the CLI, the TUI and the line shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.core.bgp.intent import format_seconds
from oob_console.core.bgp.stages import STAGE_TITLES, STAGES

if TYPE_CHECKING:
    from oob_console.core.bgp.desired import RouteRow
    from oob_console.core.bgp.stages import Stage
    from oob_console.services.bgp import BgpStatus, Execution, OpenIntent, RouteStatus
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


def status_lines(status: BgpStatus) -> list[str]:
    """``BgpService.status()`` as the sections an operator reads."""
    sessions = status.session_states()
    lines = ["sessions:", *(f"  {session_line(s, status.now)}" for s in status.sessions)]
    lines += ["prefixes:", *(f"  {route_line(r, sessions.get(r.row.upstream, ''))}" for r in status.routes)]
    if not status.routes:
        lines.append("  (none)")
    lines += ["open intents:", *(f"  {intent_line(i)}" for i in status.intents)]
    if not status.intents:
        lines.append("  (none)")
    return lines


def execution_lines(ex: Execution) -> list[str]:
    lines = [f"{ex.record.intent.id} {ex.record.status}: {ex.record.intent.summary()}"]
    for (upstream, prefix), stages in ex.stages.items():
        lines.append(f"  {upstream} {prefix}")
        for name in STAGES:
            st = stages.get(name)
            lines.append(f"    {st.line()}" if st else f"    {STAGE_TITLES[name]:<24} PENDING")
    return lines


def progress_line(row: RouteRow, stage: Stage, seconds: float) -> str:
    return f"[{seconds:6.2f}s] {row.upstream} {row.prefix}: {stage.line()}"
