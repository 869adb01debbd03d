"""The docs are true to the code: every `oob ...` shown exists with the options shown, every key of
config.example.toml is in the config reference, the generated references are current, every
relative link resolves, and the README stays a README."""

from __future__ import annotations

import dataclasses
import re
import shlex
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs_reference import CLI_MD, CONFIG_MD, _scalar, _subparsers, _unwrap, cli_markdown, config_markdown

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
# what a doc pipes `oob` output into (anything else after a pipe is an alternative subcommand)
SHELL_TOOLS = {"head", "tail", "grep", "less", "jq", "ssh-keygen", "tee", "wc", "sort", "cat", "ssh", "xargs"}


def code_lines(path: Path) -> Iterator[tuple[int, str]]:
    inside = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if FENCE.match(line.strip()) or line.strip().startswith("```"):
            inside = not inside
        elif inside:
            yield number, line


def oob_invocations(line: str) -> Iterator[list[str]]:
    """The `oob ...` commands on a shell line: after env assignments, sudo, a pipe, ``&&`` or ``$``.

    Docs write alternatives as ``oob user list | disable NAME``: a segment after a pipe that does
    not start with a command is an alternative subcommand of the previous one's group.
    """
    text = line.split(" # ")[0].split("  #")[0].strip()
    if text.startswith("#"):
        return
    text = text.removeprefix("$ ")
    try:
        words = shlex.split(text.replace("[", " ").replace("]", " "), posix=True)
    except ValueError:
        words = text.replace("[", " ").replace("]", " ").split()
    segments: list[list[str]] = [[]]
    for w in words:
        if w in ("|", "&&", ";", "||"):
            segments.append([])
        else:
            segments[-1].append(w)
    previous: list[str] | None = None
    for seg in segments:
        while seg and (re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", seg[0]) or seg[0] in ("sudo", "exec", "time")):
            seg = seg[1:]
        if seg and seg[0] == "runuser" and "--" in seg:
            seg = seg[seg.index("--") + 1:]
        if seg and Path(seg[0]).name == "oob":
            if len(seg) > 1 and seg[1].endswith(":"):
                continue  # printed output ("oob doctor: site sjc1: ..."), not a command
            previous = seg[1:]
            yield previous
        elif seg and previous is not None and re.fullmatch(r"[a-z][a-z-]*", seg[0]) and seg[0] not in SHELL_TOOLS:
            group = [w for w in previous if not w.startswith("-")][:-1]
            yield [*group, *seg]


def check_invocation(args: list[str]) -> str | None:
    """None if the command path and every --option named exist in the real parser; else why not."""
    from oob_console.cli.main import build_parser

    parser = build_parser()
    path: list[str] = []
    rest = list(args)
    while rest:
        subs = _subparsers(parser)
        word = rest[0]
        if word.startswith("-") or not subs:
            break
        if "|" in word:  # "run|show|cancel": each alternative must exist
            missing = [w for w in word.split("|") if w not in subs]
            return f"oob {' '.join(path)}: no subcommand {missing[0]!r}" if missing else None
        if word not in subs:
            if word.isupper() or word.startswith(("<", "ID", "KEY")):
                break
            return f"oob {' '.join(path)}: no subcommand {word!r}"
        parser = subs[word]
        path.append(word)
        rest.pop(0)
    if _subparsers(parser) and not any(w in ("--help", "-h") for w in rest) and not path:
        return None
    options = {o for a in parser._actions for o in a.option_strings}
    for w in rest:
        if w.startswith("--"):
            name = w.split("=")[0].rstrip(",.")
            if name not in options and name != "--":
                return f"oob {' '.join(path)}: no option {name!r}"
    return None


def test_every_oob_command_in_the_docs_exists() -> None:
    problems = []
    seen = 0
    for doc in DOCS:
        for number, line in code_lines(doc):
            for args in oob_invocations(line):
                seen += 1
                why = check_invocation(args)
                if why:
                    problems.append(f"{doc.relative_to(REPO)}:{number}: {why}: {line.strip()}")
    assert seen > 80  # the parse finds the docs' commands at all
    assert not problems, "\n".join(problems)


def test_the_command_check_can_fail() -> None:
    assert check_invocation(["host", "setup", "--site", "x"]) is None
    assert check_invocation(["host", "stup"]) is not None
    assert check_invocation(["host", "setup", "--sight", "x"]) is not None
    assert list(oob_invocations("oob user list | disable NAME | enable NAME")) == [
        ["user", "list"], ["user", "disable", "NAME"], ["user", "enable", "NAME"]]
    assert list(oob_invocations("sudo OOB_HOME=/x /opt/oob-console/bin/oob note hi | head")) == [["note", "hi"]]
    assert list(oob_invocations("runuser -u oob -- oob key list --user a")) == [["key", "list", "--user", "a"]]


def example_keys(model: type, data: dict[str, Any], prefix: str = "") -> Iterator[str]:
    hints = typing.get_type_hints(model)
    fields = {f.name for f in dataclasses.fields(model)}
    for key, value in data.items():
        assert key in fields, f"{prefix}{key} is not a config key"
        tp = _unwrap(hints[key])
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if not _scalar(tp):
            yield from example_keys(tp, value, f"{prefix}{key}.")
        elif origin is dict and not _scalar(args[-1]):
            for item in value.values():
                yield from example_keys(args[-1], item, f"{prefix}{key}.<name>.")
        elif origin is tuple and not _scalar(args[0]):
            for item in value:
                yield from example_keys(args[0], item, f"{prefix}{key}[].")
        else:
            yield f"{prefix}{key}"


def test_every_key_of_the_example_config_is_documented() -> None:
    from oob_console.config.model import Config

    data = tomllib.loads((REPO / "config.example.toml").read_text())
    keys = set(example_keys(Config, data))
    assert len(keys) > 100
    documented = set(re.findall(r"^\| `([^`]+)` \|", CONFIG_MD.read_text(), re.M))
    assert keys - documented == set()


def test_generated_references_are_current() -> None:
    assert CLI_MD.read_text() == cli_markdown() + "\n", "run: python -m tests.docs_reference"
    assert CONFIG_MD.read_text() == config_markdown(), "run: python -m tests.docs_reference"


def test_exit_codes_page_matches_the_code() -> None:
    from oob_console import errors
    from oob_console.cli import main

    documented = {int(n) for n in re.findall(r"^\| (\d+) \|", (REPO / "docs/reference/exit-codes.md").read_text(),
                                              re.M)}
    in_main = {int(n) for n in re.findall(r"(\d+) [a-z]", main.__doc__.split("Exit codes:")[1].split(". See")[0])}
    classes = {c.exit_code for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.OobError)}
    assert classes <= in_main
    # 10, 12, 20: verdicts and outcomes of single commands (guard check / run --check change and dangerous,
    # BGP UNCONFIRMED, drill incomplete, audit verify unproven, doctor critical), documented with those commands
    assert documented == in_main | {10, 12, 20}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_plain_markdown_with_no_broken_links(doc: Path) -> None:
    text = doc.read_text()
    assert sum(1 for line in text.splitlines() if line.strip().startswith("```")) % 2 == 0, "unbalanced fence"
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{doc.relative_to(REPO)}: broken link {target}"
        assert path.is_relative_to(REPO), f"{doc.relative_to(REPO)}: link leaves the repository: {target}"


def test_the_readme_is_a_readme() -> None:
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    for must in ("deploy/dev demo", "deploy/dev test", "oob host setup --site", "docs/operator/",
                 "docs/reference/", "docs/architecture.md", "docs/development.md"):
        assert must in text, must
