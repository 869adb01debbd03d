"""`oob ssh`, `oob console`, `oob sessions list|play`, `oob run`, `oob backup run|list|show|diff`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.input_files import read_stdin_text
from oob_console.cli.key_prompt import add_pin_option, prompt_from
from oob_console.core.devices.runs import DeviceResult
from oob_console.errors import UsageError
from oob_console.render.devices import preview_text, run_text, session_lines
from oob_console.services.devices import RunOptions

T = TypeVar("T")
RUN_EPILOG = ("Exit status: 0 every device ok; 1 at least one device failed, timed out, was unreachable, "
              "dropped, refused our login or its host key (each is listed); 7 the command guard refused the "
              "run (nothing was sent; the error names the intent to approve); 6 a device is not in the "
              "inventory; 11 the audit log cannot be written (nothing was sent).")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "ssh", cmd_ssh, "interactive SSH session to a device (recorded; ~. ends, ~? help)")
    p.add_argument("device")
    p.add_argument("--transport", choices=("asyncssh", "paramiko"), help="override the device's SSH engine")
    p = command(sub, "console", cmd_console, "the device's serial console via its console server or local serial "
                "(recorded; ~. ends, ~B break, ~? help)")
    p.add_argument("device")

    inner = group(sub, "sessions", "recorded interactive sessions (asciicast v2)")
    command(inner, "list", cmd_sessions_list, "list recordings, oldest first")
    p = command(inner, "play", cmd_sessions_play, "replay a recording's output on this terminal")
    p.add_argument("id", help="recording id (or a unique prefix), from 'oob sessions list'")
    p.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1)")
    p.add_argument("--idle-limit", type=float, default=2.0, help="cap pauses at this many seconds (default 2)")
    p.add_argument("--no-wait", action="store_true", help="print the output at once, no pauses")

    p = command(sub, "run", cmd_run, "run one command on many devices: oob run [OPTIONS] DEVICE... -- COMMAND",
                "Run one command, or a config block ('-' after -- reads it from stdin), on the named devices "
                "(and/or --site/--role/--all) with bounded concurrency. Before anything is sent the command "
                "guard judges it for each platform among the targets: read-only runs at once; a change needs "
                "a fresh touch of the operator's own security key on this host (or an approved intent, "
                "--intent); a dangerous command needs an intent approved by the configured quorum ('oob "
                "approve ID' by distinct approvers), given with --intent. A refused run sends nothing and "
                "names the intent to approve. Every decision, approval and run is audited.")
    p.epilog = RUN_EPILOG + " With --check: 0 read-only, 10 change, 20 dangerous (nothing is sent)."
    _target_options(p)
    p.add_argument("--all", action="store_true", help="every device in the inventory")
    p.add_argument("--check", action="store_true", help="only show the guard's verdict for these devices, what "
                   "it needs and each checker's reasons; send, request and record nothing")
    p.add_argument("--summary", action="store_true", help="one line per device, no output bodies")
    p.add_argument("--intent", metavar="ID", help="an approved intent for exactly this command on exactly these "
                   "devices (named by the refusal of the first attempt); it is used once")
    p.add_argument("--no-touch", action="store_true", help="for a change, do not ask a security key on this host "
                   "(the refusal names the intent to approve, e.g. with 'oob approve ID --sshsig FILE')")
    add_pin_option(p)
    p.add_argument("targets", nargs=argparse.REMAINDER, metavar="DEVICE... -- COMMAND")

    inner = group(sub, "backup", "last-known-good running configs, kept locally with history")
    p = command(inner, "run", cmd_backup_run, "pull running configs into the local history (default: every device)")
    p.epilog = RUN_EPILOG
    _target_options(p)
    p.add_argument("devices", nargs="*")
    p = command(inner, "list", cmd_backup_list, "stored versions of a device's config")
    p.add_argument("device")
    p = command(inner, "show", cmd_backup_show, "print a stored config (default: the newest)")
    p.add_argument("device")
    p.add_argument("version", nargs="?")
    p = command(inner, "diff", cmd_backup_diff, "diff two stored configs (default: the newest against the one before)")
    p.add_argument("device")
    p.add_argument("--from", dest="old", metavar="VERSION", help="older version (id or prefix)")
    p.add_argument("--to", dest="new", metavar="VERSION", help="newer version (id or prefix)")


def _target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", help="every device at this site")
    p.add_argument("--role", help="every device with this role")
    p.add_argument("--timeout", type=float, help="seconds per device for the command (default devices.command_timeout)")
    p.add_argument("--connect-timeout", type=float,
                   help="seconds per device to log in (default devices.connect_timeout)")
    p.add_argument("--concurrency", type=int, help="devices at once (default devices.concurrency)")
    p.add_argument("--transport", choices=("asyncssh", "paramiko"), help="force this SSH engine for every device")


def _run_async(make: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(_awaited(make))


async def _awaited(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


def _interactive(ctx: Context, kind: str, device: str, transport: str | None = None) -> Output:
    summary = ctx.app.session_on_terminal(kind, device, transport=transport)
    return Output(summary.to_json(), "\n".join(session_lines(summary)))


def cmd_ssh(args: argparse.Namespace, ctx: Context) -> Output:
    return _interactive(ctx, "ssh", args.device, args.transport)


def cmd_console(args: argparse.Namespace, ctx: Context) -> Output:
    return _interactive(ctx, "console", args.device)


def cmd_sessions_list(args: argparse.Namespace, ctx: Context) -> Output:
    infos = ctx.app.sessions.list_recordings()
    lines = [f"{i.id:<48} {time.strftime('%Y-%m-%d %H:%M', time.gmtime(i.started))}Z {i.duration:>7.1f}s  {i.title}"
             for i in infos]
    return Output([i.__dict__ for i in infos], "\n".join(lines) or "(no recordings)")


def cmd_sessions_play(args: argparse.Namespace, ctx: Context) -> Output:
    if args.speed <= 0:
        raise UsageError("--speed must be positive", where="--speed")
    frames = ctx.app.sessions.playback(args.id, speed=args.speed, idle_limit=args.idle_limit)
    if ctx.json:
        out = "".join(data for _, data in frames)
        return Output({"id": args.id, "output": out})
    for delay, data in frames:
        if not args.no_wait and delay > 0:
            time.sleep(delay)
        sys.stdout.write(data)
        sys.stdout.flush()
    return Output({"id": args.id}, "")


def _split_targets(words: list[str]) -> tuple[list[str], str]:
    if "--" not in words:
        raise UsageError("separate the command with --", where="oob run",
                         hint="oob run r1 r2 -- 'show ip bgp summary'")
    cut = words.index("--")
    devices, command_words = words[:cut], words[cut + 1 :]
    for word in devices:
        if word.startswith("-"):
            raise UsageError(f"option {word} after the device names", where="oob run",
                             hint="put options first: oob run --site sjc1 --timeout 20 r1 -- 'show version'")
    if not command_words:
        raise UsageError("no command after --", where="oob run")
    if command_words == ["-"]:  # a config block; trailing newlines dropped so it is the same text as typed
        text = read_stdin_text("command").rstrip("\n")
        if not text.strip():
            raise UsageError("no command on stdin", where="oob run")
        return devices, text
    return devices, " ".join(command_words)


def _options(args: argparse.Namespace, ctx: Context) -> RunOptions:
    cfg = ctx.app.loaded.config.devices
    for flag in ("timeout", "connect_timeout"):
        value = getattr(args, flag)
        if value is not None and value <= 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be positive")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    return RunOptions(timeout=args.timeout or cfg.command_timeout.seconds, connect_timeout=args.connect_timeout,
                      concurrency=args.concurrency or cfg.concurrency, transport=args.transport)


class ProgressBar:
    """One line on stderr, redrawn in place; only on a terminal and never with --json."""

    def __init__(self, enabled: bool, width: int = 30) -> None:
        self.enabled = enabled
        self.width = width
        self.failed = 0
        self._last = 0.0

    def __call__(self, result: DeviceResult, done: int, total: int) -> None:
        if not result.ok:
            self.failed += 1
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < total):
            return  # at 9600 baud a redraw per device would cost more than the run
        self._last = now
        filled = self.width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}  "
                         f"failed {self.failed} ")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_run(args: argparse.Namespace, ctx: Context) -> Output:
    names, command_text = _split_targets(list(args.targets))
    runs = ctx.app.runs
    inventory, devices = runs.targets(names, site=args.site, role=args.role, everything=args.all)
    if args.check:
        preview = runs.preview(command_text, devices, inventory)
        return Output(preview.to_json(), preview_text(preview), preview.verdict.exit_code)
    options = _options(args, ctx)
    bar = ProgressBar(enabled=not ctx.json and sys.stderr.isatty() and len(devices) > 1)
    touch = None if args.no_touch else prompt_from(args)
    report = _run_async(lambda: runs.run(command_text, devices, inventory, options=options, progress=bar,
                                         intent_id=args.intent, touch=touch))
    return Output(report.to_json(), run_text(report, summary_only=args.summary), 0 if report.ok else 1)


def cmd_backup_run(args: argparse.Namespace, ctx: Context) -> Output:
    backups = ctx.app.backups
    options = _options(args, ctx)
    bar = ProgressBar(enabled=not ctx.json and sys.stderr.isatty())
    report = _run_async(lambda: backups.run(args.devices, site=args.site, role=args.role, options=options,
                                                 progress=bar))
    return Output(report.to_json(), run_text(report, summary_only=True), 0 if report.ok else 1)


def cmd_backup_list(args: argparse.Namespace, ctx: Context) -> Output:
    versions = ctx.app.backups.versions(args.device)
    lines = [f"{v.version}  {v.size:>8} bytes  sha256 {v.sha256[:16]}" for v in versions]
    return Output([v.__dict__ for v in versions], "\n".join(lines) or f"(no stored config for {args.device})")


def cmd_backup_show(args: argparse.Namespace, ctx: Context) -> Output:
    version, text = ctx.app.backups.show(args.device, args.version)
    return Output({**version.__dict__, "config": text}, text.rstrip("\n"))


def cmd_backup_diff(args: argparse.Namespace, ctx: Context) -> Output:
    old, new, diff = ctx.app.backups.diff(args.device, old=args.old, new=args.new)
    if old == new and not (args.old or args.new):
        text = (f"only one stored version of {args.device} (@{old}): nothing to compare yet; "
                f"'oob backup run {args.device}' stores the next change")
    else:
        text = diff.rstrip("\n") if diff else f"no difference between {args.device}@{old} and @{new}"
    return Output({"device": args.device, "from": old, "to": new, "diff": diff, "changed": bool(diff),
                   "only_version": old == new}, text)
