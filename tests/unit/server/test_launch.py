from __future__ import annotations

import sys
from pathlib import Path

import pytest

from oob_console.cli.main import build_parser
from oob_console.errors import RefusedError, UsageError
from oob_console.server.launch import child_argv, child_env, console_args, exec_args


@pytest.mark.parametrize(("term", "expected"), [
    ("xterm-256color", ["tui"]), ("linux", ["tui"]), ("vt220", ["tui"]),
    ("vt100", ["shell"]), ("VT100", ["shell"]), ("dumb", ["shell"]), ("", ["shell"]), (None, ["shell"]),
])
def test_console_choice(term: str | None, expected: list[str]) -> None:
    assert console_args(("tui",), ("shell",), term) == expected


PARSER = build_parser()
OPS = frozenset({"operator"})
ADMIN = frozenset({"admin"})


def test_exec_args_are_split_without_a_shell() -> None:
    assert exec_args("intent show 42 --json", OPS, PARSER) == ["intent", "show", "42", "--json"]
    assert exec_args("oob audit show --since 4h", OPS, PARSER) == ["audit", "show", "--since", "4h"]
    assert exec_args("note 'a; rm -rf /' $(id)", OPS, PARSER) == ["note", "a; rm -rf /", "$(id)"]
    assert exec_args("--json whoami", OPS, PARSER) == ["--json", "whoami"]
    assert exec_args("run r1 -- show --config x", OPS, PARSER)[-1] == "x"  # after --, a device command's words
    assert exec_args("run r1 -- 'show version'", OPS, PARSER) == ["run", "r1", "--", "show version"]
    assert exec_args("audit show --help", OPS, PARSER) == ["audit", "show", "--help"]  # help prints; nothing runs


@pytest.mark.parametrize("command", ["", "oob", "note 'unterminated", "bogus", "intent frobnicate 1",
                                     "audit show --limit"])
def test_exec_args_usage_errors(command: str) -> None:
    with pytest.raises(UsageError):
        exec_args(command, OPS, PARSER)


@pytest.mark.parametrize("command", [
    "serve", "oob init --home /tmp/x", "demo", "ssh-entry", "authorized-keys oob",
    # the escapes of issue 18: options before the command, abbreviations, host files
    "-- --json serve --listen 127.0.0.1 --port 2222", "--json serve --listen 127.0.0.1 --port 2222",
    "--json init --home /tmp/x", "--config /etc/passwd audit show", "audit show --conf /etc/passwd",
    "audit show --config /x", "audit show --config=/x", "audit show --co=/x", "whoami --conf=/x",
    "audit show --log /etc/passwd", "audit show --lo /etc/passwd", "audit verify --pubkey AAAA",
    "softkey init /tmp/x", "softkey ssh-keygen -f /tmp/x", "store export /tmp/x", "store import /tmp/x",
    "inventory import nornir /tmp/x", "login --user root", "key enroll --user x",
    "key add-ssh /etc/ssh/ssh_host_ed25519_key.pub --user x", "approve 1 --sshsig /etc/shadow",
    "approve 1 --local-key", "guard check --inventory /etc/passwd 'show run'",
])
def test_escapes_are_refused(command: str) -> None:
    with pytest.raises(RefusedError):
        exec_args(command, ADMIN | frozenset({"operator", "approver"}), PARSER)


def test_allowed_by_role() -> None:
    assert exec_args("user add bob --role operator", ADMIN, PARSER)[:2] == ["user", "add"]
    with pytest.raises(RefusedError, match="needs the role admin"):
        exec_args("user add bob --role operator", OPS, PARSER)
    with pytest.raises(RefusedError, match="needs the role"):
        exec_args("bgp announce 192.0.2.0/24 --upstream a", frozenset({"approver"}), PARSER)
    assert exec_args("key add-ssh - --user bob", ADMIN, PARSER)[-1] == "bob"  # stdin is fine


def test_every_command_of_the_parser_is_decided() -> None:
    """A command added later is refused over SSH until it is put on the list (fail closed)."""
    from oob_console.server import exec_policy

    def leaves(parser, path):  # type: ignore[no-untyped-def]
        sub = exec_policy._subparsers(parser)
        if sub is None:
            yield tuple(path)
            return
        for name, child in sub.choices.items():
            yield from leaves(child, [*path, name])

    paths = set(leaves(PARSER, []))
    assert set(exec_policy.OVER_SSH) <= paths  # the list names no command that does not exist
    assert ("serve",) in paths and ("serve",) not in exec_policy.OVER_SSH
    assert exec_policy.site_options(PARSER) >= {"--config"}


def test_child_command_and_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OOB_SESSION", "someone-elses-token")  # the server's own env never leaks through
    monkeypatch.setenv("SECRET_TOKEN", "x")
    env = child_env("tok3n", "xterm")
    assert env["OOB_SESSION"] == "tok3n" and env["TERM"] == "xterm"
    assert "SECRET_TOKEN" not in env
    assert set(env) <= {"PATH", "HOME", "LANG", "TERM", "TZ", "OOB_SESSION"}
    assert child_env("t", None)["TERM"] == "dumb"
    argv = child_argv(Path("/site/config.toml"), ["whoami"], tty=True)
    assert argv == [sys.executable, "-m", "oob_console.server.pty_child", "--config", "/site/config.toml", "whoami"]
    assert child_argv(Path("/c"), ["x"], tty=False)[2] == "oob_console"


def test_without_a_parser_nothing_runs() -> None:
    with pytest.raises(RefusedError, match="no command parser"):
        exec_args("whoami", OPS, None)
