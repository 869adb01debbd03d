"""The real `oob tui` in a real terminal (tmux), as a floor technician on a VT100 would use it."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.demo.people import drill_waiting_for_bob
from oob_console.demo.site import DemoSite
from oob_console.render.text import to_ascii
from oob_console.wiring import SOFT_KEY_ENV, Services
from tests.tui.terminal_model import Terminal, from_capture
from tests.tui.tmux import Tmux


def oob_tui(home: Path, term: str, *args: str) -> list[str]:
    env = [f"OOB_HOME={home}", f"TERM={term}", "LANG=C.UTF-8", f"PYTHONPATH={os.getcwd()}"]
    # The terminal's own size and colours, whatever the test process's environment holds.
    return ["env", "-u", "NO_COLOR", "-u", "COLUMNS", "-u", "LINES", *env, sys.executable, "-m", "oob_console",
            "tui", *args]


@pytest.fixture
def home(services: Services) -> Path:
    return services.loaded.base


@pytest.fixture
def terminals() -> Iterator[list[Tmux]]:
    made: list[Tmux] = []
    yield made
    for t in made:
        t.close()


def test_vt100_logs_in_with_a_software_key_opens_every_screen_and_quits(people_site: DemoSite,
                                                                         terminals: list[Tmux]) -> None:
    services = people_site.services
    drill = drill_waiting_for_bob(services, people_site.people)
    keys = os.pathsep.join(str(k) for k in people_site.people.at_the_host)
    term = Tmux(["env", f"{SOFT_KEY_ENV}={keys}", *oob_tui(people_site.home, "vt100")])
    terminals.append(term)
    screen = term.wait_for("3 users, 3 keys enrolled, 3 of them SOFTWARE keys")
    assert "Log in with your hardware key" in screen and screen.isascii()
    term.type("bob")
    term.send("Enter")
    term.wait_for("user:bob | low-bandwidth")
    screen = term.wait_for("3 of 3 answer on SSH")  # the demo routers, probed over loopback
    assert "Terminal: low-bandwidth, no colour, ASCII (TERM=vt100)" in screen
    assert f"1 waiting: {drill.id} drill 1/2" in screen and "not configured: no [bgp.upstreams]" in screen
    assert "+----" in screen  # ASCII borders, nothing a VT100 cannot show

    term.send("v")
    term.wait_for("edge1.sjc1")
    term.send("Enter")
    term.wait_for("pinned ssh-ed25519 SHA256:")
    term.send("s")  # the TUI steps aside: the router's own CLI on this terminal
    term.wait_for("bb1.sjc1# ")
    term.type("show version")
    term.send("Enter")
    term.wait_for("oob-console DEMO router bb1.sjc1")
    term.type("exit")
    term.send("Enter")
    term.wait_for("ssh session to bb1.sjc1 ended")
    assert services.audit.show(action="session.")[-1]["target"] == "bb1.sjc1"
    term.send("Escape")

    term.send("a")
    term.wait_for(f"{drill.id} drill [pending] 1/2 by user:alice")
    term.send("Enter")
    term.wait_for("carol with sshsig key")
    term.send("a")
    term.wait_for("approved by bob: 2 of 2, now executed")
    term.send("Escape")
    term.wait_for("nothing waiting for approval")

    term.send("r")
    term.wait_for("4 runbooks in runbooks/")
    term.send("/")
    term.type("upstream")
    term.send("Enter")
    term.wait_for("1 runbook matching 'upstream'")
    term.send("Enter")
    lines = services.runbooks.get("emergency-prefix").lines
    screen = term.wait_for(f"emergency-prefix.md, {lines} lines")
    assert "Confirm at the upstream" in screen
    term.send("Escape")
    term.wait_for("1 runbook matching")

    term.send("l")
    term.wait_for("chain: INTACT")
    term.send("n")
    term.wait_for("Add a note to the audit log")
    term.type("16:05 links restored")
    term.send("Enter")
    screen = term.wait_for("note 16:05 links restored")
    assert "user:bob note 16:05 links restored" in screen  # the audit log names who logged in

    term.send("?")
    term.wait_for("a   Approvals          ap")
    term.send("d")
    term.wait_for("Pending approvals  [ OK ] none waiting")
    term.send("q")
    term.wait_for("Quit the console?")
    term.send("y")
    assert term.exit_status() == 0
    assert services.audit.verify().entries > 0


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
    # (keys, text both screens must show before they are compared: the keys have been handled)
    steps: list[tuple[tuple[str, ...], str]] = [
        ((), "chain intact"), (("Down", "Down"), "chain intact"), (("r",), "3 runbooks in"),
        (("Down", "Enter"), "lines; PgUp/PgDn"), (("Escape", "l"), "chain: INTACT"), (("Down",), "chain: INTACT"),
        (("n",), "Add a note"), (("Escape", "?"), "Screens (key"), (("v",), "no devices in"),
        (("d",), "Enter on a line opens"), (("resize",), "Enter on a line opens"),
    ]
    size = (80, 24)
    for keys, expect in steps:
        for t in (diffed, raw):
            if keys == ("resize",):  # SIGWINCH: the screen is unknown again and redrawn
                size = (100, 30)
                t.resize(*size)
            else:
                t.send(*keys)
        for t in (diffed, raw):
            t.wait_for(expect)
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
    term = Tmux(["env", "-u", "OOB_HOME", "-u", SOFT_KEY_ENV, *env, sys.executable, "-m", "oob_console", "demo"])
    terminals.append(term)
    term.wait_for("3 of them SOFTWARE keys")
    assert len(list(demo_tmp.iterdir())) == 1
    term.send("Enter")  # no name: whoever's key answers (alice's and bob's keys are attached)
    term.wait_for("user:alice | low-bandwidth")
    term.wait_for("4 runbooks in runbooks/")
    term.send("a")
    term.wait_for("drill [pending] 1/2 by user:alice")
    term.send("q")
    term.wait_for("Quit the console?")
    term.send("y")
    assert term.exit_status() == 0
    assert "demo site removed; nothing is left running" in term.screen()
    assert list(demo_tmp.iterdir()) == []
