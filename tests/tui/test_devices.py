"""The devices screen over the demo's routers: real SSH servers on loopback, pinned host keys."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static

from oob_console.demo.site import DemoSite
from oob_console.tui.screens.dashboard import DashboardScreen
from oob_console.tui.screens.devices import DeviceScreen, DevicesScreen
from oob_console.tui.screens.modals import TextModal
from tests.tui.conftest import make_app, settle

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


def lines_of(screen: object) -> list[str]:
    listing = screen.query_one("#devices", OptionList)  # type: ignore[attr-defined]
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_list_filter_probe_details(people_site: DemoSite, low_bandwidth: bool) -> None:
    app = make_app(people_site.services, low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"bob", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        overview = app.screen.query_one("#overview", OptionList)
        devices_line = str(overview.get_option_at_index(2).prompt)
        assert devices_line.startswith("Devices reachable") and "[ OK ] 3 of 3 answer on SSH" in devices_line

        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DevicesScreen)
        names = [line.split()[0] for line in lines_of(screen)]
        assert names == ["bb1.sjc1", "bb2.sjc1", "edge1.sjc1"]
        assert all(line.endswith("not probed") for line in lines_of(screen))
        await pilot.press("slash", *"role:backbone", "enter")
        await settle(pilot)
        assert [line.split()[0] for line in lines_of(screen)] == ["bb1.sjc1", "bb2.sjc1"]
        await pilot.press("p")
        await settle(pilot)
        assert all(" up " in f"{line} " for line in lines_of(screen))
        assert people_site.services.audit.show(action="inventory.probe")[-1]["details"]["reachable"] == [
            "bb1.sjc1", "bb2.sjc1"]

        await pilot.press("enter")
        await settle(pilot)
        device = app.screen
        assert isinstance(device, DeviceScreen) and device.device.name == "bb1.sjc1"
        text = str(device.query_one("#device-text", Static).render())
        pinned = people_site.routers.host_key("bb1.sjc1") if people_site.routers else ""
        assert "pinned ssh-ed25519 SHA256:" in text and pinned.split()[0] == "ssh-ed25519"
        assert "bgp 192.0.2.2 AS64501 upstream" in text and "reachability up" in text
        await pilot.press("s")  # Pilot's headless terminal cannot be handed over; a real one is (tmux test)
        await pilot.pause()
        assert "cannot be handed over" in str(device.query_one("#status", Static).render())
        assert isinstance(app.screen, TextModal) and "oob ssh DEVICE" in app.screen.body  # the reason, the way
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is screen


async def test_a_router_that_stopped_shows_as_down(people_site: DemoSite) -> None:
    assert people_site.routers is not None
    people_site.routers.stop()
    app = make_app(people_site.services, low_bandwidth=True, login=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        line = str(app.screen.query_one("#overview", OptionList).get_option_at_index(2).prompt)
        assert "[FAIL] 0 of 3 answer on SSH; not bb1.sjc1, bb2.sjc1" in line
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert all("DOWN: " in line for line in lines_of(app.screen))
