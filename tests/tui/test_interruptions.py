"""Ending the console while work is under way: every ending asks first or is recorded, as the CLI records it.

Quit (q, Ctrl+Q) and logout ask; Ctrl-C and a lost terminal (SIGHUP) do not, and end a running command the way
Ctrl-C ends `oob run`: its ``run.finish`` entry says ``interrupted`` and the exit code is 130. The device is a
real SSH server (tests/lab/fault_ssh.py) whose ``show hang`` never answers.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.demo.site import DemoSite
from oob_console.tui.screens.dashboard import DashboardScreen
from oob_console.tui.screens.login import LoginScreen
from oob_console.wiring import Services
from tests.lab.fault_ssh import FaultServer
from tests.lab.routers import write_inventory
from tests.tui.conftest import make_app, settle
from tests.tui.test_e2e_tmux import oob_tui
from tests.tui.test_login_approvals import wait_for_screen
from tests.tui.tmux import Tmux


@pytest.fixture
def hanging_site(services: Services, tmp_path: Path) -> Iterator[Path]:
    home = services.loaded.base
    with FaultServer(tmp_path / "fault") as fault:
        write_inventory(home / "inventory.toml", [fault.device_entry("r1")])
        yield home


def start_a_run_that_hangs(home: Path, term_name: str) -> Tmux:
    term = Tmux(oob_tui(home, term_name))
    term.wait_for("answer on SSH")
    term.send("x")
    term.wait_for("Run a command")
    time.sleep(1)  # the command field has focus
    term.type("show hang")
    term.send("Enter")
    term.wait_for("0/1")  # sent; r1 never answers
    return term


def finishes(home: Path) -> list[dict[str, object]]:
    return Services.from_config(str(home / "config.toml")).audit.show(action="run.finish")


@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
@pytest.mark.parametrize("how", ["ctrl+q", "q", "ctrl-c", "sighup"])
def test_ending_the_console_during_a_run_records_it_interrupted_and_exits_130(
        hanging_site: Path, term_name: str, how: str) -> None:
    term = start_a_run_that_hangs(hanging_site, term_name)
    try:
        if how in ("ctrl+q", "q"):
            term.send("C-q" if how == "ctrl+q" else "Escape")
            if how == "q":
                term.send("q")
            term.wait_for("An action is running")
            term.send("n")  # the question is answered no: the run goes on
            time.sleep(1)
            assert finishes(hanging_site) == []
            term.send("C-q" if how == "ctrl+q" else "q")
            term.wait_for("An action is running")
            term.send("y")
        elif how == "ctrl-c":
            term.send("C-c")
        else:
            os.kill(term.pid(), signal.SIGHUP)
        assert term.exit_status(timeout=15) == 130
        (finish,) = finishes(hanging_site)
        assert finish["outcome"] == "interrupted"
    finally:
        term.close()


@pytest.mark.anyio
async def test_the_idle_lock_returns_to_the_login_screen_and_is_audited(people_site: DemoSite) -> None:
    config = people_site.home / "config.toml"
    config.write_text(config.read_text().replace("[auth]\n", '[auth]\nidle_lock = "2s"\n', 1))
    services = Services.from_config(str(config), actor="local:demo")
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"bob", "enter")
        await wait_for_screen(pilot, DashboardScreen)
        assert app.services.identity.actor == "user:bob"
        await wait_for_screen(pilot, LoginScreen)  # no key for two seconds
        assert app.services.identity.is_local
        (logout,) = services.audit.show(action="login.logout")
        assert logout["actor"] == "user:bob" and logout["details"]["reason"] == "idle"
