"""`oob notify MESSAGE`, `oob notify status`, `oob notify flush`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from oob_console.cli.base import Context, Output, command
from oob_console.core.counting import counted
from oob_console.core.notice import SEVERITIES
from oob_console.core.timefmt import parse_duration
from oob_console.errors import UsageError

EXIT_FAILED = 1
EXIT_QUEUED = 8

DESCRIPTION = """\
Send a message through the out-of-band channels (comms.channels), or look at the outbox.

  oob notify MESSAGE...      accept the message, then try to deliver it for up to --wait
  oob notify send MESSAGE... the same (for a message that is just the word 'status', 'flush' or 'send')
  oob notify status          deliveries not yet delivered (--all: every delivery)
  oob notify flush           deliver what is due; with --wait keep retrying until done or time is up

An accepted message is on disk: it is retried with back-off until delivered or
comms.expire_after has passed, by 'oob notify flush' (deploy/systemd runs it every minute).
Exit codes: 0 delivered everywhere; 8 accepted but still queued for some channel
(retried later); 1 a channel refused it for good or it expired.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "notify", cmd_notify, "send a message out of band; show or flush the outbox", DESCRIPTION)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("words", nargs="+", metavar="MESSAGE", help="the message, or 'status' / 'flush' / 'send ...'")
    p.add_argument("--severity", choices=SEVERITIES, default="info", help="default: info")
    p.add_argument("--channel", action="append", metavar="NAME", help="only this channel (repeatable)")
    p.add_argument("--wait", metavar="DURATION",
                   help="how long to keep retrying before leaving the rest queued (e.g. 0, 30s, 5m; "
                        "default: comms.send_wait for a message, 0 for flush)")
    p.add_argument("--all", action="store_true", help="status: include delivered messages")
    p.add_argument("--limit", type=int, default=50, help="status: at most N deliveries (default 50)")


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    if text.replace(".", "", 1).isdigit():
        return float(text)
    try:
        return parse_duration(text).total_seconds()
    except ValueError as exc:
        raise UsageError(str(exc), where="--wait") from None


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if ts else "-"


def _attempt_line(a: dict[str, Any]) -> str:
    tail = f" retry at {_when(a['next_at'])}" if a["state"] == "pending" else ""
    remote = f" ({a['remote_id']})" if a["remote_id"] else ""
    return f"  {a['channel']:<12} {a['state']:<9} try {a['attempt']} {a['seconds']:.2f}s {a['reason']}{remote}{tail}"


def _exit_for(states: list[str]) -> int:
    if any(s in ("failed", "expired") for s in states):
        return EXIT_FAILED
    return EXIT_QUEUED if "pending" in states else 0


def cmd_notify(args: argparse.Namespace, ctx: Context) -> Output:
    words: list[str] = args.words
    head, rest = words[0], words[1:]
    if head == "status" and not rest:
        return _status(args, ctx)
    if head == "flush" and not rest:
        return _flush(args, ctx)
    if head == "send":
        if not rest:
            raise UsageError("nothing to send", where="oob notify send", hint='oob notify send "message"')
        words = rest
    result = ctx.app.notify.send(" ".join(words), severity=args.severity, channels=args.channel,
                                 wait=_seconds(args.wait))
    lines = [f"accepted {result['id']} ({result['severity']}) for {', '.join(result['channels'])}"]
    lines += [_attempt_line(a) for a in result["attempts"]]
    states = [d["state"] if d else "pending" for d in result["deliveries"].values()]
    if result["pending"]:
        lines.append(f"queued for {', '.join(result['pending'])}: retried by 'oob notify flush' until delivered "
                     "or expired")
    return Output(result, "\n".join(lines), _exit_for(states))


def _flush(args: argparse.Namespace, ctx: Context) -> Output:
    attempts = ctx.app.notify.flush(_seconds(args.wait) or 0.0)
    pending = [r for r in ctx.app.notify.status(limit=10_000) if r.state == "pending"]
    data = {"attempts": [a.to_json() for a in attempts], "pending": len(pending)}
    lines = [_attempt_line(a.to_json()) for a in attempts] or ["nothing was due"]
    lines.append(f"{counted(len(pending), 'delivery')} still pending" if pending else "outbox: nothing pending")
    states = [a.state for a in attempts] + (["pending"] if pending else [])
    return Output(data, "\n".join(lines), _exit_for(states))


def _status(args: argparse.Namespace, ctx: Context) -> Output:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1", where="--limit")
    rows = ctx.app.notify.status(include_done=args.all, limit=args.limit)
    data = [r.__dict__ for r in rows]
    if not rows:
        return Output(data, "outbox: every message delivered" if not args.all else "outbox: empty")
    lines = [f"{'message':<16} {'channel':<12} {'state':<9} {'tries':>5}  {'created':<20} detail"]
    for r in rows:
        detail = r.last_error or r.remote_id
        if r.state == "pending":
            detail = f"next try {_when(r.next_at)}" + (f"; last: {r.last_error}" if r.last_error else "")
        lines.append(f"{r.message_id:<16} {r.channel:<12} {r.state:<9} {r.attempts:>5}  {_when(r.created):<20} "
                     f"{detail}")
    return Output(data, "\n".join(lines))
