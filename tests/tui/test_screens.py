"""Each screen's main path, driven with Pilot over a real site (services are not mocked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Markdown, OptionList, Static

from oob_console.services.status.service import StatusItem, StatusService
from oob_console.tui.screens.audit import AuditScreen
from oob_console.tui.screens.dashboard import DashboardScreen
from oob_console.tui.screens.help import HelpScreen
from oob_console.tui.screens.modals import ConfirmModal, PromptModal, TextModal
from oob_console.tui.screens.runbooks import RunbookScreen, RunbooksScreen
from oob_console.wiring import Services
from tests.tui.conftest import NOTES, make_app, settle

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


def options(app_screen: object, selector: str) -> list[str]:
    listing = app_screen.query_one(selector, OptionList)  # type: ignore[attr-defined]
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


def status_of(screen: object) -> str:
    return str(screen.query_one("#status", Static).render())  # type: ignore[attr-defined]


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_dashboard_shows_what_is_measured_and_what_is_not(services: Services, low_bandwidth: bool) -> None:
    app = make_app(services, low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        lines = options(app.screen, "#overview")
        assert any(line.startswith("Audit log") and "[ OK ] chain intact: 5 entries" in line for line in lines)
        assert any(line.startswith("Runbooks") and "3 runbooks in runbooks/" in line for line in lines)
        bgp = next(line for line in lines if line.startswith("Upstream BGP"))
        assert "[ -- ] not configured: no [bgp.upstreams]" in bgp
        assert any(line.startswith("OOB uplink") and "[WARN] not checked: no uplink targets" in line for line in lines)
        assert any(line.startswith("Last drill") and "[WARN] no passing drill on record" in line for line in lines)
        assert any(line.startswith("Pending approvals") and "[ OK ] none waiting" in line for line in lines)
        assert any(line.startswith("Devices reachable") and "[WARN] no devices in" in line for line in lines)
        assert any(line.startswith("Login") and "[WARN] no user with an enrolled key" in line for line in lines)
        services.audit.note("one more")
        await pilot.press("g")
        await settle(pilot)
        assert any("chain intact: 6 entries" in line for line in options(app.screen, "#overview"))
        # Enter on the runbooks line opens the runbooks screen
        app.screen.query_one("#overview", OptionList).highlighted = len(lines) - 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunbooksScreen)


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_runbooks_search_open_and_back(services: Services, low_bandwidth: bool) -> None:
    app = make_app(services, low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunbooksScreen)
        assert len(options(screen, "#runbook-list")) == 3
        assert "3 runbooks in runbooks" in status_of(screen)
        await pilot.press("slash", *"upstream")
        await settle(pilot)
        if low_bandwidth:  # on a slow line the search runs on Enter only
            assert len(options(screen, "#runbook-list")) == 3
        await pilot.press("enter")
        await settle(pilot)
        (hit,) = options(screen, "#runbook-list")
        assert hit.startswith("Withdraw an emergency prefix (bgp/withdraw)") and "7: 3. Confirm upstream." in hit
        assert app.focused is screen.query_one("#runbook-list")
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, RunbookScreen) and view.runbook.name == "bgp/withdraw"
        body = view.query_one("#runbook-text")
        assert isinstance(body, Static if low_bandwidth else Markdown)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_runbooks_folder_missing_is_said_on_the_status_line(services: Services) -> None:
    for path in sorted(Path("site/runbooks").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    Path("site/runbooks").rmdir()
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        status = status_of(app.screen)
        assert status.startswith("error: the runbooks folder does not exist") and "paths.runbooks" in status


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_audit_log_entries_note_verify_filter_details(services: Services, low_bandwidth: bool) -> None:
    app = make_app(services, low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        lines = options(screen, "#entries")
        assert "user:alice note 15:52 starting backbone recovery at SJC1" in lines[0]
        assert "site.init site" in lines[-3] and "audit.genesis sjc1" in lines[-1]  # the sealed genesis, its seal
        assert str(screen.query_one("#chain", Static).render()) == "chain: INTACT, 5 entries, last #5"
        await pilot.press("n")
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"16:05 links restored", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert "16:05 links restored" in options(screen, "#entries")[0]
        assert status_of(screen) == "noted as audit #6"
        assert services.audit.show()[-1]["details"] == {"text": "16:05 links restored"}
        assert "6 entries" in str(screen.query_one("#chain", Static).render())
        await pilot.press("slash", *"dns", "enter")
        await settle(pilot)
        (only,) = options(screen, "#entries")
        assert NOTES[0] in only
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, TextModal) and '"text": "15:40 backbone down, DNS withdrawn"' in detail.body
        await pilot.press("escape")
        await pilot.press("v")
        await settle(pilot)
        assert "INTACT" in str(screen.query_one("#chain", Static).render())


async def test_note_prompt_can_be_cancelled(services: Services) -> None:
    app = make_app(services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("n", *"never mind", "escape")
        await settle(pilot)
        assert len(services.audit.show()) == 5


async def test_a_broken_chain_is_shown_as_broken(services: Services) -> None:
    log = Path("site/audit.jsonl")
    log.write_text(log.read_text().replace("DNS withdrawn", "DNS fine"))
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(pilot)
        chain = app.screen.query_one("#chain", Static)
        assert str(chain.render()).startswith("chain: BROKEN - audit chain broken") and chain.has_class("-error")


async def test_help_lists_screens_keys_and_the_terminal_profile(services: Services) -> None:
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for row in ("d   Dashboard", "r   Runbooks           rb [words]", "l   Audit log          log", "q   Quit"):
            assert row in text
        assert "low-bandwidth, no colour, ASCII (TERM=vt100)" in text and "oob shell" in text


async def test_navigation_keeps_each_screen_and_q_asks_before_it_quits(services: Services) -> None:
    app = make_app(services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        runbooks = app.screen
        await pilot.press("d", "l", "r")
        assert app.screen is runbooks
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("x", "q", "n")  # only y says yes; other keys stay in the question
        await pilot.pause()
        assert app.screen is runbooks and app.return_code is None
        await pilot.press("q", "y")
        await settle(pilot)
    assert app.return_code == 0


async def test_a_search_field_takes_letters_that_are_also_keys(services: Services) -> None:
    app = make_app(services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("slash", *"drill q")
        assert app.screen.query_one("#search", Input).value == "drill q" and app.is_running


async def test_an_unexpected_error_opens_the_error_modal(services: Services) -> None:
    def broken() -> StatusItem:
        raise RuntimeError("probe exploded")

    services.status = StatusService({"uplink": broken})  # type: ignore[misc]
    app = make_app(services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, TextModal) and modal.error
        assert "This is a bug" in modal.title_text and "RuntimeError: probe exploded" in modal.body
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_audit_screen_shows_an_osc52_note_neutralised(services: Services) -> None:
    hostile = "ok\x1b]52;c;cm0gLXJmIC8=\x07\x1b[2K\x9b31m\u202eevil"
    services.audit.note(hostile)
    app = make_app(services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        first = options(screen, "#entries")[0]
        assert "ok^[]52;c;cm0gLXJmIC8=^G^[[2K<U+009B>31m<U+202E>evil" in first
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextModal)
        drawn = app.export_screenshot()
        assert "\x1b]52" not in drawn and "\u202e" not in drawn and "\x9b" not in drawn
        assert "52;c;cm0gLXJmIC8=" in drawn and "\x1b" not in drawn and "\x07" not in drawn
