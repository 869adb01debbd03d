"""The BGP screen and its wizard (plan -> approvals -> staged progress), with Pilot over a real site.

The upstream is a local server speaking Cloudflare's BGP Prefixes API (tests/lab/provider_apis.py),
so the wizard runs the real service path end to end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from oob_console.tui.app import build_app
from oob_console.tui.profile import choose_profile
from oob_console.tui.screens.bgp import BgpScreen, BgpWizard
from oob_console.wiring import Services
from tests.lab.bgp_site import PREFIX, approvers, bgp_site, carol_signs
from tests.lab.provider_apis import CloudflareApi
from tests.lab.test_bgp_providers import ENV, cloudflare_toml
from tests.tui.conftest import make_app, settle
from tests.tui.test_screens import options, status_of
from tests.unit.auth_lab import NoPrompt

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


@pytest.fixture
def cloudflare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudflareApi]:
    monkeypatch.chdir(tmp_path)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    with CloudflareApi(account="acct0123", token=ENV["OOB_TEST_CF_TOKEN"], cidr=PREFIX) as cf:
        yield cf


def report(screen: object) -> str:
    return str(screen.query_one("#report", Static).render())  # type: ignore[attr-defined]


async def wait_for(pilot: object, predicate: object, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.1)):
        await settle(pilot)  # type: ignore[arg-type]
        if predicate():  # type: ignore[operator]
            return
        await pilot.pause(0.1)  # type: ignore[attr-defined]
    raise AssertionError("the screen did not get there")


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_wizard_plans_requests_and_shows_each_stage(cloudflare: CloudflareApi, low_bandwidth: bool) -> None:
    bgp_site(Path("site"), cloudflare_toml(cloudflare.url))
    app = make_app(Services.from_config("site/config.toml", actor="user:alice"), low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        overview = options(app.screen, "#overview")  # the dashboard's line, measured now
        assert any(line.startswith("Upstream BGP") and "[ OK ] 0 prefix(es) announced" in line for line in overview)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BgpScreen)
        assert "cf" in str(app.screen.query_one("#bgp-sessions", Static).render())
        assert "0 announced" in status_of(app.screen)
        await pilot.press("n")
        await settle(pilot)
        wizard = app.screen
        assert isinstance(wizard, BgpWizard)
        wizard.query_one("#prefix", Input).value = PREFIX
        wizard.query_one("#prefix", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "preflight: all checks pass" in report(wizard) and "PASS  rpki: Valid" in report(wizard)
        await pilot.press("ctrl+r")
        # Cloudflare took it, but this site has no confirmation source: UNCONFIRMED, never "done"
        await wait_for(pilot, lambda: "UNCONFIRMED: sent, but nothing" in status_of(wizard))
        text = report(wizard)
        assert "taken by our speaker     DONE" in text and "sent on our session      DONE" in text
        assert "accepted by upstream     UNCONFIRMED" in text
        assert cloudflare.bgp["on_demand"]["advertised"] is True
        await pilot.press("escape")
        await settle(pilot)
        assert any(line.startswith(PREFIX) and "announced" in line for line in options(app.screen, "#bgp-list"))


async def test_wizard_shows_a_refusal_and_sends_nothing(cloudflare: CloudflareApi) -> None:
    bgp_site(Path("site"), cloudflare_toml(cloudflare.url))
    app = make_app(Services.from_config("site/config.toml", actor="user:alice"), low_bandwidth=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "n")
        await settle(pilot)
        wizard = app.screen
        wizard.query_one("#prefix", Input).value = "203.0.113.0/25"
        await pilot.press("enter")
        await settle(pilot)
        assert "FAIL  prefix.owned" in report(wizard) and "refused" in status_of(wizard)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not any(s.method == "PATCH" for s in cloudflare.seen)


async def test_wizard_waits_for_the_quorum_then_runs(cloudflare: CloudflareApi,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path("site")
    bgp_site(home, cloudflare_toml(cloudflare.url), approvals=2)
    lab = approvers(home.resolve(), monkeypatch)
    # approvers are enrolled now, so the console would open at its login screen: the operator is already in
    app = build_app(Services.from_config("site/config.toml", actor="local:oncall"),
                    choose_profile(term="xterm-256color", tty=None), login=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "n")
        await settle(pilot)
        wizard = app.screen
        wizard.query_one("#prefix", Input).value = PREFIX
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "approvals pending: 0 of 2" in report(wizard))
        assert not any(s.method == "PATCH" for s in cloudflare.seen)  # nothing before the quorum
        ticket = lab.app.approvals.list()[0].id
        lab.use_key("bob-key")
        lab.app.approvals.approve_local(ticket, NoPrompt())
        lab.app.approvals.approve_sshsig(ticket, carol_signs(lab, ticket))
        await wait_for(pilot, lambda: "UNCONFIRMED: sent, but nothing" in status_of(wizard), 15)
        assert cloudflare.bgp["on_demand"]["advertised"] is True
