"""Where the console can go: one entry per screen, bound to one key.

A feature adds its screen by adding a :class:`Destination` here (BGP, command
runs and drills will); ``available`` hides a destination whose services this
build or this site does not have. The help screen and ``oob shell`` list the
same destinations, so every screen has a line-mode equivalent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from oob_console.tui.screens.approvals import ApprovalsScreen
from oob_console.tui.screens.audit import AuditScreen
from oob_console.tui.screens.bgp import BgpScreen
from oob_console.tui.screens.dashboard import DashboardScreen
from oob_console.tui.screens.devices import DevicesScreen
from oob_console.tui.screens.doctor import DoctorScreen
from oob_console.tui.screens.help import HelpScreen
from oob_console.tui.screens.runbooks import RunbooksScreen
from oob_console.tui.screens.runs import RunScreen

if TYPE_CHECKING:
    from oob_console.wiring import Services


def _always(services: Services) -> bool:
    return True


@dataclass(frozen=True)
class Destination:
    mode: str  # the Textual mode; also the dashboard's ``goto``
    key: str
    label: str
    screen: Callable[[], Screen[Any]]
    shell: str  # the `oob shell` command that does the same
    available: Callable[[Services], bool] = _always


DESTINATIONS: tuple[Destination, ...] = (
    Destination("dashboard", "d", "Dashboard", DashboardScreen, "dash"),
    Destination("devices", "v", "Devices", DevicesScreen, "dev [words]"),
    Destination("run", "x", "Run a command", RunScreen, "run TARGETS -- COMMAND"),
    Destination("approvals", "a", "Approvals", ApprovalsScreen, "ap"),
    Destination("bgp", "b", "BGP", BgpScreen, "bgp", lambda services: bool(services.loaded.config.bgp.upstreams)),
    Destination("runbooks", "r", "Runbooks", RunbooksScreen, "rb [words]"),
    Destination("doctor", "f", "Doctor (shared fate)", DoctorScreen, "doctor"),
    Destination("audit", "l", "Audit log", AuditScreen, "log"),
    Destination("help", "question_mark", "Help", HelpScreen, "help"),
)
