"""One-line text views of service results, shared by the TUI and the line-mode shell.

Plain strings only (no Textual, no Rich), so ``oob shell`` stays light; the
TUI adds colour on top. ``to_ascii`` is the VT100 fallback for characters a
terminal without UTF-8 cannot show.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from oob_console.core.runbooks import Hit
from oob_console.services.status import StatusItem

if TYPE_CHECKING:
    from oob_console.services.approvals import IntentView

LABEL_WIDTH = 18


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ``...`` marking a cut."""
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def status_summary(item: StatusItem) -> str:
    return item.summary if not item.hint or item.state == "off" else f"{item.summary} - {item.hint}"


def status_line(item: StatusItem, width: int) -> str:
    """``Label  [TAG ] summary``: the tag carries the meaning; colour, where there is any, repeats it."""
    head = f"{item.label:<{LABEL_WIDTH}} [{item.tag:^4}] "
    return head + cut(status_summary(item), width - len(head))


def audit_line(entry: dict[str, Any], pad: int = 5) -> str:
    """``  seq MM-DD HH:MM actor action [outcome] target text`` (seq right-aligned in ``pad``)."""
    details = entry.get("details") or {}
    text = details["text"] if isinstance(details.get("text"), str) else ""
    outcome = "" if entry.get("outcome") == "ok" else f" [{entry.get('outcome')}]"
    time = str(entry.get("time", ""))[5:16].replace("T", " ")
    rest = " ".join(p for p in (str(entry.get("target") or ""), text) if p)
    seq = f"{entry.get('seq', '?'):>{pad}}" if pad else f"#{entry.get('seq', '?')}"
    return f"{seq} {time} {entry.get('actor', '')} {entry.get('action', '')}{outcome} {rest}"


def audit_matches(entry: dict[str, Any], words: list[str]) -> bool:
    line = audit_line(entry).lower()
    return all(w in line for w in words)


def runbook_line(hit: Hit) -> str:
    rb = hit.runbook
    return rb.title if rb.title == rb.name else f"{rb.title} ({rb.name})"


def intent_line(view: IntentView) -> str:
    """``id action [state] have/need by requester, expires HH:MM``."""
    expires = view.intent.summary()["expires"][11:16]
    return (f"{view.id} {view.intent.action} [{view.state}] {view.have}/{view.need} "
            f"by {view.intent.requester}, expires {expires}Z")


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
            json.dumps(json.loads(intent.canonical), indent=2, sort_keys=True, ensure_ascii=False),
            "", "A remote approver signs it with stock OpenSSH:",
            f"  oob intent show {view.id} | ssh-keygen -Y sign -n {namespace} -f ~/.ssh/id_ed25519_sk"]
    return "\n".join(out)


_ASCII = {
    **dict.fromkeys("─━═╌╍┄┅┈┉▁▔⎯", "-"),
    **dict.fromkeys("│┃║╎╏┆┇┊┋▏▕", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╰╯┏┓┗┛┣┫┳┻╋╔╗╚╝╠╣╦╩╬╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫", "+"),
    **dict.fromkeys("█▉▊▋▌▍▎▐▀▄▂▃▅▆▇■▪", "#"),
    **dict.fromkeys("•·●◦∙", "*"),
    "▲": "^", "▼": "v", "◀": "<", "▶": ">", "▸": ">", "◂": "<", "▴": "^", "▾": "v", "←": "<", "→": ">",
    "↑": "^", "↓": "v", "…": "~", "✓": "v", "✔": "v", "✗": "x", "✘": "x", "⚠": "!", "\u00a0": " ",
    "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "×": "x",
}


def to_ascii(char: str) -> str:
    """One printable ASCII stand-in for a character a VT100 cannot show."""
    if char.isascii():
        return char
    return _ASCII.get(char, "?")


def ascii_text(text: str) -> str:
    """``text`` with every non-ASCII character replaced (same length, one column each)."""
    return text if text.isascii() else "".join(to_ascii(c) for c in text)
