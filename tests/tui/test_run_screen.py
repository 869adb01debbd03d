"""The command-run screen (targets, guard, progress, per-device results) with Pilot, against real routers
(sshd + FRR vtysh from tests/lab/routers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import open_device
from oob_console.demo.site import DemoSite
from oob_console.tui.screens.approvals import IntentScreen, SshsigModal
from oob_console.tui.screens.devices import DevicesScreen
from oob_console.tui.screens.modals import TextModal
from oob_console.tui.screens.runs import RunScreen
from oob_console.wiring import Services
from tests.lab.routers import Router, RouterLab, lab_unavailable, write_inventory
from tests.tui.conftest import make_app, settle
from tests.tui.test_login_approvals import text_of, wait_for_screen
from tests.tui.test_screens import options, status_of

pytestmark = pytest.mark.anyio
SIZE = (80, 24)


@pytest.fixture
def lab_services(services: Services, tmp_path: Path) -> Iterator[Services]:
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
async def test_run_from_the_filtered_device_list(lab_services: Services, low_bandwidth: bool) -> None:
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
        assert "1 device: 1 ok" in status_of(screen) and "guard: read-only" in status_of(screen)
        assert screen.query_one("#command", Input).has_focus  # focus never moves by itself
        screen.query_one("#results").focus()  # Tab on to the results
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextModal) and "router bgp 64512" in app.screen.body
        await pilot.press("escape")
        await settle(pilot)
        screen.query_one("#targets", Input).focus()
        await pilot.press("enter")  # Enter in another field only moves on to the command
        await settle(pilot)
        assert screen.query_one("#command", Input).has_focus and "command field" in status_of(screen)
        await pilot.press("enter")  # Enter again re-checks; a command just sent waits for one more Enter
        await settle(pilot)
        assert "READ-ONLY: sent already; Enter sends it again" in status_of(screen)
        assert len(lab_services.audit.show(action="run.start")) == 1
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DevicesScreen)


async def test_every_device_gets_its_own_result_and_the_guard_refuses_before_sending(lab_services: Services) -> None:
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
        screen.query_one("#results").focus()  # Tab on to the results
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextModal) and "refused the TCP connection" in app.screen.body
        await pilot.press("escape")

        before = len(lab_services.audit.show())
        for command, label, need in (("write memory", "CHANGE", "needs a fresh hardware-key touch by the operator"),
                                     ("clear bgp *", "DANGEROUS", "needs 2 fresh hardware-key approval(s)")):
            field = screen.query_one("#command", Input)
            field.value = ""
            field.focus()
            await pilot.press(*command, "enter")  # the guard's verdict and reasons; nothing is sent or recorded
            await settle(pilot)
            verdict = str(screen.query_one("#verdict", Static).render())
            assert verdict.startswith(f"{label} - frr on r1, r2, r3: {need}"), verdict
            assert "  rules " in verdict and "  blast " in verdict
            assert status_of(screen).startswith(f"{label}: nothing sent. Enter ")
            assert results(screen) == [] and len(lab_services.audit.show()) == before
            await pilot.press("enter")  # nobody's key is here: refused, and the intent opens for approvers
            await settle(pilot)
            assert isinstance(app.screen, IntentScreen), status_of(screen)
            intent = app.screen.view
            assert intent.intent.params["text"] == command and intent.state == "pending"
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen and screen.query_one("#intent", Input).value == intent.id
            assert f"intent {intent.id} pending, 0 of {intent.need} approvals" in status_of(screen)
            screen.query_one("#intent", Input).value = ""
            before = len(lab_services.audit.show())
            assert results(screen) == []
        actions = [e["action"] for e in lab_services.audit.show(action="run.")]
        assert actions == ["run.start", "run.finish", "run.refused", "run.refused"]


@pytest.fixture
def team_at_r1(people_site: DemoSite, tmp_path: Path) -> Iterator[tuple[DemoSite, Router]]:
    """The demo's people (alice operator, bob approver with keys here; carol remote) and one real FRR router."""
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"LAB NOT RUN: {reason}")
    with RouterLab(tmp_path / "lab") as lab:
        r1 = lab.router("r1")
        write_inventory(people_site.home / "inventory.toml", [r1.device_entry(site="sjc1", role="core")])
        yield people_site, r1


async def run_screen_as_alice(pilot: Pilot[None]) -> RunScreen:
    """Log in as alice with her key (attached here) and open the run screen."""
    await settle(pilot)
    await pilot.press(*"alice", "enter")
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RunScreen) and pilot.app.services.identity.actor == "user:alice"  # type: ignore[attr-defined]
    return screen


