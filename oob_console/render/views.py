"""One-line text views of service results, shared by the TUI and the line-mode shell.

Plain strings only (no Textual, no Rich), so ``oob shell`` stays light; the
TUI adds colour on top. ``to_ascii`` is the VT100 fallback for characters a
terminal without UTF-8 cannot show.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

from oob_console.core.devices.runs import tally
from oob_console.core.runbooks import Hit
from oob_console.services.status import StatusItem

if TYPE_CHECKING:
    from oob_console.core.devices.hostkeys import HostKey
    from oob_console.core.devices.inventory import Device
    from oob_console.core.devices.runs import DeviceResult
    from oob_console.core.guard import Decision
    from oob_console.services.auth import IntentView
    from oob_console.services.devices import Reach, RunPreview, RunReport

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


def device_lines(dev: Device, pins: list[HostKey] | tuple[HostKey, ...], console: str | None) -> list[str]:
    """Everything about one device (``oob inventory show``, the TUI's and the shell's device view)."""
    lines = [f"{dev.name}  {dev.platform}  {dev.host}:{dev.port}  transport {dev.transport}  cli {dev.cli}",
             f"  site {dev.site or '-'}  role {dev.role or '-'}  tags {', '.join(dev.tags) or '-'}",
             f"  login {dev.username or '(local user)'}  key_file {dev.key_file or '-'}  "
             f"password {dev.password or '-'}"]
    lines += [f"  pinned {k.describe()}" for k in pins] or ["  pinned NONE (run 'oob inventory pin-hostkey')"]
    if console is not None:
        lines.append(f"  console {console}")
    lines += [f"  link {lk.interface} ({lk.kind}) -> {lk.peer_device or '?'} {lk.peer_interface or ''}".rstrip()
              for lk in dev.links]
    lines += [f"  bgp {b.neighbor} AS{b.peer_as} {b.kind} vrf {b.vrf} {b.description}".rstrip() for b in dev.bgp]
    return lines


def reach_text(reach: Reach | None) -> str:
    if reach is None:
        return "not probed"
    if reach.ok:
        return f"up {reach.seconds:.2f}s" if reach.seconds is not None else "up"
    return f"DOWN: {reach.error}"


def device_line(dev: Device, reach: Reach | None = None, *, probed: bool = True) -> str:
    """``name platform host:port site/role reachability`` (without the last when not ``probed``)."""
    where = "/".join(p for p in (dev.site, dev.role) if p) or "-"
    line = f"{dev.name:<16} {dev.platform:<5} {dev.host}:{dev.port} {where}"
    return f"{line}  {reach_text(reach)}" if probed else line


def run_result_line(result: DeviceResult, width: int = 79) -> str:
    """``name STATUS 0.12s first line of the error or the output`` (a failure's status in capitals)."""
    status = result.status if result.ok else result.status.upper()
    first = result.error or (result.output.strip().split("\n", 1)[0] if result.output.strip() else "")
    return cut(f"{result.device:<16} {status:<11} {result.elapsed:>6.2f}s {first}".rstrip(), width)


def decision_headline(decision: Decision, needs: str) -> str:
    """``DANGEROUS - frr on r1: <needs>``."""
    on = f" on {', '.join(decision.devices)}" if decision.devices else " (no target device)"
    return f"{decision.verdict.label.upper()} - {decision.platform}{on}: {needs}"


def decision_text(decision: Decision, needs: str) -> str:
    """The verdict, what it needs, and every checker's reasons, as an operator reads them."""
    lines = [decision_headline(decision, needs)]
    for report in decision.reports:
        lines.append(f"  {report.checker:<6} {report.verdict.label}{' (failed: fail closed)' if report.failed else ''}")
        lines.extend(f"    - {reason}" for reason in report.reasons)
    return "\n".join(lines)


def wrapped(lines: list[str], width: int) -> list[str]:
    """``lines`` folded to ``width`` columns; a folded line's rest is indented under its start, two deeper."""
    out: list[str] = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
        out.extend(textwrap.wrap(line, max(width, len(indent) + 10), subsequent_indent=indent,
                                 break_on_hyphens=False) or [""])
    return out


def preview_text(preview: RunPreview) -> str:
    """Every decision of a run's preview (one per platform and command text), then why it cannot run as one."""
    parts = [decision_text(d, n) for d, n in zip(preview.decisions, preview.needs, strict=True)]
    if preview.blocked:
        parts.append(f"NOT SENDABLE AS ONE RUN: {preview.blocked}")
    return "\n".join(parts)


def run_summary(report: RunReport) -> str:
    """``3 devices: 2 ok, 1 timeout (run ID, 1.2s, guard: read-only)``."""
    counts = ", ".join(f"{n} {s}" for s, n in tally(report.results).items() if n)
    approved = report.approved
    cleared = f", intent {approved.intent_id}" if approved else ""
    return (f"{len(report.results)} devices: {counts} (run {report.run_id}, {report.elapsed:.1f}s, "
            f"guard: {report.verdict.label}{cleared})")


def device_matches(dev: Device, words: list[str]) -> bool:
    """Every word matches: ``site:X`` and ``role:X`` exactly, others anywhere in name, host, platform, tags."""
    text = " ".join((dev.name, dev.host, dev.platform, *dev.tags)).lower()
    for word in words:
        if word.startswith("site:"):
            ok = dev.site.lower() == word[5:]
        elif word.startswith("role:"):
            ok = dev.role.lower() == word[5:]
        else:
            ok = word in text
        if not ok:
            return False
    return True


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
