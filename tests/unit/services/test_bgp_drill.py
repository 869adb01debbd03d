"""The drill exemption from the quorum is for the configured drill prefix only."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.core.drill import PlanStep
from oob_console.errors import RefusedError
from oob_console.services.drill.bgp_steps import BgpDrillPrefixStep, BgpSessionsStep
from oob_console.wiring import Services
from tests.unit.cli.test_bgp_cli import bgp_home  # noqa: F401 - fixture


def test_only_the_drill_prefix_skips_the_quorum(bgp_home: Path) -> None:  # noqa: F811 - fixture
    config = bgp_home / "config.toml"
    config.write_text(config.read_text().replace("approvals_required = 2",
                                                 'approvals_required = 2\ndrill_prefix = "203.0.113.0/24"'))
    svc = Services.from_config(str(config)).bgp
    other = svc.build_intent("announce", "198.51.100.0/24", lease=60)
    with pytest.raises(RefusedError, match="only the drill prefix"):
        svc.request(other, drill=True)
    record, _ = svc.request(svc.build_intent("announce", "203.0.113.0/24", lease=60), drill=True)
    assert record.ticket == "" and svc.approval(record).approved
    assert BgpDrillPrefixStep(lambda: svc).targets(PlanStep("bgp-drill-prefix")) == ["aws"]
    assert BgpSessionsStep(lambda: svc).targets(PlanStep("bgp-sessions")) == []  # no ExaBGP upstream here


def test_no_drill_prefix_no_drill_targets(bgp_home: Path) -> None:  # noqa: F811 - fixture
    svc = Services.from_config(str(bgp_home / "config.toml")).bgp
    assert BgpDrillPrefixStep(lambda: svc).targets(PlanStep("bgp-drill-prefix")) == []
