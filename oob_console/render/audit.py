"""The audit log as text: an entry's line, the chain's verdict, what a note became."""

from __future__ import annotations

import json
from typing import Any

from oob_console.core.audit.chain import VerifyReport
from oob_console.core.counting import counted

# The TUI's and the shell's list: enough for an incident's timeline; older entries: `oob audit show`.
SHOWN_ENTRIES = 500


def audit_line(entry: dict[str, Any], pad: int = 5) -> str:
    """``  seq MM-DD HH:MM actor action [outcome] target text`` (seq right-aligned in ``pad``).

    The TUI's and the shell's list: 80 columns, the outcome only when it is not ok.
    """
    details = entry.get("details") or {}
    text = details["text"] if isinstance(details.get("text"), str) else ""
    outcome = "" if entry.get("outcome") == "ok" else f" [{entry.get('outcome')}]"
    time = str(entry.get("time", ""))[5:16].replace("T", " ")
    rest = " ".join(p for p in (str(entry.get("target") or ""), text) if p)
    seq = f"{entry.get('seq', '?'):>{pad}}" if pad else f"#{entry.get('seq', '?')}"
    return f"{seq} {time} {entry.get('actor', '')} {entry.get('action', '')}{outcome} {rest}"


def audit_matches(entry: dict[str, Any], words: list[str]) -> bool:
    """Every word is in the entry's line (case-insensitive): the TUI's and the shell's filter."""
    line = audit_line(entry).lower()
    return all(w in line for w in words)


def audit_row(entry: dict[str, Any]) -> str:
    """`oob audit show`: the full time, the outcome always, details that are not a note's text as JSON."""
    det = entry.get("details") or {}
    extra = det["text"] if isinstance(det.get("text"), str) else json.dumps(det, sort_keys=True) if det else ""
    target = f" {entry['target']}" if entry.get("target") else ""
    return (f"{entry['seq']:>6} {entry['time'][:19]}Z {entry['actor']} {entry['action']}{target} "
            f"[{entry['outcome']}] {extra}").rstrip()


def entry_text(entry: dict[str, Any]) -> str:
    """One entry, everything in it (an entry opened in the TUI or the shell)."""
    return json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False)


def verify_line(report: VerifyReport) -> str:
    return f"audit chain intact: {counted(report.entries, 'entry')}, last #{report.last_seq}"


def verify_lines(report: VerifyReport) -> list[str]:
    """`oob audit verify`: the verdict, then what was and was not checked."""
    lines = [verify_line(report)]
    if report.checkpoints_verified:
        lines.append(f"  {report.checkpoints_verified} signed checkpoints verified")
    if report.checkpoints_unchecked:
        lines.append(f"  {report.checkpoints_unchecked} checkpoints not checked against a trusted key (--pubkey)")
    if report.torn_recovered:
        lines.append(f"  note: torn writes from a crash were recorded at lines {report.torn_recovered}")
    return lines


def chain_line(report: VerifyReport) -> str:
    """The TUI audit screen's one chain line: the verdict and what was checked."""
    text = f"chain: INTACT, {counted(report.entries, 'entry')}, last #{report.last_seq}"
    if report.checkpoints_verified:
        text += f", {report.checkpoints_verified} signed checkpoints verified"
    if report.torn_recovered:
        text += f", torn writes recovered at lines {report.torn_recovered}"
    return text


def noted_line(entry: dict[str, Any]) -> str:
    return f"noted as audit #{entry['seq']}"
