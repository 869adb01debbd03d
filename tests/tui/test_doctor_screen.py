"""The doctor screen: the dependency graph as a tree, a production crossing opened with its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Static, Tree

from oob_console.tui.screens.dashboard import DashboardScreen
from oob_console.tui.screens.doctor import DoctorScreen
from oob_console.wiring import Services
from tests.tui.conftest import make_app, settle

pytestmark = pytest.mark.anyio
SIZE = (80, 24)

# An endpoint inside a declared production prefix: critical on any host, whatever its routes.
PRODUCTION = """
[production]
prefixes = ["192.0.2.77/32"]

[[doctor.endpoints]]
name = "looking-glass"
host = "192.0.2.77"
port = 443
"""


def labels(node: object) -> list[str]:
    return [str(child.label) for child in node.children]  # type: ignore[attr-defined]


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_doctor_tree_opens_what_crosses_production(services: Services, low_bandwidth: bool) -> None:
    cfg = Path("site/config.toml")
    cfg.write_text(cfg.read_text() + PRODUCTION)
    services = Services.from_config(str(cfg), actor="user:alice")
    app = make_app(services, low_bandwidth=low_bandwidth)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        overview = app.screen.query_one("#overview", OptionList)
        lines = [str(overview.get_option_at_index(i).prompt) for i in range(overview.option_count)]
        index = next(i for i, line in enumerate(lines) if line.startswith("Doctor"))
        assert "[FAIL]" in lines[index]
        overview.highlighted = index
        await pilot.press("enter")  # the dashboard's doctor line opens the tree
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        tree = screen.query_one("#graph", Tree)
        groups = labels(tree.root)
        assert "endpoints (critical)" in groups and any(g.startswith("filesystems") for g in groups)
        branch = tree.root.children[groups.index("endpoints (critical)")]
        assert branch.is_expanded
        (crit,) = branch.children
        assert str(crit.label) == "[CRIT] looking-glass (192.0.2.77:443)" and crit.is_expanded
        leaves = labels(crit)
        assert any("the destination 192.0.2.77 is in production prefix 192.0.2.77/32" in leaf for leaf in leaves)
        assert any(leaf.startswith("fix: route 192.0.2.77 over the OOB uplink") for leaf in leaves)
        status = str(screen.query_one("#status", Static).render())
        assert "a critical dependency crosses production" in status
        await pilot.press("g")  # re-check
        await settle(pilot)
        assert "endpoints (critical)" in labels(screen.query_one("#graph", Tree).root)
