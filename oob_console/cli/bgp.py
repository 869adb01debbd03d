"""`oob bgp plan|announce|withdraw|renew|approve|run|show|cancel|status|speaker`: emergency BGP.

Exit codes: 0 DONE: every route accepted by its upstream on evidence from the
upstream's side (or, without --wait, the intent is created and waits for its
approvals); 5 the approvals did not come in; 7 a preflight check refused;
8 NOT ACCEPTED or incomplete: the upstream's own view shows the route absent,
the session or a backend refused it, or a stage was not reached in time;
9 the intent is not in a state for this; 10 UNCONFIRMED: sent, but nothing on
the upstream's side could tell whether it was accepted (no confirmation
source, or none answered by the deadline).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.key_prompt import add_approval_options, approve_from
from oob_console.core.bgp.desired import RouteRow
from oob_console.core.bgp.intent import Action, BgpIntent, format_seconds
from oob_console.core.bgp.stages import Stage
from oob_console.core.timefmt import parse_duration
from oob_console.errors import AuthError, ConflictError
from oob_console.render.bgp import (
    execution_lines,
    intent_lines,
    plan_lines,
    progress_line,
    requested_lines,
    status_lines,
)
from oob_console.services.bgp import BgpService, Execution, StageCallback

EXIT_NOT_CONFIRMED = 8
EXIT_UNCONFIRMED = 10


def _duration(text: str) -> float:
    try:
        return parse_duration(text).total_seconds()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _route_options(p: argparse.ArgumentParser, *, lease: bool = True) -> None:
    p.add_argument("prefix", help="the prefix, e.g. 203.0.113.0/24")
    p.add_argument("--upstream", action="append", default=[], metavar="NAME",
                   help="upstream to use (repeat; default: bgp.default_upstreams, else all)")
    if lease:
        p.add_argument("--lease", type=_duration, metavar="DURATION",
                       help="withdraw after this long unless renewed (default: bgp.default_lease)")
    p.add_argument("--community", action="append", default=[], metavar="C",
                   help="community to attach: ASN:VALUE, A:B:C, or no-export, no-advertise... (repeat)")
    p.add_argument("--next-hop", default="self", metavar="IP", help="next hop (default: self)")
    p.add_argument("--prepend", type=int, default=0, metavar="N", help="prepend our AS N more times")
    p.add_argument("--origin-as", metavar="AS", help="origin AS (default: the owned block's)")
    p.add_argument("--reason", default="", help="why (shown to approvers and in the audit log)")


def _execution_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait", action="store_true", help="wait for the approvals, then run it")
    p.add_argument("--timeout", type=_duration, default=900.0, metavar="DURATION",
                   help="with --wait: how long to wait for approvals (default 15m)")
    p.add_argument("--no-confirm", action="store_true",
                   help="return once our speaker/backends took it; do not wait for the upstream's confirmation")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "bgp", "announce and withdraw our prefixes through upstreams (checked, approved, confirmed)")
    p = command(inner, "plan", cmd_plan, "run every preflight check and print the report; changes nothing",
                "Exit 0 only if every check passes, 7 if one fails.")
    p.add_argument("action", choices=["announce", "withdraw"])
    _route_options(p)
    p = command(inner, "announce", cmd_announce, "create an announce intent; run it once approved",
                "Preflight, then an intent that needs bgp.approvals_required approvals. With --wait (or when "
                "no approvals are required) it runs once they are in and shows each stage.")
    _route_options(p)
    _execution_options(p)
    p = command(inner, "withdraw", cmd_withdraw, "create a withdraw intent; run it once approved")
    _route_options(p, lease=False)
    _execution_options(p)
    p = command(inner, "renew", cmd_renew, "re-announce what is announced now with a new lease (needs approvals)")
    p.add_argument("prefix")
    p.add_argument("--upstream", action="append", default=[], metavar="NAME")
    p.add_argument("--lease", type=_duration, metavar="DURATION", help="new lease (default: bgp.default_lease)")
    _execution_options(p)
    p = command(inner, "run", cmd_run, "run an approved intent now")
    p.add_argument("intent", help="intent ID")
    p.add_argument("--no-confirm", action="store_true", help="do not wait for the upstream's confirmation")
    p = command(inner, "approve", cmd_approve, "approve a BGP intent with a hardware key; run it when the quorum is in",
                "The same as 'oob approve ID': adds one approval to the intent (one ID in the approvals store): "
                "--local-key asks a key attached to this host, --sshsig takes 'oob intent show ID | ssh-keygen -Y "
                "sign -n oob-console -f KEY' from an approver's laptop. If that completes the quorum, the intent "
                "runs at once and its stages are shown.")
    p.add_argument("intent", help="intent ID (as 'oob bgp announce' printed it)")
    add_approval_options(p)
    p.add_argument("--no-confirm", action="store_true", help="do not wait for the upstream's confirmation")
    p = command(inner, "show", cmd_show, "show an intent: what approvers sign, its approvals and result")
    p.add_argument("intent")
    p = command(inner, "cancel", cmd_cancel, "cancel a pending intent")
    p.add_argument("intent")
    command(inner, "status", cmd_status, "sessions, announced prefixes with their stages and leases, open intents")
    command(inner, "speaker", cmd_speaker, "run the BGP supervisor in the foreground (ExaBGP, journal, leases)",
            "Runs ExaBGP as a managed subprocess, re-applies the journal, withdraws expired leases and answers "
            "the CLI on its control socket. Run it under systemd; stops cleanly on SIGTERM.")


def _build(args: argparse.Namespace, svc: BgpService, action: Action) -> BgpIntent:
    return svc.build_intent(action, args.prefix, upstreams=args.upstream, lease=getattr(args, "lease", None),
                            communities=args.community, next_hop=args.next_hop, prepend=args.prepend,
                            origin_as=args.origin_as, reason=args.reason)


def cmd_plan(args: argparse.Namespace, ctx: Context) -> Output:
    svc = ctx.app.bgp
    intent = _build(args, svc, args.action)
    report = svc.plan(intent)
    data = {"intent": intent.payload(), "digest": intent.digest(), "preflight": report.to_json()}
    return Output(data, "\n".join(plan_lines(intent, report)), 0 if report.ok else 7)


def _progress(ctx: Context, start: float) -> StageCallback:
    def show(row: RouteRow, stage: Stage) -> None:
        if not ctx.json:
            print(f"  {progress_line(row, stage, time.monotonic() - start)}", file=sys.stderr, flush=True)
    return show


def _executed(ex: Execution, data: dict[str, Any] | None = None) -> Output:
    """What running the intent did: its stages; 0 only when DONE, 10 UNCONFIRMED, else 8."""
    if data is not None:
        data["execution"] = ex.to_json()
    code = 0 if ex.ok else EXIT_UNCONFIRMED if ex.outcome == "UNCONFIRMED" else EXIT_NOT_CONFIRMED
    return Output(ex.to_json() if data is None else data, "\n".join(execution_lines(ex)), code)


def _run_or_follow(args: argparse.Namespace, ctx: Context, intent_id: str, data: dict[str, Any]) -> Output:
    ex = ctx.app.bgp.run_or_follow(intent_id, confirm=not args.no_confirm, on_stage=_progress(ctx, time.monotonic()))
    return _executed(ex, data)


def _request_and_maybe_run(args: argparse.Namespace, ctx: Context, intent: BgpIntent) -> Output:
    svc = ctx.app.bgp
    record, report = svc.request(intent)
    intent = record.intent  # its ID is the approvals store's
    lines = [*requested_lines(intent), f"preflight: all checks pass ({len(report.checks)})"]
    data: dict[str, Any] = {"intent": record.to_json()}
    required = svc.approval(record).need if record.ticket else 0
    if required and not args.wait:
        lines += [f"needs {required} approval(s) on intent {intent.id}; each approver runs one of:",
                  f"  oob approve {intent.id} --local-key",
                  f"  oob intent show {intent.id} | ssh-keygen -Y sign -n oob-console -f KEY > sig && "
                  f"oob approve {intent.id} --sshsig sig",
                  "the last approval runs it (the BGP speaker also runs it once the quorum is in)"]
        return Output(data, "\n".join(lines))
    if required:
        status = svc.wait_for_approvals(intent.id, args.timeout)
        if not status.quorum_met:
            raise AuthError(f"{intent.id}: {status.state}, {status.have} of {status.need} approvals after "
                            f"{format_seconds(args.timeout)}", hint=f"if still pending, 'oob bgp run {intent.id}' "
                            "once approved")
    if not ctx.json:
        print("\n".join(lines), file=sys.stderr, flush=True)
    return _run_or_follow(args, ctx, intent.id, data)


def cmd_announce(args: argparse.Namespace, ctx: Context) -> Output:
    return _request_and_maybe_run(args, ctx, _build(args, ctx.app.bgp, "announce"))


def cmd_withdraw(args: argparse.Namespace, ctx: Context) -> Output:
    return _request_and_maybe_run(args, ctx, _build(args, ctx.app.bgp, "withdraw"))


def cmd_renew(args: argparse.Namespace, ctx: Context) -> Output:
    return _request_and_maybe_run(args, ctx, ctx.app.bgp.renew_intent(args.prefix, lease=args.lease,
                                                                        upstreams=args.upstream))


def cmd_run(args: argparse.Namespace, ctx: Context) -> Output:
    return _executed(ctx.app.bgp.execute(args.intent, confirm=not args.no_confirm,
                                         on_stage=_progress(ctx, time.monotonic())))


def cmd_approve(args: argparse.Namespace, ctx: Context) -> Output:
    return approve_and_run(args, ctx, args.intent)


def approve_and_run(args: argparse.Namespace, ctx: Context, ref: str) -> Output:
    """``oob bgp approve ID`` and ``oob approve ID`` (for a BGP intent): one approval; the last one runs it."""
    app = ctx.app
    svc = app.bgp
    record = svc.intent(ref)
    if not record.ticket:
        raise ConflictError(f"{record.intent.id} needs no approvals", hint=f"'oob bgp run {record.intent.id}'")
    approve_from(args, app.approvals, record.intent.id)
    record, status = svc.show(record.intent.id)
    data: dict[str, Any] = {"intent": record.intent.id, "state": status.state,
                            "have": status.have, "need": status.need, "approvers": list(status.approvers)}
    text = f"approved {record.intent.id}: {status.have} of {status.need}, {status.state}"
    if not status.quorum_met:
        return Output(data, text)
    if not ctx.json:
        print(text + "; running it now", file=sys.stderr, flush=True)
    return _run_or_follow(args, ctx, record.intent.id, data)


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    record, status = ctx.app.bgp.show(args.intent)
    data = record.to_json()
    data["canonical"] = record.intent.canonical().decode()
    data["approvals"] = {"state": status.state, "have": status.have, "need": status.need,
                         "approvers": list(status.approvers), "ticket": status.ticket or None}
    return Output(data, "\n".join(intent_lines(record, status)))


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> Output:
    record = ctx.app.bgp.cancel(args.intent)
    return Output(record.to_json(), f"{record.intent.id} cancelled")


def cmd_status(args: argparse.Namespace, ctx: Context) -> Output:
    status = ctx.app.bgp.status()
    return Output(status.to_json(), "\n".join(status_lines(status)))


def cmd_speaker(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.bgp import build_supervisor

    supervisor, server = build_supervisor(ctx.app)
    server.start()

    def stop(signum: int, frame: object) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not ctx.json:
        print(f"BGP speaker running (control socket {server.path}); SIGTERM stops it", file=sys.stderr, flush=True)
    try:
        supervisor.run()
    finally:
        server.stop()
    return Output({"stopped": True}, "BGP speaker stopped")
