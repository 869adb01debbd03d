"""`oob audit verify|show`."""

from __future__ import annotations

import argparse
import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oob_console.cli.base import Context, Output, command, group
from oob_console.core.timefmt import parse_since
from oob_console.errors import UsageError
from oob_console.render.audit import audit_row, verify_lines
from oob_console.services.audit import AuditService


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "audit", "verify and read the tamper-evident audit log")
    p = command(inner, "verify", cmd_verify, "verify the hash chain (exit 0 intact, 4 broken)")
    p.add_argument("--log", metavar="PATH", help="verify this file instead of the site's log (no config needed)")
    p.add_argument("--pubkey", metavar="B64", help="with --log: the audit public key that signs checkpoints")
    p = command(inner, "show", cmd_show, "print audit entries, oldest first")
    p.add_argument("--since", help="a duration back from now (4h, 2d) or an ISO time")
    p.add_argument("--actor", help="only this actor (e.g. local:root, user:alice)")
    p.add_argument("--action", help="only actions starting with this (e.g. note, user.)")
    p.add_argument("--limit", type=int, help="only the last N matching entries")
    p.add_argument("--log", metavar="PATH", help="read this file instead of the site's log (no config needed)")
    p.set_defaults(pubkey=None)


def _service(args: argparse.Namespace, ctx: Context) -> AuditService:
    if not args.log:
        return ctx.app.audit
    from oob_console.wiring.audit import build_audit_of_file

    trusted = None
    if args.pubkey:
        try:
            if len(base64.b64decode(args.pubkey, validate=True)) != 32:
                raise ValueError
        except ValueError:
            raise UsageError("--pubkey is not a base64 Ed25519 public key", where="--pubkey") from None
        trusted = frozenset({args.pubkey})
    return build_audit_of_file(Path(args.log), trusted_keys=trusted)


def cmd_verify(args: argparse.Namespace, ctx: Context) -> Output:
    svc = _service(args, ctx)
    report = svc.verify()
    data: dict[str, Any] = {
        "intact": True, "entries": report.entries, "last_seq": report.last_seq, "last_hash": report.last_hash,
        "torn_writes_recovered_at_lines": report.torn_recovered,
        "checkpoints_verified": report.checkpoints_verified,
        "checkpoints_unchecked": report.checkpoints_unchecked,
    }
    return Output(data, "\n".join(verify_lines(report)))


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    since = None
    if args.since:
        try:
            since = parse_since(args.since, datetime.now(UTC))
        except ValueError as exc:
            raise UsageError(str(exc), where="--since") from None
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1", where="--limit")
    entries = _service(args, ctx).show(since=since, actor=args.actor, action=args.action, limit=args.limit)
    return Output(entries, "\n".join(audit_row(e) for e in entries) or "(no matching entries)")
