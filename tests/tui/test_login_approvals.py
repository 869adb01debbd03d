"""Login with a software key, and approvals, on the demo's people (real store, real CTAP2, real signatures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList, Static, TextArea

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import create, open_device
from oob_console.demo.people import Quiet, attached, drill_waiting_for_bob
from oob_console.demo.site import DemoSite
from oob_console.tui.screens.approvals import ApprovalsScreen, IntentScreen, SshsigModal
from oob_console.tui.screens.dashboard import DashboardScreen
from oob_console.tui.screens.login import LoginScreen
from oob_console.tui.screens.modals import ConfirmModal, PromptModal
from oob_console.wiring import SOFT_KEY_ENV
from tests.tui.conftest import make_app, settle

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def wait_for_screen(pilot: Any, kind: type) -> None:
    """Poll (a worker waiting for the operator must not be waited for)."""
    for _ in range(100):
        if isinstance(pilot.app.screen, kind):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{kind.__name__} never opened; at {pilot.app.screen}")


async def test_log_in_with_a_key_then_approve_the_drill(people_site: DemoSite,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    services = people_site.services
    drill = drill_waiting_for_bob(services, people_site.people)
    touches: list[str] = []
    original = LoginScreen.show_touch

    def show_touch(self: LoginScreen) -> None:
        touches.append(str(self.query_one("#key-state", Static).render()))
        original(self)
        touches.append(str(self.query_one("#key-state", Static).render()))

    monkeypatch.setattr(LoginScreen, "show_touch", show_touch)
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "3 users, 3 keys enrolled, 3 of them SOFTWARE keys" in text_of(app.screen, "#status")
        app.action_open("dashboard")  # nothing opens before a login
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*"bob", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert touches[-1] == "TOUCH YOUR KEY NOW"  # the key's keepalive reached the screen
        assert app.services.identity.actor == "user:bob"
        assert text_of(app.screen, "#title-right").startswith("user:bob")

        await pilot.press("a")
        await settle(pilot)
        listing = app.screen.query_one("#intents", OptionList)
        (line,) = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert line.startswith(f"{drill.id} drill [pending] 1/2 by user:alice")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, IntentScreen)
        body = text_of(app.screen, "#intent-text")
        assert "carol with sshsig key" in body and drill.intent.hash in body
        assert f"oob intent show {drill.id} | ssh-keygen -Y sign -n oob-console" in body
        await pilot.press("a")
        await settle(pilot)
        assert text_of(app.screen, "#status") == "approved by bob: 2 of 2, now executed"
        assert services.approvals.get(drill.id).state == "executed"
        approval = services.audit.show(action="intent.approve")[-1]
        assert approval["actor"] == "user:bob" and approval["outcome"] == "ok"

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        assert "nothing waiting" in text_of(app.screen, "#status")
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal) and app.services.identity.actor == "user:bob"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen) and app.services.identity.actor == "user:bob"
        await pilot.press("o", "y")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.services.identity.is_local
        logout = services.audit.show(action="login.logout")[-1]
        assert logout["actor"] == "user:bob" and logout["details"]["reason"] == "logout"


async def test_a_refused_login_stays_on_the_login_screen(people_site: DemoSite) -> None:
    app = make_app(people_site.services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"carol", "enter")  # carol's key is on her laptop, not here
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.services.identity.is_local
        status = app.screen.query_one("#status", Static)
        assert str(status.render()).startswith("error: ") and status.has_class("-error")
        assert app.focused is app.screen.query_one("#user", Input)
    refused = people_site.services.audit.show(action="login.")[-1]
    assert refused["target"] == "carol" and refused["outcome"] == "refused"


async def test_a_key_with_a_pin_asks_for_it(people_site: DemoSite, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    services = people_site.services
    key = tmp_path / "dave.softkey"
    create(key, pin="4821")
    services.credentials.add_user(services.identity, "dave", ("operator",))
    with attached(key):
        services.credentials.enroll(services.identity, "dave", _Pin("4821"), label="test SOFTWARE key", uv=True)
    monkeypatch.setenv(SOFT_KEY_ENV, str(key))
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"dave", "enter")
        await wait_for_screen(pilot, PromptModal)
        assert app.screen.query_one("#answer", Input).password
        await pilot.press(*"4821", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.services.identity.user_verified


async def test_request_a_drill_and_approve_it_with_a_pasted_sshsig(people_site: DemoSite) -> None:
    services, people = people_site.services, people_site.people
    app = make_app(services, low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"alice", "enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, PromptModal)
        await pilot.press(*"Q3 drill", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, IntentScreen) and screen.view.intent.requester == "user:alice"
        assert screen.view.intent.params["note"] == "Q3 drill"
        signature = ssh_sk_keys.sign_sshsig(open_device(people.keys["carol"]), people.carol_sk,
                                            services.approvals.canonical(screen.view.id), "oob-console")
        await pilot.press("s")
        await wait_for_screen(pilot, SshsigModal)
        app.screen.query_one("#sshsig", TextArea).text = signature
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert app.screen is screen
        assert text_of(screen, "#status") == "approved by carol: 1 of 2, now pending"
        await pilot.press("s")
        await wait_for_screen(pilot, SshsigModal)
        app.screen.query_one("#sshsig", TextArea).text = signature  # the same signature again: a replay
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert text_of(screen, "#status").startswith("error: approval refused")
        assert services.approvals.get(screen.view.id).have == 1


class _Pin(Quiet):
    def __init__(self, pin: str) -> None:
        self._pin = pin

    def pin(self) -> str | None:
        return self._pin
