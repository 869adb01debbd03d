"""Text of `oob host setup` and `oob host check`."""

from __future__ import annotations

from oob_console.services.host import Change, HostReport


def _change_line(change: Change) -> str:
    line = f"  {change.kind:<8} {change.path}: {change.detail}"
    if change.mode:
        line += f" (mode {change.mode:04o})"
    if change.source:
        line += f"\n           from {change.source}"
    return line


def setup_text(report: HostReport) -> str:
    where = "" if report.root == "/" else f" under {report.root}"
    if report.dry_run:
        changes = report.changes
        if not changes:
            return f"host setup{where}: nothing to change"
        return "\n".join([f"host setup{where} would make {len(changes)} change(s):",
                          *(_change_line(c) for c in changes), "(dry run: nothing changed)"])
    if not report.applied:
        return f"host setup{where}: nothing to change; the host is as it should be"
    lines = [f"host setup{where}: {len(report.applied)} change(s) made", *(_change_line(c) for c in report.applied)]
    lines += [f"WARNING: {f.path}: {f.problem} ({f.fix})" for f in report.findings if f.level == "warning"]
    if report.root == "/":
        lines.append("next: enrol the first key (docs/operator/keys.md), then systemctl start oob-serve")
    return "\n".join(lines)


def check_text(report: HostReport) -> str:
    where = "" if report.root == "/" else f" under {report.root}"
    if not report.findings:
        return f"host check{where}: ok"
    head = f"host check{where}: " + ("ok, with warnings" if report.ok else
                                       f"{sum(f.level == 'error' for f in report.findings)} problem(s)")
    return "\n".join([head, *(f"  {f.level.upper():<7} {f.path}: {f.problem}\n          fix: {f.fix}"
                              for f in report.findings)])
