"""Emergency BGP as plain text lines, the same in the CLI, the TUI and the line shell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oob_console.core.bgp.intent import format_seconds
from oob_console.core.bgp.stages import STAGE_TITLES, STAGES

if TYPE_CHECKING:
    from oob_console.core.bgp.desired import RouteRow
    from oob_console.core.bgp.stages import Stage
    from oob_console.services.bgp import Execution

_NOT_OUT = ("down", "connected", "unknown")  # our own session is not carrying it right now


def session_line(s: dict[str, Any], now: float) -> str:
    since = f" for {format_seconds(now - s['since'])}" if s.get("since") else ""
    return f"{s['upstream']:<14} {s['peer']:<18} {s['state']}{since}" + (f" ({s['detail']})" if s.get("detail")
                                                                       else "")


def route_line(r: dict[str, Any], session_state: str) -> str:
    lease = "" if r["lease_left_s"] is None else (
        f", lease {format_seconds(max(r['lease_left_s'], 0))} left" if r["live"] else ", lease expired")
    stages = " ".join(f"{n}={r['stages'][n]['state']}" for n in STAGES if n in r["stages"]) or "no stages yet"
    gone = f" - NOT OUT NOW: session {session_state}" if r["live"] and session_state in _NOT_OUT else ""
    return f"{r['prefix']:<20} {r['upstream']:<14} {r['desired']}{lease}; {stages} ({r['intent_id']}){gone}"


def intent_line(i: dict[str, Any]) -> str:
    ap = i.get("approvals", {})
    got = f"{ap['state']}, {ap['have']}/{ap['need']} approvals" if "state" in ap else ap.get("error", "")
    return f"{i['id']} [{i['status']}] {i['summary']} - {got}"


def status_lines(data: dict[str, Any]) -> list[str]:
    """``BgpService.status()`` as the sections an operator reads."""
    sessions = {s["upstream"]: s["state"] for s in data["sessions"]}
    lines = ["sessions:", *(f"  {session_line(s, data['now'])}" for s in data["sessions"])]
    lines += ["prefixes:", *(f"  {route_line(r, sessions.get(r['upstream'], ''))}" for r in data["routes"])]
    if not data["routes"]:
        lines.append("  (none)")
    lines += ["open intents:", *(f"  {intent_line(i)}" for i in data["intents"])]
    if not data["intents"]:
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
