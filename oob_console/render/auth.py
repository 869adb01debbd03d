"""Who may act, as text: intents waiting for approvals, what approvers sign, keys, logins."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from oob_console.render.text import printable

if TYPE_CHECKING:
    from oob_console.core.auth.credentials import Credential
    from oob_console.core.auth.identity import Identity
    from oob_console.services.auth import IntentView


def intent_line(view: IntentView) -> str:
    """``id action [state] have/need by requester, expires HH:MM`` (the TUI's and the shell's list)."""
    expires = view.intent.summary()["expires"][11:16]
    return printable(f"{view.id} {view.intent.action} [{view.state}] {view.have}/{view.need} "
                     f"by {view.intent.requester}, expires {expires}Z")


def intent_row(view: IntentView) -> str:
    """`oob intent list`: a table row, the expiry in full (closed intents are listed too)."""
    return (f"{view.id}  {view.state:<10} {view.have}/{view.need}  {view.intent.action:<16} "
            f"{view.intent.requester:<18} expires {view.intent.summary()['expires']}")


def intent_text(view: IntentView, namespace: str) -> str:
    """Everything an approver needs: state, who approved, the hash, and the exact bytes they sign."""
    intent = view.intent
    summary = intent.summary()
    out = [
        f"{intent.action} [{view.state}]: {view.have} of {view.need} approvals (class {view.rule})",
        f"requested by {intent.requester} at {summary['created']}, expires {summary['expires']}",
        f"sha256 {intent.hash}",
        "",
        "Approved by:" if view.approvals else "Approved by: nobody yet",
    ]
    out += [f"  {a.user} with {a.method} key {a.key_id} at {a.at[:19]}Z" + (" (PIN verified)" if a.user_verified
                                                                          else "") for a in view.approvals]
    if view.result:
        out.append(f"Result: {json.dumps(view.result, sort_keys=True)}")
    out += ["", "The action (approvals sign its canonical bytes: the sha256 above):",
            printable(json.dumps(json.loads(intent.canonical), indent=2, sort_keys=True, ensure_ascii=False),
                      multiline=True),
            "", "A remote approver signs it with stock OpenSSH:",
            f"  oob intent show {view.id} | ssh-keygen -Y sign -n {namespace} -f ~/.ssh/id_ed25519_sk"]
    return "\n".join(out)


def intent_status_text(view: IntentView) -> str:
    """`oob intent status`: the intent's fields one a line, a requester's text escaped."""
    i = view.intent
    lines = [
        f"intent {view.id}  {i.action}  [{view.state}]  {view.have} of {view.need} approvals (class {view.rule})",
        f"  hash       {i.hash}",
        f"  requester  {i.requester}",
        f"  created    {i.summary()['created']}   expires {i.summary()['expires']}",
    ]
    lines += [f"  param      {printable(k)} = {printable(val)}" for k, val in sorted(i.params.items())]
    lines += [f"  approved   {a.user} via {a.method} key {a.key_id} at {a.at[:19]}"
              + (" (PIN verified)" if a.user_verified else "") for a in view.approvals]
    if view.result:
        lines.append(f"  result     {printable(view.result)}")
    return "\n".join(lines)


def approval_line(view: IntentView) -> str:
    """``approved by bob: 1 of 2, now pending``: what an approval just did."""
    who = view.approvals[-1].user if view.approvals else "nobody"
    return f"approved by {who}: {view.have} of {view.need}, now {view.state}"


def intent_approved_line(view: IntentView) -> str:
    """:func:`approval_line` naming the intent (where no screen around it does)."""
    return f"intent {view.id} {approval_line(view)}"


def drill_requested_line(view: IntentView) -> str:
    return f"drill intent {view.id} requested by {view.intent.requester}: needs {view.need} approvals"


def logged_in_line(identity: Identity) -> str:
    """``logged in as user:bob (approver) with key K (PIN verified)``."""
    return (f"logged in as {identity.actor} ({', '.join(sorted(identity.roles))}) with key {identity.key_id}"
            + (" (PIN verified)" if identity.user_verified else ""))


def key_line(c: Credential) -> str:
    """`oob key list`: one key, its owner, kind, state, use and flags."""
    flags = []
    if c.uv_required:
        flags.append("uv" if c.kind == "fido2" else "verify-required")
    if c.no_touch_required:
        flags.append("no-touch-required")
    if c.software:
        flags.append("SOFTWARE")
    if c.counterless:
        flags.append("NO-COUNTER(no clone detection)")
    state = f"REVOKED {c.revoked[:19]}" if c.revoked else "active"
    # Logins and approval signatures both use a key (each has its own counter); last_used is either.
    used = c.last_used[:16].replace("T", " ") if c.last_used else "never used"
    return (f"{c.key_id:<52} {c.user:<12} {c.kind:<6} {c.alg:<7} {state:<26} {used:<16} "
            f"{','.join(flags)} {c.label}").rstrip()


KEY_HEADER = (f"{'KEY ID':<52} {'USER':<12} {'KIND':<6} {'ALG':<7} {'STATE':<26} {'LAST USED':<16} "
              "FLAGS LABEL")
