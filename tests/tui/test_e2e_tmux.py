"""The real `oob tui` in a real terminal (tmux), as a floor technician on a VT100 would use it."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.bootstrap import App
from oob_console.views import to_ascii
from tests.tui.terminal_model import Terminal, from_capture
from tests.tui.tmux import Tmux


def oob_tui(home: Path, term: str, *args: str) -> list[str]:
    env = [f"OOB_HOME={home}", f"TERM={term}", "LANG=C.UTF-8", f"PYTHONPATH={os.getcwd()}"]
    return ["env", "-u", "NO_COLOR", *env, sys.executable, "-m", "oob_console", "tui", *args]


@pytest.fixture
def home(services: App) -> Path:
    return services.loaded.base


@pytest.fixture
def terminals() -> Iterator[list[Tmux]]:
    made: list[Tmux] = []
    yield made
    for t in made:
        t.close()


def test_vt100_opens_every_screen_and_quits_cleanly(home: Path, terminals: list[Tmux]) -> None:
    term = Tmux(oob_tui(home, "vt100"))
    terminals.append(term)
    screen = term.wait_for("chain intact: 3 entries")
    assert "Terminal: low-bandwidth, no colour, ASCII (TERM=vt100)" in screen
    assert "not in this version (device inventory)" in screen
    assert screen.isascii() and "+----" in screen  # ASCII borders, nothing a VT100 cannot show

    term.send("r")
    term.wait_for("3 runbooks in runbooks/")
    term.send("/")
    term.type("upstream")
    term.send("Enter")
    term.wait_for("1 runbooks match 'upstream'")
    term.send("Enter")
    screen = term.wait_for("bgp/withdraw.md, 7 lines")
    assert "3. Confirm upstream." in screen
    term.send("Escape")
    term.wait_for("1 runbooks match")

    term.send("l")
    term.wait_for("chain: INTACT, 3 entries, last #3")
    term.send("n")
    term.wait_for("Add a note to the audit log")
    term.type("16:05 links restored")
    term.send("Enter")
    screen = term.wait_for("noted as audit #4")
    assert "user:alice note 16:05 links restored" not in screen  # the TUI acts as the local account
    assert "note 16:05 links restored" in screen

    term.send("?")
    term.wait_for("r   Runbooks           rb [words]")
    term.send("d")
    term.wait_for("chain intact: 4 entries")
    term.send("q")
    assert term.exit_status() == 0


def visible(t: Tmux, size: tuple[int, int], *, colourless: bool) -> Terminal:
    screen = from_capture(t.screen(escapes=True), *size)
    if colourless:  # what a VT100 can show of Textual's own output: no colour, ASCII
        screen.cells = [[(to_ascii(c[:1]) if c else c, a, "", "") for c, a, _, _ in row] for row in screen.cells]
    return screen


@pytest.mark.parametrize("term_name", ["linux", "vt100"])
def test_sending_only_changes_shows_the_same_screen_as_textual(home: Path, terminals: list[Tmux],
                                                               term_name: str) -> None:
    """Cell by cell (characters, attributes, colours), after the same keys, with and without ScreenDiff.

    Both programs get the keys at once; each step waits (up to 20 s on a busy machine) until the
    two screens agree, so a difference that stays is a fault in ScreenDiff, not a slow start.
    """
    diffed, raw = Tmux(oob_tui(home, term_name)), Tmux(oob_tui(home, term_name, "--send-all"))
    terminals += [diffed, raw]
    steps: list[tuple[str, ...]] = [(), ("Down", "Down"), ("r",), ("Down", "Enter"), ("Escape", "l"), ("Down",),
                                    ("n",), ("Escape", "?"), ("d",), ("resize",)]
    for t in (diffed, raw):
        t.wait_for("chain intact")
    size = (80, 24)
    for keys in steps:
        for t in (diffed, raw):
            if keys == ("resize",):  # SIGWINCH: the screen is unknown again and redrawn
                size = (100, 30)
                t.resize(*size)
            else:
                t.send(*keys)
        deadline = time.monotonic() + 20
        while True:
            got = visible(diffed, size, colourless=False)
            want = visible(raw, size, colourless=term_name == "vt100")
            if got.screen() == want.screen():
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"after {keys}:\n{got.text()}\n---\n{want.text()}")
            time.sleep(0.3)


def test_oob_demo_opens_the_console_and_leaves_nothing(tmp_path: Path, terminals: list[Tmux]) -> None:
    demo_tmp = tmp_path / "demo-tmp"
    demo_tmp.mkdir()
    env = [f"TMPDIR={demo_tmp}", "TERM=vt100", "LANG=C.UTF-8", f"PYTHONPATH={os.getcwd()}"]
    term = Tmux(["env", "-u", "OOB_HOME", *env, sys.executable, "-m", "oob_console", "demo"])
    terminals.append(term)
    term.wait_for("4 runbooks in runbooks/")
    assert len(list(demo_tmp.iterdir())) == 1
    term.send("r")
    term.wait_for("Backbone down: the first hour")
    term.send("q")
    assert term.exit_status() == 0
    assert "demo site removed; nothing is left running" in term.screen()
    assert list(demo_tmp.iterdir()) == []
