"""Every way into a device that cannot start, in a real terminal (tmux, 80x24): the reason is on the screen
within the connect timeout plus 2 s, Esc returns, and the console answers the next key.

The devices are real: an SSH server (tests/lab/fault_ssh.py) whose host key does not match its pin, a
port nobody listens on, a port that accepts and never says a word, a device with no console port.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from oob_console.wiring import Services
from tests.lab.fault_ssh import FaultServer
from tests.lab.routers import write_inventory
from tests.tui.test_e2e_tmux import oob_tui
from tests.tui.tmux import Tmux

CONNECT_TIMEOUT = 3.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broken_site(services: Services, tmp_path: Path) -> Iterator[Path]:
    """The TUI test site with four devices that cannot be reached, each for another reason."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts; nobody ever sends an SSH banner
    other = asyncssh.generate_private_key("ssh-ed25519")
    wrong_pin = " ".join(other.export_public_key().decode().split()[:2])
    home = services.loaded.base
    with open(home / "config.toml", "a", encoding="utf-8") as f:
        f.write(f'\n[devices]\nconnect_timeout = "{CONNECT_TIMEOUT:g}s"\n')
    with FaultServer(tmp_path / "fault") as fault:
        write_inventory(home / "inventory.toml", [
            fault.device_entry("badpin", host_keys=[wrong_pin]),
            fault.device_entry("refused", port=free_port()),
            fault.device_entry("silent", port=silent.getsockname()[1]),
            fault.device_entry("noconsole"),
        ])
        yield home
    silent.close()


CASES = [
    ("badpin", "s", "HOST KEY MISMATCH", "pin-hostkey badpin --replace --expect SHA256:"),
    ("refused", "s", "refused", ""),
    ("silent", "s", "did not answer in time", ""),
    ("noconsole", "c", "console", ""),
]


@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
@pytest.mark.parametrize(("device", "key", "reason", "fix"), CASES, ids=[c[0] for c in CASES])
def test_a_session_that_cannot_start_shows_why_and_gives_the_screen_back(
        broken_site: Path, term_name: str, device: str, key: str, reason: str, fix: str) -> None:
    term = Tmux(oob_tui(broken_site, term_name))
    try:
        term.wait_for("answer on SSH")
        term.send("v")
        term.wait_for("4 of 4 devices")
        term.send("/")
        time.sleep(1)  # the filter takes focus before the name is typed (a busy machine is slow)
        term.type(device)
        term.wait_for(f"{device} ")  # typed into the filter
        term.send("Enter")
        term.wait_for("1 of 4 devices")
        term.send("Enter")
        term.wait_for(f"Device {device}")
        started = time.monotonic()
        term.send(key)
        screen = term.wait_for("session to", timeout=CONNECT_TIMEOUT + 2 + 3)  # + tmux's own polling
        assert time.monotonic() - started <= CONNECT_TIMEOUT + 2 + 1.5, screen
        screen = term.wait_for(f"session to {device} failed", timeout=1)
        assert reason in screen.split("failed", 1)[1], screen
        if fix:
            # The fix is on the screen, perhaps wrapped: compare without line breaks and borders.
            flat = "".join(line.strip(" |│") for line in screen.splitlines())
            assert fix.replace(" ", "") in flat.replace(" ", ""), screen
        term.send("Escape")
        term.wait_for(f"Device {device}")
        term.send("Escape")
        term.wait_for("1 of 4 devices")
        term.send("d")  # the dashboard answers a key
        term.wait_for("Dashboard")
    finally:
        term.close()


@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
def test_ctrl_c_abandons_a_session_that_hangs_while_it_opens(broken_site: Path, term_name: str) -> None:
    term = Tmux(oob_tui(broken_site, term_name))
    try:
        term.wait_for("answer on SSH")
        term.send("v")
        term.wait_for("4 of 4 devices")
        term.send("/")
        time.sleep(1)  # the filter takes focus before the name is typed (a busy machine is slow)
        term.type("silent")
        term.wait_for("silent ")
        term.send("Enter")
        term.wait_for("1 of 4 devices")
        term.send("Enter")
        term.wait_for("Device silent")
        term.send("s")
        term.wait_for("[oob] opening ssh to silent")
        started = time.monotonic()
        term.send("C-c")
        term.wait_for("abandoned", timeout=4)
        assert time.monotonic() - started < CONNECT_TIMEOUT, "abandoned only by the deadline"
        term.send("Escape")
        term.wait_for("Device silent")
        term.send("d")
        term.wait_for("Dashboard")
    finally:
        term.close()


@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
def test_a_pin_mismatch_is_red_on_the_dashboard_and_the_devices_list(broken_site: Path, term_name: str) -> None:
    """Reachable means the handshake completed with the pinned key; another key is not "up", nor merely down."""
    term = Tmux(oob_tui(broken_site, term_name))
    try:
        screen = term.wait_for("HOST KEY MISMATCH: badpin")
        line = next(ln for ln in screen.splitlines() if "Devices reachable" in ln)
        assert "[FAIL]" in line and "HOST KEY MISMATCH: badpin" in line, screen
        assert "1 of 4 answer" in line  # only noconsole: same server, right pin
        term.send("v")
        term.wait_for("4 of 4 devices")
        term.send("p")
        screen = term.wait_for("up 0.")  # the probe answered
        row = next(ln for ln in screen.splitlines() if "badpin" in ln)
        assert row.rstrip(" |▎").endswith("HOST KEY MISMATCH"), row
        if term_name != "vt100":  # in colour: red
            coloured = term.screen(escapes=True)
            row = next(ln for ln in coloured.splitlines() if "badpin" in ln)
            assert any(red in row for red in ("[31m", ";31m", "38;5;196m", "38;5;9m")), repr(row)
    finally:
        term.close()


@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
def test_no_footer_is_cut_at_80x24(broken_site: Path, term_name: str) -> None:
    """On every screen the footer's last item ("? Help", which lists every key) is whole at 80 columns."""
    term = Tmux(oob_tui(broken_site, term_name))
    try:
        term.wait_for("answer on SSH")
        for key, title in (("d", "Dashboard"), ("v", "Devices"), ("x", "Run a command"), ("a", "Approvals"),
                           ("r", "Runbooks"), ("f", "Doctor"), ("l", "Audit log"), ("?", "Help")):
            term.send(key)
            screen = term.wait_for(f"| {title}")
            if key == "x":  # the command field has focus (and takes every letter): Esc leaves it
                term.send("Escape")
            time.sleep(0.5)
            footer = [ln for ln in term.screen().splitlines() if ln.strip()][-1]
            assert footer.rstrip().endswith("Help"), (title, footer)
            assert len(footer.rstrip()) <= 80, (title, footer)
            assert screen
    finally:
        term.close()
