"""One BGP action is one intent with one ID in the approvals store; withdrawing our own route has its class."""

from __future__ import annotations

import time
from pathlib import Path

from oob_console.wiring import Services
from tests.unit.cli.test_bgp_cli import bgp_home  # noqa: F401 - fixture


def test_the_bgp_intent_is_the_approvals_intent(bgp_home: Path) -> None:  # noqa: F811 - fixture
    app = Services.from_config(str(bgp_home / "config.toml"))
    svc = app.bgp
    record, _ = svc.request(svc.build_intent("announce", "203.0.113.0/24", lease=60))
    view = app.approvals.get(record.intent.id)
    assert view.intent.action == "bgp.announce" and dict(view.intent.params) == record.intent.payload()
    assert svc.intent(view.intent.hash).intent.id == record.intent.id  # the full hash names it too
    shown, status = svc.show(record.intent.id)
    assert shown.intent.id == record.intent.id and (status.have, status.need) == (0, 2)


def test_withdrawing_our_own_live_announcement_needs_only_its_class(bgp_home: Path) -> None:  # noqa: F811
    app = Services.from_config(str(bgp_home / "config.toml"))
    svc = app.bgp
    foreign, _ = svc.request(svc.build_intent("withdraw", "203.0.113.0/24"))
    # nothing of ours is live: withdrawing it is as consequential as announcing (the bgp class)
    assert app.approvals.get(foreign.intent.id).intent.action == "bgp.withdraw-other"
    assert svc.approval(foreign).need == 2
    announce = svc.build_intent("announce", "203.0.113.0/24", lease=600)
    svc.journal.apply(announce, time.time())  # as if it had run: our route is live
    own, _ = svc.request(svc.build_intent("withdraw", "203.0.113.0/24"))
    view = app.approvals.get(own.intent.id)
    assert view.intent.action == "bgp.withdraw" and view.rule == "bgp.withdraw"
    assert svc.approval(own).need == 1


def test_a_site_can_set_the_withdraw_class(bgp_home: Path) -> None:  # noqa: F811 - fixture
    config = bgp_home / "config.toml"
    config.write_text(config.read_text().replace("approvals_required = 2",
                                                 "approvals_required = 2\nwithdraw_approvals_required = 2")
                      + '\n[approvals.classes."bgp.withdraw"]\nquorum = 2\nroles = ["approver"]\n')
    app = Services.from_config(str(config))
    svc = app.bgp
    svc.journal.apply(svc.build_intent("announce", "203.0.113.0/24", lease=600), time.time())
    own, _ = svc.request(svc.build_intent("withdraw", "203.0.113.0/24"))
    assert svc.approval(own).need == 2
