"""What each screen looks like at 80x24, in both profiles (SVG snapshots; update with --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from oob_console.demo.site import DemoSite
from oob_console.wiring import Services
from tests.tui.conftest import make_app, settle

SIZE = (80, 24)


def keys(*pressed: str) -> Callable[[Pilot[None]], Any]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run_before


CASES = {
    "dashboard": (),
    "devices": ("v",),  # an empty inventory: the demo routers' ports change every run
    "run": ("x", *"show ip bgp summary"),
    "runbooks": ("r",),
    "runbook": ("r", "down", "enter"),
    "audit": ("l",),
    "note": ("l", "n", *"16:05 links restored"),
    "help": ("question_mark",),
}


@pytest.mark.parametrize("profile", ["full", "low_bandwidth"])
@pytest.mark.parametrize("case", list(CASES))
def test_screen(snap_compare: Any, services: Services, case: str, profile: str) -> None:
    app = make_app(services, low_bandwidth=profile == "low_bandwidth")
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*CASES[case]))


PEOPLE_CASES = {
    "login": (),
    "approvals": (*"alice", "enter", "a"),
}


@pytest.mark.parametrize("profile", ["full", "low_bandwidth"])
@pytest.mark.parametrize("case", list(PEOPLE_CASES))
def test_screen_with_people(snap_compare: Any, people_site: DemoSite, case: str, profile: str) -> None:
    app = make_app(people_site.services, low_bandwidth=profile == "low_bandwidth")
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*PEOPLE_CASES[case]))
