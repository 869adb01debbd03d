"""Every `--help` renders: the top level and every command and subcommand (argparse %-formats help texts)."""

from __future__ import annotations

import argparse

from oob_console.cli.main import build_parser


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                                         argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk of subcommands
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for name, sub in action.choices.items():
                found += parsers(sub, (*path, name))
    return found


def test_every_help_renders() -> None:
    found = parsers(build_parser())
    assert len(found) > 40
    for path, parser in found:
        text = parser.format_help()
        assert text.startswith("usage: oob"), path
    top = build_parser().format_help()
    assert "authorized-keys" in top and "(AuthorizedKeysCommand oob authorized-keys %u)" in " ".join(top.split())
