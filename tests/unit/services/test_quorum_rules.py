"""Quorum rules are built once: the approval service and the guard gate apply the same rule to an action."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import ApprovalClass, ApprovalsConfig, parse_config, with_guard_classes
from oob_console.core.guard import Verdict
from oob_console.errors import ConfigError
from oob_console.services.guard import requirement
from tests.unit.auth_lab import make_lab

SITE = """
[approvals.default]
quorum = 3
roles = ["admin"]

[approvals.classes.bgp]
quorum = 2
roles = ["approver"]
"""


def test_the_default_class_covers_every_action_no_class_prefixes() -> None:
    approvals = parse_config(SITE, Path("c.toml")).approvals
    assert [approvals.rule(a).name for a in ("bgp.announce", "bgp", "bgpx", "drill", "default")] == \
        ["bgp", "bgp", "default", "default", "default"]
    assert approvals.rule("drill").quorum == 3 and approvals.rule("drill").roles == frozenset({"admin"})


def test_a_class_named_default_is_refused_not_read_two_ways() -> None:
    # [approvals.default] is the default; [approvals.classes.default] used to win in the guard gate
    # and lose in the approval service
    with pytest.raises(ConfigError) as info:
        parse_config('[approvals.classes.default]\nquorum = 1\n', Path("c.toml"))
    assert info.value.where == "c.toml:1 key approvals.classes.default"
    assert "[approvals.default]" in info.value.message


def test_a_class_named_default_made_in_code_still_loses_to_the_default() -> None:
    approvals = ApprovalsConfig(default=ApprovalClass(quorum=3), classes={"default": ApprovalClass(quorum=1)})
    assert approvals.rule("anything").quorum == 3


def test_the_gate_and_the_approval_service_apply_the_same_rule(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    lab = make_lab(tmp_path, monkeypatch, '\n[approvals.classes."command.dangerous"]\nquorum = 3\nroles = ["admin"]\n')
    for action in ("command.change", "command.dangerous", "bgp.announce", "drill"):
        assert lab.app.approvals.rule(action) == lab.app.approval_classes.rule(action), action
    assert lab.app.approvals.rule("command.dangerous").quorum == 3
    assert "needs 3 fresh hardware-key approval(s) from distinct admin users (class command.dangerous)" == \
        requirement(Verdict.DANGEROUS, lab.app.approval_classes) == lab.app.guard_gate.needs(Verdict.DANGEROUS)
    # the site's [approvals.default] (quorum 2 in the lab) does not replace the guard's own change class
    assert lab.app.approvals.rule("command.change").name == "command.change"
    lab.app.store.close()


def test_the_guard_classes_yield_to_a_site_class_that_covers_them() -> None:
    site = ApprovalsConfig(classes={"command": ApprovalClass(quorum=2, roles=("admin",))})
    assert set(with_guard_classes(site).classes) == {"command"}
    assert set(with_guard_classes(ApprovalsConfig()).classes) == {"command.change", "command.dangerous"}
