"""Devices as text: the inventory, one device, reachability, a run's preview and results, a session's end."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oob_console.core.counting import counted
from oob_console.core.devices.runs import tally
from oob_console.render.guard import decision_text
from oob_console.render.text import cut

if TYPE_CHECKING:
    from oob_console.core.devices.hostkeys import HostKey
    from oob_console.core.devices.inventory import Device
    from oob_console.core.devices.runs import DeviceResult
    from oob_console.services.devices import Reach, RunPreview, RunReport, SessionSummary


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
    if reach.pin == "mismatch":
        return reach.error  # HOST KEY MISMATCH: not down, and never "up": perhaps an attack
    return f"DOWN: {reach.error}"


def device_line(dev: Device, reach: Reach | None = None, *, probed: bool = True) -> str:
    """``name platform host:port site/role reachability`` (without the last when not ``probed``)."""
    where = "/".join(p for p in (dev.site, dev.role) if p) or "-"
    line = f"{dev.name:<16} {dev.platform:<5} {dev.host}:{dev.port} {where}"
    return f"{line}  {reach_text(reach)}" if probed else line


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


def probing_line(count: int, timeout: float) -> str:
    return f"probing {counted(count, 'device')} (SSH handshake with the pinned key, {timeout:g}s at most)..."


def inventory_header(probed: bool) -> str:
    """`oob inventory list`: the table's head (REACH only with --probe)."""
    return (f"{'NAME':<20} {'PLATFORM':<8} {'ADDRESS':<24} {'SITE':<10} {'ROLE':<12} {'CONSOLE':<8} PINS"
            + ("  REACH" if probed else ""))


def inventory_row(dev: Device, pins: int, reach: Reach | None = None) -> str:
    """One device in `oob inventory list`; its reachability when it was probed."""
    console = dev.console.kind if dev.console else "-"
    line = (f"{dev.name:<20} {dev.platform:<8} {f'{dev.host}:{dev.port}':<24} {dev.site or '-':<10} "
            f"{dev.role or '-':<12} {console:<8} {pins if pins else 'NONE':<4}")
    if reach is not None:
        line += f"  {reach_text(reach)}"
    return line.rstrip()


def preview_text(preview: RunPreview) -> str:
    """Every decision of a run's preview (one per platform and command text), then why it cannot run as one."""
    parts = [decision_text(d, n) for d, n in zip(preview.decisions, preview.needs, strict=True)]
    if preview.blocked:
        parts.append(f"NOT SENDABLE AS ONE RUN: {preview.blocked}")
    return "\n".join(parts)


def _status(result: DeviceResult) -> str:
    """A failure's status in capitals: it stands out in a list of ``ok``."""
    return result.status if result.ok else result.status.upper()


def _exit(result: DeviceResult) -> str:
    return f", exit {result.exit_status}" if result.exit_status is not None else ""


def run_result_line(result: DeviceResult, width: int = 79) -> str:
    """``name STATUS 0.12s first line of the error or the output`` (a failure's status in capitals)."""
    first = result.error or (result.output.strip().split("\n", 1)[0] if result.output.strip() else "")
    return cut(f"{result.device:<16} {_status(result):<11} {result.elapsed:>6.2f}s {first}".rstrip(), width)


def result_detail(result: DeviceResult) -> tuple[str, str]:
    """One device's result opened: a title (``r1: ok, exit 0``) and the error and output."""
    body = "\n".join(p for p in (result.error or "", result.output.rstrip()) if p) or "(no output)"
    return f"{result.device}: {result.status}{_exit(result)}", body


def run_summary(report: RunReport) -> str:
    """``3 devices: 2 ok, 1 timeout (run ID, 1.2s, guard: change, intent ID approved by bob)``."""
    counts = ", ".join(f"{n} {s}" for s, n in tally(report.results).items() if n)
    approved = report.approved
    cleared = (f", intent {approved.intent_id} approved by {', '.join(approved.approvers) or 'nobody'}"
               if approved else "")
    return (f"{counted(len(report.results), 'device')}: {counts} (run {report.run_id}, {report.elapsed:.1f}s, "
            f"guard: {report.verdict.label}{cleared})")


def run_text(report: RunReport, summary_only: bool = False) -> str:
    """`oob run` and `oob backup run`: each device's head, error and output (not with ``summary_only``), the summary."""
    lines = []
    for r in report.results:
        head = f"== {r.device}  {_status(r)}  ({r.elapsed:.2f}s{_exit(r)})"
        extra = "  ".join(f"{k} {v}" for k, v in r.extra.items() if k != "path")
        lines.append(f"{head}  {extra}".rstrip())
        if r.error:
            lines.append(f"   {r.error}")
        if r.output and not summary_only:
            lines.append(r.output.rstrip("\n"))
    lines.append(f"-- {run_summary(report)}")
    return "\n".join(lines)


def session_lines(summary: SessionSummary) -> list[str]:
    """How an SSH or console session ended and where it is recorded; a warning when the recording is not whole."""
    lines = [f"{summary.kind} session to {summary.device} ended ({summary.reason or 'closed'}), "
             f"{summary.duration:.0f}s; recorded as {summary.recording}"]
    if summary.recording_error:
        lines.append(f"WARNING: the recording is incomplete: {summary.recording_error}")
    return lines
