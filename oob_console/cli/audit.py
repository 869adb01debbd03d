"""`oob audit verify|show|anchor|acknowledge-reset|start-sealing`."""

from __future__ import annotations

import argparse
import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oob_console.cli.base import Context, Output, command, group
from oob_console.core.audit.seal import Anchor, parse_anchor
from oob_console.core.timefmt import parse_since
from oob_console.errors import EXIT_UNPROVEN, UsageError
from oob_console.render.audit import audit_row, unproven, verify_lines
from oob_console.services.audit import AuditService

VERIFY_HELP = """\
Verify the audit log's hash chain and seals.
Exit 0: intact and proven by --verify-key (and every --anchor found).
Exit 4: tampering proven (edited, re-sealed, seals removed, emptied, deleted, cut, reset, key deleted
or replaced); the first bad line is named. Exit 12: consistent, but NOT proven: no --verify-key was
given, so a chain rebuilt by an intruder would look the same."""


def _b64_key(value: str, where: str) -> str:
    try:
        if len(base64.b64decode(value, validate=True)) != 32:
            raise ValueError
    except ValueError:
        raise UsageError(f"{where} is not a base64 Ed25519 public key (44 characters)", where=where,
                         hint="use the verification key 'oob init' printed") from None
    return value


def _anchor(value: str) -> Anchor:
    try:
        return parse_anchor(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "audit", "verify and read the tamper-evident audit log")
    p = command(inner, "verify", cmd_verify, "verify the chain and seals (exit 0 proven, 4 tampered, 12 unproven)",
                description=VERIFY_HELP)
    p.add_argument("--verify-key", metavar="B64", help="the verification key 'oob init' printed (kept off the host)")
    p.add_argument("--anchor", metavar="CODE", action="append", type=_anchor, default=[],
                   help="a head witnessed off the host ('oob audit anchor', a notification); repeatable")
    p.add_argument("--log", metavar="PATH", help="verify this file instead of the site's log (no config needed)")
    p.add_argument("--pubkey", metavar="B64", help="legacy: the audit key that signed the unsealed era's checkpoints")
    p = command(inner, "show", cmd_show, "print audit entries, oldest first")
    p.add_argument("--since", help="a duration back from now (4h, 2d) or an ISO time")
    p.add_argument("--actor", help="only this actor (e.g. local:root, user:alice)")
    p.add_argument("--action", help="only actions starting with this (e.g. note, user.)")
    p.add_argument("--limit", type=int, help="only the last N matching entries")
    p.add_argument("--log", metavar="PATH", help="read this file instead of the site's log (no config needed)")
    p.set_defaults(pubkey=None)
    command(inner, "anchor", cmd_anchor, "print the current head as a code to paste off the host (incident channel)")
    p = command(inner, "acknowledge-reset", cmd_acknowledge_reset,
                "after a detected reset: keep the old log aside and start a new sealed chain (audited)")
    p.add_argument("--reason", required=True, help="why (who checked the old log, the incident)")
    p = command(inner, "start-sealing", cmd_start_sealing,
                "seal an existing unsealed log from now on (prints the new verification key once)")
    p.add_argument("--reason", default="", help="why, recorded in the genesis")


def _service(args: argparse.Namespace, ctx: Context) -> AuditService:
    if not args.log:
        return ctx.app.audit
    from oob_console.wiring.audit import build_audit_of_file

    trusted = frozenset({_b64_key(args.pubkey, "--pubkey")}) if args.pubkey else None
    return build_audit_of_file(Path(args.log), trusted_keys=trusted)


def cmd_verify(args: argparse.Namespace, ctx: Context) -> Output:
    svc = _service(args, ctx)
    key = _b64_key(args.verify_key, "--verify-key") if args.verify_key else None
    report = svc.verify(verify_key=key, anchors=tuple(args.anchor))
    not_proven = unproven(report, key_given=key is not None, anchors_given=bool(args.anchor))
    data: dict[str, Any] = {
        "intact": True, "proven": key is not None, "entries": report.entries, "last_seq": report.last_seq,
        "last_hash": report.last_hash,
        "torn_writes_recovered_at_lines": report.torn_recovered,
        "checkpoints_verified": report.checkpoints_verified,
        "checkpoints_unchecked": report.checkpoints_unchecked,
        "sealed": report.genesis_seq is not None, "unsealed_through_seq": report.unsealed_before,
        "seals_verified": report.seals_verified, "sealed_through_seq": report.sealed_through,
        "last_seal_time": report.last_seal_time, "anchors_matched": report.anchors_matched,
        "reset": report.reset, "not_proven": not_proven,
    }
    return Output(data, "\n".join(verify_lines(report, not_proven)),
                  exit_code=0 if key is not None else EXIT_UNPROVEN)


def cmd_anchor(args: argparse.Namespace, ctx: Context) -> Output:
    anchor, seal_seq = ctx.app.audit.head()
    return Output({"code": anchor.code, "seq": anchor.seq, "hash_prefix": anchor.hash_prefix,
                   "last_seal_seq": seal_seq},
                  f"{anchor.code}\n  head seq {anchor.seq}, last seal at seq {seal_seq}; paste the code off the "
                  "host; later: oob audit verify --verify-key KEY --anchor CODE")


def cmd_acknowledge_reset(args: argparse.Namespace, ctx: Context) -> Output:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    genesis, moved = ctx.app.audit.acknowledge_reset(args.reason, stamp=stamp)
    key = genesis["details"]["verify_key"]
    found = genesis["details"]["reset"]["found"]
    text = (f"reset acknowledged (audit #{genesis['seq']}): {found}\n"
            + (f"  the old log is kept at {moved}\n" if moved else "")
            + f"NEW AUDIT VERIFICATION KEY (shown once; keep it OFF this host; the old one proves the old log):\n"
              f"  {key}")
    return Output({"seq": genesis["seq"], "verify_key": key, "old_log": moved, "found": found}, text)


def cmd_start_sealing(args: argparse.Namespace, ctx: Context) -> Output:
    genesis = ctx.app.audit.start_sealing(args.reason)
    key = genesis["details"]["verify_key"]
    text = (f"sealing started at audit #{genesis['seq']} (entries before it are the unsealed era)\n"
            f"AUDIT VERIFICATION KEY (shown once; keep it OFF this host):\n  {key}")
    return Output({"seq": genesis["seq"], "verify_key": key}, text)


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
