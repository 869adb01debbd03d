"""The audit log as text: an entry's line, the chain's verdict, what a note became."""

from __future__ import annotations

import json
from typing import Any

from oob_console.core.audit.chain import VerifyReport
from oob_console.core.counting import counted
from oob_console.render.text import printable

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
    return printable(f"{seq} {time} {entry.get('actor', '')} {entry.get('action', '')}{outcome} {rest}")


def audit_matches(entry: dict[str, Any], words: list[str]) -> bool:
    """Every word is in the entry's line (case-insensitive): the TUI's and the shell's filter."""
    line = audit_line(entry).lower()
    return all(w in line for w in words)


def audit_row(entry: dict[str, Any]) -> str:
    """`oob audit show`: the full time, the outcome always, details that are not a note's text as JSON."""
    det = entry.get("details") or {}
    extra = det["text"] if isinstance(det.get("text"), str) else json.dumps(det, sort_keys=True) if det else ""
    target = f" {entry['target']}" if entry.get("target") else ""
    return printable(f"{entry['seq']:>6} {entry['time'][:19]}Z {entry['actor']} {entry['action']}{target} "
                     f"[{entry['outcome']}] {extra}").rstrip()


def entry_text(entry: dict[str, Any]) -> str:
    """One entry, everything in it (an entry opened in the TUI or the shell)."""
    return printable(json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False), multiline=True)


def verify_line(report: VerifyReport) -> str:
    return f"audit chain intact: {counted(report.entries, 'entry')}, last #{report.last_seq}"


def unproven(report: VerifyReport, *, key_given: bool, anchors_given: bool) -> list[str]:
    """What this verification did not prove, one sentence each (empty: nothing left out)."""
    out: list[str] = []
    if not key_given:
        out.append("no --verify-key: the chain and seals are consistent, but an intruder with write access "
                   "could have rebuilt them (give the verification key kept off the host)")
    if report.genesis_seq is None:
        out.append(f"the log is not sealed (seq 1..{report.last_seq}): 'oob audit start-sealing'")
        return out
    if report.unsealed_before:
        out.append(f"seq 1..{report.unsealed_before} were written before sealing began: proven only as they "
                   f"stood when sealing started")
    tail = report.last_seq - report.sealed_through
    if tail > 0:
        out.append(f"the last {tail} entries (after seq {report.sealed_through}) are not sealed yet; the next "
                   f"seal comes within {report.every} entries or {report.interval:g} s")
    if not anchors_given:
        out.append("no --anchor: a log cut back to an earlier seal would still verify")
    return out


def verify_lines(report: VerifyReport, not_proven: list[str] | None = None) -> list[str]:
    """`oob audit verify`: the verdict, then what was and was not checked."""
    lines = [verify_line(report)]
    if report.genesis_seq is not None:
        lines.append(f"  sealed from seq {report.genesis_seq} (site {report.site!r}): {report.seals_verified} seals "
                     f"verified, through seq {report.sealed_through}"
                     + (f", {report.idle_seals} after idle gaps" if report.idle_seals else ""))
    if report.reset:
        lines.append(f"  this chain began with an acknowledged reset: {report.reset.get('reason', '')!r}")
    if report.anchors_matched:
        lines.append(f"  witnessed heads found: seq {', '.join(map(str, report.anchors_matched))}")
    if report.checkpoints_verified:
        lines.append(f"  {report.checkpoints_verified} signed checkpoints verified")
    if report.checkpoints_unchecked:
        lines.append(f"  {report.checkpoints_unchecked} checkpoints not checked against a trusted key (--pubkey)")
    if report.torn_recovered:
        lines.append(f"  note: torn writes from a crash were recorded at lines {report.torn_recovered}")
    for text in not_proven or []:
        lines.append(f"  NOT PROVEN: {text}")
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
