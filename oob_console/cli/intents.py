"""`oob intent request drill|show|list|status|cancel`, `oob approve`."""

from __future__ import annotations

import argparse

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.input_files import read_arg
from oob_console.cli.key_prompt import add_pin_option, prompt_from
from oob_console.core.timefmt import parse_duration
from oob_console.errors import UsageError
from oob_console.services.auth import IntentView


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
                "intent is expired, cancelled or executed.")
    p.add_argument("id", help="intent ID or hash")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--local-key", action="store_true", help="sign with a key attached to this host")
    how.add_argument("--sshsig", metavar="FILE", help="an SSHSIG file (ssh-keygen -Y sign), or - for stdin")
    add_pin_option(p)


def _printable(value: object) -> str:
    """``value`` as text with control and format characters escaped.

    Approvers read this before touching a key: a requester's text must not be
    able to move the cursor, erase lines or reverse text on their terminal.
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(value))


def _describe(v: IntentView) -> str:
    i = v.intent
    lines = [
        f"intent {v.id}  {i.action}  [{v.state}]  {v.have} of {v.need} approvals (class {v.rule})",
        f"  hash       {i.hash}",
        f"  requester  {i.requester}",
        f"  created    {i.summary()['created']}   expires {i.summary()['expires']}",
    ]
    lines += [f"  param      {_printable(k)} = {_printable(val)}" for k, val in sorted(i.params.items())]
    lines += [f"  approved   {a.user} via {a.method} key {a.key_id} at {a.at[:19]}"
              + (" (PIN verified)" if a.user_verified else "") for a in v.approvals]
    if v.result:
        lines.append(f"  result     {_printable(v.result)}")
    return "\n".join(lines)


def cmd_request_drill(args: argparse.Namespace, ctx: Context) -> Output:
    lifetime = None
    if args.lifetime:
        try:
            lifetime = parse_duration(args.lifetime)
        except ValueError as exc:
            raise UsageError(str(exc), where="--lifetime") from None
    app = ctx.app
    view = app.approvals.request_drill(app.identity, args.note, lifetime)
    return Output(view.to_dict(), _describe(view) + f"\nnext: approvers run 'oob approve {view.id} ...'")


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    raw = ctx.app.approvals.canonical(args.id)
    text = raw.decode("utf-8")
    # print() adds the final newline back: stdout carries exactly the canonical bytes
    return Output({"id": args.id, "canonical": text}, text[:-1])


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    views = ctx.app.approvals.list(include_closed=args.all)
    lines = [f"{v.id}  {v.state:<10} {v.have}/{v.need}  {v.intent.action:<16} {v.intent.requester:<18} "
             f"expires {v.intent.summary()['expires']}" for v in views]
    return Output([v.to_dict() for v in views], "\n".join(lines) or "(no open intents)")


def cmd_status(args: argparse.Namespace, ctx: Context) -> Output:
    view = ctx.app.approvals.get(args.id)
    return Output(view.to_dict(), _describe(view))


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> Output:
    view = ctx.app.approvals.cancel(ctx.app.identity, args.id)
    return Output(view.to_dict(), f"cancelled intent {view.id}")


def cmd_approve(args: argparse.Namespace, ctx: Context) -> Output:
    app = ctx.app
    if args.local_key:
        view = app.approvals.approve_local(args.id, prompt_from(args))
    else:
        data = read_arg(args.sshsig, "signature")
        view = app.approvals.approve_sshsig(args.id, data)
    last = view.approvals[-1] if view.approvals else None
    who = f" by {last.user}" if last else ""
    return Output(view.to_dict(), f"approved intent {view.id}{who}: {view.have} of {view.need}, now {view.state}")