async def test_a_dangerous_command_walks_into_approvals_and_runs_with_the_quorum(
        team_at_r1: tuple[DemoSite, Router]) -> None:
    site, r1 = team_at_r1
    services, people = site.services, site.people
    app = make_app(services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await run_screen_as_alice(pilot)
        await pilot.press(*"clear bgp *", "enter")
        await settle(pilot)
        verdict = str(screen.query_one("#verdict", Static).render())
        assert verdict.startswith("DANGEROUS - frr on r1: needs 2 fresh hardware-key approval(s) from distinct "
                                  "admin/approver users"), verdict
        assert ("  rules  dangerous (decided)\n    - line 1 `clear bgp *`: hard-resets every BGP session"
                in verdict), verdict
        assert "  decided by: rules, blast" in verdict, verdict
        assert "  blast  dangerous (decided)\n" in verdict, verdict
        assert r1.received() == [] and services.approvals.list() == []

        await pilot.press("enter")  # ask for approvals: the intent for exactly this command opens
        await settle(pilot)
        intent = app.screen
        assert isinstance(intent, IntentScreen) and intent.view.intent.action == "command.dangerous"
        assert intent.view.intent.requester == "user:alice" and intent.view.intent.params["devices"] == ["r1"]
        await pilot.press("a")  # bob's key is attached here (alice may not approve a dangerous command)
        await settle(pilot)
        assert text_of(intent, "#status") == "approved by bob: 1 of 2, now pending"
        signature = ssh_sk_keys.sign_sshsig(open_device(people.keys["carol"]), people.carol_sk,
                                            services.approvals.canonical(intent.view.id), "oob-console")
        await pilot.press("s")
        await wait_for_screen(pilot, SshsigModal)
        app.screen.query_one("#sshsig", TextArea).text = signature
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert text_of(intent, "#status") == "approved by carol: 2 of 2, now approved"
        assert r1.received() == []
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and status_of(screen).startswith(f"intent {intent.view.id} approved (2 of 2)")

        await pilot.press("enter")  # sent now, with the quorum
        await settle(pilot)
        assert [row[:2] for row in results(screen)] == [["r1", "ok"]], status_of(screen)
        assert "guard: dangerous, intent " + intent.view.id in status_of(screen)
        assert screen.query_one("#intent", Input).value == ""  # an intent is used once
    assert r1.received() == ["clear bgp *"]
    assert services.approvals.get(intent.view.id).state == "executed"
    start = services.audit.show(action="run.start")[-1]
    assert start["details"]["intent"] == intent.view.id and start["details"]["approvers"] == ["bob", "carol"]


async def test_a_change_is_sent_after_the_operators_own_touch(team_at_r1: tuple[DemoSite, Router]) -> None:
    site, r1 = team_at_r1
    app = make_app(site.services, low_bandwidth=False)
    block = "configure terminal\nip prefix-list OOB-TUI seq 5 permit 192.0.2.0/24"
    # r1's last-known-good config in the backups store: the model sees the prefix-list is used by nothing
    # (without a backup, routing policy is a protected part and this would be dangerous).
    from oob_console.adapters.backups_files import ConfigHistoryDir

    services = site.services
    ConfigHistoryDir(services.path(services.loaded.config.paths.backups)).save(
        "r1", r1.vtysh("show running-config"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await run_screen_as_alice(pilot)
        screen.query_one("#command", Input).value = block
        await pilot.press("enter")
        await settle(pilot)
        assert str(screen.query_one("#verdict", Static).render()).startswith(
            "CHANGE - frr on r1: needs a fresh hardware-key touch by the operator")
        assert r1.received() == []
        await pilot.press("enter")
        await settle(pilot)
        assert [row[:2] for row in results(screen)] == [["r1", "ok"]], status_of(screen)
        assert "guard: change, intent " in status_of(screen)
    (intent,) = [e for e in site.services.audit.show(action="intent.approve")]
    assert intent["actor"] == "user:alice"
    assert "OOB-TUI" in r1.vtysh("show running-config")


async def test_enter_pressed_again_while_a_run_is_under_way_sends_nothing_more(
        team_at_r1: tuple[DemoSite, Router]) -> None:
    site, r1 = team_at_r1
    r1.set_delay(1.0)  # the router takes a second to answer
    app = make_app(site.services, low_bandwidth=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await run_screen_as_alice(pilot)
        await pilot.press(*"show version", "enter", "enter", "enter")
        await pilot.pause(0.3)
        assert screen.busy  # the check, then the run: the other two Enters were turned away
        await settle(pilot)
        assert [row[:2] for row in results(screen)] == [["r1", "ok"]]
        assert not screen.busy
    assert r1.received() == ["show version"]
    assert len(site.services.audit.show(action="run.start")) == 1
