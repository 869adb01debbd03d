"""Every `--help` renders: the top level and every command and subcommand (argparse %-formats help texts)."""

from __future__ import annotations

import argparse

import pytest

from oob_console.cli.main import build_parser


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                                         argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
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


def registered(module: str) -> set[str]:
    import importlib

    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(sub)
    return set(sub.choices)


def test_the_command_table_names_what_each_module_registers() -> None:
    from oob_console.cli.main import COMMANDS

    for module, names in COMMANDS.items():
        assert registered(module) == set(names), module


@pytest.mark.parametrize("argv", [
    ["run", "--check", "r1", "--", "show version"],
    ["--json", "--config", "c.toml", "guard", "check", "-p", "ios", "--", "show run"],
    ["--config", "run", "approve", "abc", "--local-key"],
    ["user", "add", "bob", "--role", "approver"],
])
def test_a_command_parses_the_same_with_only_its_module(argv: list[str]) -> None:
    from oob_console.cli.main import command_module

    module = command_module(argv)
    assert module is not None
    assert vars(build_parser(module).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_no_command_or_an_unknown_one_gets_every_module() -> None:
    from oob_console.cli.main import command_module

    assert command_module([]) is None and command_module(["--help"]) is None
    assert command_module(["frobnicate"]) is None and command_module(["--config", "x", "--", "run"]) is None
