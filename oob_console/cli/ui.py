"""`oob tui` (the Textual console) and `oob shell` (the same actions in line mode)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.cli.base import Context, Output, command
from oob_console.errors import EXIT_INTERRUPTED, UsageError

if TYPE_CHECKING:
    from oob_console.wiring import Services


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "tui", cmd_tui, "the full-screen console (keyboard only, usable at 80x24)",
                "The full-screen console. The low-bandwidth profile (ASCII, 16 colours or none, no mouse, "
                "only changed cells sent) is chosen on serial ttys and TERM vt100/vt220/linux/dumb.")
    add_profile_options(p)

    p = command(sub, "shell", cmd_shell, "the console in line mode: numbered menus, for dumb terminals and slow lines",
                "Every console action as numbered menus and short commands, printed as plain lines (no cursor "
                "addressing, nothing sent while idle). Reads commands from stdin, so it can be scripted.")


def cmd_shell(args: argparse.Namespace, ctx: Context) -> Output:
    import shutil

    from oob_console.shell.session import LineShell
    from oob_console.tui.profile import detect_profile

    size = shutil.get_terminal_size((80, 24))
    profile = detect_profile(None)
    shell = LineShell(ctx.app, sys.stdin, sys.stdout, width=size.columns, height=size.lines,
                      ascii_only=profile.ascii_only)
    return Output(None, "", shell.run())


def add_profile_options(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument("--low-bandwidth", action="store_true", help="force the low-bandwidth profile")
    how.add_argument("--full", action="store_true", help="force the full profile")
    p.add_argument("--send-all", action="store_true",
                   help="low-bandwidth: send Textual's output as it is instead of only the changed cells "
                        "(if a terminal ever shows a garbled screen)")


def on_a_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


WARNINGS_LOG = "console.log"  # in the site directory: library warnings while a full-screen console runs


def warnings_to_log(path: Path) -> None:
    """Send Python warnings (e.g. a newer ``cryptography`` deprecating what asyncssh uses) to ``path``.

    A full-screen console (and a device session it hands the terminal to) must not have library
    noise printed over it; the file (0600) keeps it for whoever looks.
    """
    import logging
    import warnings

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger = logging.getLogger("py.warnings")
    logger.addHandler(handler)
    logger.propagate = False  # never the last-resort handler (stderr)
    logging.captureWarnings(True)
    warnings.simplefilter("default")  # each distinct warning once, in the log


def run_tui(services: Services, args: argparse.Namespace) -> str:
    """Run the console UI on ``services`` until the operator quits; returns the profile's name."""
    from oob_console.tui.profile import detect_profile, textual_environment

    warnings_to_log(services.loaded.base / WARNINGS_LOG)
    choice = True if args.low_bandwidth else False if args.full else None
    profile = detect_profile(choice)
    if args.send_all:
        profile = replace(profile, send_changes_only=False)
    os.environ.update(textual_environment(profile))  # Textual reads these when first imported
    from oob_console.tui.app import build_app

    # Inside `oob serve` (an OOB_SESSION token names who logged in) the idle lock ends the session.
    app = build_app(services, profile, end_on_idle=bool(os.environ.get("OOB_SESSION")))
    app.run(mouse=not profile.low_bandwidth)
    if app.return_code == EXIT_INTERRUPTED:
        # An action was running when the console quit, lost its terminal or got Ctrl-C: the audit log
        # has its finish entry (interrupted, fsynced); the exit code says so, as the CLI's does. The
        # interrupted action's thread may still be blocked on a device that never answers: the process
        # must not wait for it at exit, so it ends here.
        print("error: interrupted", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    return profile.name


def cmd_tui(args: argparse.Namespace, ctx: Context) -> Output:
    if not on_a_terminal():
        raise UsageError("oob tui needs a terminal", hint="use 'oob shell' for line mode, or the CLI commands")
    services = ctx.app  # load the config before the screen changes: its errors print normally
    return Output({"profile": run_tui(services, args)})
