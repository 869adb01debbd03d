"""Doctor's findings as text: `oob doctor` and the shell's report, the TUI tree's labels and leaves.

ASCII only: the report must read on a serial console.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.core.doctor import DoctorReport, Finding

TAGS = {"critical": "CRIT", "warning": "WARN", "info": "info", "ok": "ok"}


def finding_details(f: Finding) -> list[str]:
    """A problem's path, what is wrong and its fix (the TUI's leaves, the report's indented lines)."""
    return [line for line in (f"path: {f.path}", f.problem, f"fix: {f.fix}" if f.fix else "") if line]


def doctor_text(report: DoctorReport, site: str) -> str:
    """The report for an 80-column terminal: the counts, then each group, a healthy edge on one line."""
    c = report.counts
    lines = [f"oob doctor: site {site}: {c.get('critical', 0)} critical, {c.get('warning', 0)} warning, "
             f"{c.get('info', 0)} info, {c.get('ok', 0)} ok"]
    for group, findings in report.groups():
        lines.append("")
        lines.append(group)
        for f in findings:
            if not f.problem:  # a healthy edge: one line
                lines.append(f"  {TAGS[f.level]:<4}  {f.subject}: {f.path}")
                continue
            lines.append(f"  {TAGS[f.level]:<4}  {f.subject}")
            lines.extend(f"        {line}" for line in finding_details(f))
    return "\n".join(lines)


def verdict_line(report: DoctorReport) -> str:
    """``1 critical, 2 warning, 9 ok: a critical dependency crosses production``."""
    c = report.counts
    return (f"{c['critical']} critical, {c['warning']} warning, {c['ok']} ok: "
            + ("a critical dependency crosses production" if report.critical else "nothing critical"))
