"""What every CLI command module shares: the parser class, the context, the output."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oob_console.errors import UsageError

if TYPE_CHECKING:
    from oob_console.wiring import Services


_LONG_QUOTED = re.compile(r"'([^']{60,})'")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (an OobError), not usage text and exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse quotes the offending value: a 5,000-digit one is cut, the line stays one line
        message = _LONG_QUOTED.sub(lambda m: f"'{m.group(1)[:40]}...'", message)
        raise UsageError(message, where=self.prog, hint=f"see '{self.prog} --help'")


@dataclass
class Output:
    """A command's result: ``data`` for --json, ``text`` for people."""

    data: Any
    text: str = ""
    exit_code: int = 0
    # Bytes for another program (signed canonical bytes, a bundle), printed exactly. Everything
    # else is shown through render.text.printable: outside text never drives the terminal.
    raw: bool = False


class Context:
    """Per-invocation state: parsed arguments and the lazily built Services."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._app: Services | None = None

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    @property
    def app(self) -> Services:
        if self._app is None:
            from oob_console.wiring import Services

            self._app = Services.from_config(getattr(self.args, "config", None))
        return self._app


Handler = Callable[[argparse.Namespace, Context], Output]
SubParsers = "argparse._SubParsersAction[Parser]"


def add_common(parser: argparse.ArgumentParser) -> None:
    """--json and --config on every (sub)command; SUPPRESS keeps outer values."""
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print machine-readable JSON on stdout (errors too)")
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="config file (default: $OOB_HOME/config.toml, /etc/oob-console, XDG)")


def command(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    handler: Handler,
    help_text: str,
    description: str | None = None,
) -> Parser:
    parser: Parser = sub.add_parser(name, help=help_text, description=description or help_text)
    add_common(parser)
    parser.set_defaults(handler=handler)
    return parser


def group(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help_text: str,
) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    parser: Parser = sub.add_parser(name, help=help_text, description=help_text)
    add_common(parser)
    inner = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)
    return inner


def dump_json(value: Any) -> str:
    """--json output: C1, bidi and invisible characters escaped (render.text.json_safe); the values are unchanged."""
    from oob_console.render.text import json_safe

    return json_safe(json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False))


def for_a_program() -> bool:
    """stdout is not a terminal: data output (``Output.raw``) may go out byte-exact."""
    return not sys.stdout.isatty()
