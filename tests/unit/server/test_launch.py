from __future__ import annotations

import sys
from pathlib import Path

import pytest

from oob_console.errors import RefusedError, UsageError
from oob_console.server.launch import child_argv, child_env, console_args, exec_args


@pytest.mark.parametrize(("term", "expected"), [
    ("xterm-256color", ["tui"]), ("linux", ["tui"]), ("vt220", ["tui"]),
    ("vt100", ["shell"]), ("VT100", ["shell"]), ("dumb", ["shell"]), ("", ["shell"]), (None, ["shell"]),
])
def test_console_choice(term: str | None, expected: list[str]) -> None:
    assert console_args(("tui",), ("shell",), term) == expected


def test_exec_args_are_split_without_a_shell() -> None:
    assert exec_args("intent show 42 --json") == ["intent", "show", "42", "--json"]
    assert exec_args("oob audit show --since 4h") == ["audit", "show", "--since", "4h"]
    assert exec_args("note 'a; rm -rf /' $(id)") == ["note", "a; rm -rf /", "$(id)"]


@pytest.mark.parametrize("command", ["", "oob", "note 'unterminated", "audit show --config /x",
                                     "audit show --config=/x"])
def test_exec_args_usage_errors(command: str) -> None:
    with pytest.raises(UsageError):
        exec_args(command)


@pytest.mark.parametrize("command", ["serve", "oob init --home /tmp/x", "demo", "ssh-entry"])
def test_host_management_is_refused(command: str) -> None:
    with pytest.raises(RefusedError):
        exec_args(command)


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
