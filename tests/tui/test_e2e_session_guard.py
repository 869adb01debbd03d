"""The typed-line guard from the TUI (`s` on a device, in tmux at 80x24): the same session layer as
`oob ssh`, so a dangerous line typed into a real sshd + FRR vtysh router is held and the router keeps
its BGP configuration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oob_console.wiring import Services
from tests.lab.routers import Router, RouterLab, lab_unavailable, write_inventory
from tests.tui.test_e2e_tmux import oob_tui
from tests.tui.tmux import Tmux


@pytest.fixture
def router_site(services: Services, tmp_path: Path) -> Iterator[tuple[Path, Router]]:
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    home = services.loaded.base
    with RouterLab(tmp_path / "lab") as lab:
        r1 = lab.router("r1")
        write_inventory(home / "inventory.toml", [r1.device_entry()])
        yield home, r1


@pytest.mark.parametrize("term_name", ["xterm-256color", "vt100"])
def test_a_dangerous_line_typed_in_a_tui_session_is_held(router_site: tuple[Path, Router], term_name: str) -> None:
    home, r1 = router_site
    term = Tmux(oob_tui(home, term_name))
    try:
        term.wait_for("answer on SSH")
        term.send("v")
        term.wait_for("1 of 1 device")
        term.send("Enter")
        term.wait_for("Device r1")
        term.send("s")
        term.wait_for("r1# ", timeout=20)
        term.type("show version")
        term.send("Enter")
        term.wait_for("FRRouting")
        term.type("configure terminal")
        term.send("Enter")
        term.wait_for(r"r1(config)# ")
        term.type("no router bgp 64512")
        term.send("Enter")
        term.wait_for("DANGEROUS, not sent", timeout=15)
        term.type("end")
        term.send("Enter")
        time.sleep(0.5)
        term.send("Enter")
        term.type("~.")
        term.wait_for("Device r1", timeout=15)  # back on the TUI's screen
    finally:
        term.close()
    assert "router bgp 64512" in r1.vtysh("show running-config")
