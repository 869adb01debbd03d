"""The command-run screen (targets, guard, progress, per-device results) with Pilot, against real routers
(sshd + FRR vtysh from tests/lab/routers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from oob_console.bootstrap import App
from oob_console.tui.screens.devices import DevicesScreen
from oob_console.tui.screens.modals import TextModal
from oob_console.tui.screens.runs import RunScreen
from tests.lab.routers import RouterLab, lab_unavailable, write_inventory
from tests.tui.conftest import make_app, settle
from tests.tui.test_screens import options, status_of

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


@pytest.fixture
def lab_services(services: App, tmp_path: Path) -> Iterator[App]:
    """The TUI test site with r1 (core, up), r2 (edge, SSH down) and r3 (nothing pinned) in its inventory."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    with RouterLab(tmp_path / "lab") as lab:
        r1, r2, r3 = lab.router("r1"), lab.router("r2"), lab.router("r3")
        r2.stop_sshd()
        write_inventory(Path("site/inventory.toml"), [
            r1.device_entry(site="sjc1", role="core"), r2.device_entry(site="sjc1", role="edge"),
            r3.device_entry(host_keys=[]),
        ])
        yield services


def results(screen: object) -> list[list[str]]:
    return [line.split() for line in options(screen, "#results")]


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_run_from_the_filtered_device_list(lab_services: App, low_bandwidth: bool) -> None:
    app = make_app(lab_services, low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, DevicesScreen)
        await pilot.press("slash", *"role:core", "enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.query_one("#targets", Input).value == "role:core"
        await pilot.press(*"show running-config", "enter")
        await settle(pilot)
        assert [row[:2] for row in results(screen)] == [["r1", "ok"]]
        assert "[####################] 1/1" in str(screen.query_one("#progress", Static).render())
        assert "1 devices: 1 ok" in status_of(screen) and "guard: read-only" in status_of(screen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextModal) and "router bgp 64512" in app.screen.body
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DevicesScreen)


async def test_every_device_gets_its_own_result_and_the_guard_refuses_before_sending(lab_services: App) -> None:
    app = make_app(lab_services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.query_one("#targets", Input).value == "all"
        await pilot.press(*"show version", "enter")
        await settle(pilot)
        assert {row[0]: row[1] for row in results(screen)} == {"r1": "ok", "r2": "UNREACHABLE", "r3": "HOSTKEY"}
        assert "3 devices: 1 ok, 1 unreachable, 1 hostkey" in status_of(screen)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextModal) and "refused the TCP connection" in app.screen.body
        await pilot.press("escape")

        for command, verdict in (("write memory", "change"), ("clear bgp *", "dangerous")):
            field = screen.query_one("#command", Input)
            field.value = ""
            field.focus()
            await pilot.press(*command, "enter")
            await settle(pilot)
            assert f"{verdict}: not sent" in status_of(screen), status_of(screen)
            assert results(screen) == []
        actions = [e["action"] for e in lab_services.audit.show(action="run.")]
        assert actions == ["run.start", "run.finish", "run.refused", "run.refused"]
