"""What an SSH session runs, with which arguments and environment.

Shared by ``oob serve`` and ``oob ssh-entry`` so both SSH paths behave the
same: an interactive session gets the console (the TUI, or the line-mode
shell on a terminal too dumb for it), a command runs that one ``oob``
command. Children are always the ``oob`` CLI of this installation, never a
shell, with the site's config fixed by the server.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from oob_console.errors import RefusedError, UsageError
from oob_console.server import exec_policy
from oob_console.wiring import SESSION_ENV

# Terminals the TUI cannot draw on usefully: these get the line-mode shell.
LINE_MODE_TERMS = frozenset({"", "dumb", "unknown", "vt52", "vt100", "vt102"})
PTY_CHILD = "oob_console.server.pty_child"


def console_args(console: Sequence[str], line_console: Sequence[str], term: str | None) -> list[str]:
    """The console for a session: ``term`` is the PTY's TERM, None without a PTY."""
    if term is None or term.lower() in LINE_MODE_TERMS:
        return list(line_console)
    return list(console)


def exec_args(command: str, roles: frozenset[str], parser: argparse.ArgumentParser | None) -> list[str]:
    """The ``oob`` arguments of an SSH exec request (``ssh host -- audit show --json``).

    A leading ``oob`` is allowed and dropped. Nothing is run through a shell. The
    line is parsed by the CLI's own parser and allowed by the command it resolves
    to, for an engineer with ``roles`` (server.exec_policy). ``parser`` is the CLI's
    (``cli.main.build_parser()``); without one every command is refused.

    Raises:
        UsageError: empty, unparsable, or the parser refuses it.
        RefusedError: not available over SSH, not for these roles, or an option that changes the site.
    """
    try:
        args = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"cannot parse the command: {exc}", where="ssh command") from None
    if args and args[0] == "oob":
        args = args[1:]
    if not args:
        raise UsageError("no command given", where="ssh command", hint="e.g. ssh -p PORT oob@host -- audit show")
    if parser is None:
        raise RefusedError("this server runs no commands over SSH (no command parser)", where="ssh command")
    exec_policy.check(parser, args, roles)
    return args


def child_argv(config_path: Path, args: Sequence[str], *, tty: bool) -> list[str]:
    """The child's argv: this installation's ``oob``, the server's config, then ``args``."""
    module = PTY_CHILD if tty else "oob_console"
    return [sys.executable, "-m", module, "--config", str(config_path), *args]


def child_env(login_token: str, term: str | None) -> dict[str, str]:
    """A clean environment: nothing from the SSH client; who the engineer is, as a session token.

    The token (``OOB_SESSION``, services.login) is what makes the child act as the
    engineer; unlike a name in a variable it cannot be made up, and it stops working
    when the server closes it at the end of the connection.
    """
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": os.environ.get("HOME", "/"),
        "LANG": "C.UTF-8",
        "TERM": term or "dumb",
    }
    if "TZ" in os.environ:
        env["TZ"] = os.environ["TZ"]
    env[SESSION_ENV] = login_token
    return env
