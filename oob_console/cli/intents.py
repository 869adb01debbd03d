"""`oob intent request drill|show|list|status|cancel`, `oob approve`."""

from __future__ import annotations

import argparse

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.key_prompt import add_approval_options, approve_from
from oob_console.core.timefmt import parse_duration
from oob_console.errors import UsageError
from oob_console.render.auth import intent_approved_line, intent_row, intent_status_text


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "intent", "actions waiting for a quorum of hardware-key approvals")
    req_sub = group(inner, "request", "create an intent")
    p = command(req_sub, "drill", cmd_request_drill, "a harmless intent that does nothing when approved",
                "Creates a 'drill' intent so key holders can practise approving; when its quorum is met it "
                "completes as a no-op.")
    p.add_argument("--note", default="", help="what the drill is about (shown to approvers)")
    p.add_argument("--lifetime", help="how long it collects approvals (default: [approvals] lifetime)")
    p = command(inner, "show", cmd_show, "print the exact bytes approvers sign (pipe to ssh-keygen -Y sign)",
                "Prints the intent's canonical bytes exactly (JSON plus one newline): "
                "oob intent show ID | ssh-keygen -Y sign -n oob-console -f ~/.ssh/id_ed25519_sk > sig")
    p.add_argument("id", help="intent ID or hash")
    p = command(inner, "list", cmd_list, "list intents (open ones unless --all)")
    p.add_argument("--all", action="store_true", help="include executed, failed, expired and cancelled")
    p = command(inner, "status", cmd_status, "an intent's content, state and approvals")
    p.add_argument("id")
    p = command(inner, "cancel", cmd_cancel, "cancel an open intent (its requester or an admin)")
    p.add_argument("id")

    p = command(sub, "approve", cmd_approve, "approve an intent with a hardware-key signature",
                "Adds one approval: --local-key asks a key attached to this host to sign (CTAP2); --sshsig "
                "takes a signature made with stock OpenSSH on the approver's laptop. Exit 5 when refused, 9 when the "
                "intent is expired, cancelled or executed. A BGP intent is the same as 'oob bgp approve ID': the "
                "approval that completes its quorum runs it and shows its stages (exit codes of 'oob bgp').")
    p.add_argument("id", help="intent ID or hash")
    add_approval_options(p)
    p.add_argument("--no-confirm", action="store_true", help="BGP intents: do not wait for the confirmation stages")


def cmd_request_drill(args: argparse.Namespace, ctx: Context) -> Output:
    lifetime = None
    if args.lifetime:
        try:
            lifetime = parse_duration(args.lifetime)
        except ValueError as exc:
            raise UsageError(str(exc), where="--lifetime") from None
    app = ctx.app
    view = app.approvals.request_drill(app.identity, args.note, lifetime)
    return Output(view.to_dict(), intent_status_text(view) + f"\nnext: approvers run 'oob approve {view.id} ...'")


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    raw = ctx.app.approvals.canonical(args.id)
    text = raw.decode("utf-8")
    # print() adds the final newline back: stdout carries exactly the canonical bytes
    return Output({"id": args.id, "canonical": text}, text[:-1])


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    views = ctx.app.approvals.list(include_closed=args.all)
    return Output([v.to_dict() for v in views], "\n".join(intent_row(v) for v in views) or "(no open intents)")


def cmd_status(args: argparse.Namespace, ctx: Context) -> Output:
    view = ctx.app.approvals.get(args.id)
    return Output(view.to_dict(), intent_status_text(view))


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> Output:
    view = ctx.app.approvals.cancel(ctx.app.identity, args.id)
    return Output(view.to_dict(), f"cancelled intent {view.id}")


def cmd_approve(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.services.bgp.approvals import BGP_ACTIONS

    if ctx.app.approvals.get(args.id).intent.action in BGP_ACTIONS:
        from oob_console.cli.bgp import approve_and_run

        return approve_and_run(args, ctx, args.id)  # one intent: exactly 'oob bgp approve ID'
    view = approve_from(args, ctx.app.approvals, args.id)
    return Output(view.to_dict(), intent_approved_line(view))
