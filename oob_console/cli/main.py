"""Entry point of `oob`: the one catch-all that maps errors to exit codes.

Exit codes: 0 ok; 1 failed; 2 usage; 3 config; 4 integrity; 5 auth; 6 not
found; 7 refused (a safety check said no or could not run); 8 unavailable or
timed out; 9 conflict; 11 storage (audit log not writable: the action did not
run); 70 a bug in oob-console (with a traceback); 130 interrupted. See
``oob_console.errors`` for the tree.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence

from oob_console import __version__
from oob_console.cli.base import Context, Output, Parser, add_common, dump_json
from oob_console.errors import EXIT_BUG, EXIT_INTERRUPTED, OobError
from oob_console.render.text import printable

# Each module registers its own subcommands: register(subparsers). The names each one registers are
# listed so that `oob COMMAND ...` imports and registers only COMMAND's module (a test keeps the lists
# true); `oob`, `oob --help` and an unknown name get every module.
COMMANDS: dict[str, tuple[str, ...]] = {
    "oob_console.cli.site": ("config", "init", "note"),
    "oob_console.cli.audit": ("audit",),
    "oob_console.cli.bgp": ("bgp",),
    "oob_console.cli.inventory": ("inventory",),
    "oob_console.cli.devices": ("backup", "console", "run", "sessions", "ssh"),
    "oob_console.cli.users": ("login", "logout", "user", "whoami"),
    "oob_console.cli.keys": ("key",),
    "oob_console.cli.intents": ("approve", "intent"),
    "oob_console.cli.store_bundle": ("store",),
    "oob_console.cli.softkey": ("softkey",),
    "oob_console.cli.guard": ("guard",),
    "oob_console.cli.notify": ("notify",),
    "oob_console.cli.doctor": ("doctor",),
    "oob_console.cli.host": ("host",),
    "oob_console.cli.drill": ("drill",),
    "oob_console.cli.ui": ("shell", "tui"),
    "oob_console.cli.runbooks": ("runbooks",),
    "oob_console.cli.demo": ("demo",),
    "oob_console.cli.ssh_access": ("authorized-keys", "serve", "ssh-entry"),
}
_MODULE_OF = {name: module for module, names in COMMANDS.items() for name in names}


def command_module(args: Sequence[str]) -> str | None:
    """The module of the command ``args`` name (the first word that is not an option), or None."""
    words = iter(args)
    for word in words:
        if word == "--config":
            next(words, None)
        elif word == "--":
            return None
        elif not word.startswith("-"):
            return _MODULE_OF.get(word)
    return None


def build_parser(only: str | None = None) -> Parser:
    """The parser of every command, or of ``only`` (a module of :data:`COMMANDS`) for a faster start."""
    parser = Parser(
        prog="oob",
        description="oob-console: the out-of-band emergency console that works when production is down.",
        epilog="Exit codes: 0 ok, 1 failed, 2 usage, 3 config, 4 integrity, 5 auth, 6 not found, "
        "7 refused, 8 unavailable, 9 conflict, 11 storage, 70 bug, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"oob-console {__version__}")
    add_common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (only,) if only else COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def _emit(out: Output, ctx: Context) -> None:
    if ctx.json:
        print(dump_json({"ok": out.exit_code == 0, "result": out.data}))
    elif out.text:
        print(out.text if out.raw else printable(out.text, multiline=True))


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in args_list
    if want_json and "--version" in args_list:
        print(dump_json({"ok": True, "result": {"version": __version__}}))
        return 0
    try:
        args = build_parser(command_module(args_list)).parse_args(args_list)
        ctx = Context(args)
        out: Output = args.handler(args, ctx)
        _emit(out, ctx)
        return out.exit_code
    except OobError as exc:
        if want_json:
            print(dump_json({"ok": False, "error": exc.to_json()}))
        print(f"error: {printable(exc.one_line())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0  # `oob audit show | head`: the reader left; not an error
    except Exception:  # noqa: BLE001 - the one catch-all: a bug, shown as one
        traceback.print_exc()
        print(
            "error: this is a bug in oob-console (the traceback above is for its developers); "
            "nothing after the failing step ran",
            file=sys.stderr,
        )
        if want_json:
            bug = {"type": "Bug", "message": "internal error", "exit_code": EXIT_BUG}
            print(dump_json({"ok": False, "error": bug}))
        return EXIT_BUG

