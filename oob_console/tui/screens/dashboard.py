"""The dashboard: the site at a glance, each line measured or plainly marked as not available."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from oob_console.services.status import StatusItem
from oob_console.tui.screens.base import ConsoleScreen

STATE_STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "off": ""}
LABEL_WIDTH = 18


def status_line(item: StatusItem, width: int) -> Text:
    """``Label  [TAG] summary``: the tag carries the meaning, colour only repeats it."""
    line = Text(f"{item.label:<{LABEL_WIDTH}} ")
    line.append(f"[{item.tag:^4}]", style=STATE_STYLES[item.state])
    summary = item.summary if not item.hint or item.state == "off" else f"{item.summary} - {item.hint}"
    room = max(10, width - LABEL_WIDTH - 8)
    line.append(" " + (summary if len(summary) <= room else summary[: room - 3] + "..."))
    return line


class DashboardScreen(ConsoleScreen):
    TITLE = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("g", "refresh", "Refresh")]

    def compose_body(self) -> ComposeResult:
        yield OptionList(id="overview")
        yield Static(f"Terminal: {self.oob.profile.describe()}", id="profile", classes="note")

    def on_mount(self) -> None:
        self.action_refresh()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.call(self.services.status.overview, self.show_overview)

    def show_overview(self, items: list[StatusItem]) -> None:
        overview = self.query_one("#overview", OptionList)
        width = max(40, (overview.size.width or 78) - 2)
        keep = overview.highlighted
        overview.clear_options()
        overview.add_options(
            [Option(status_line(item, width), id=item.key, disabled=False) for item in items]
        )
        overview.highlighted = keep if keep is not None else 0
        self._goto = {item.key: item.goto for item in items if item.goto}
        self.say("Enter on a line opens its screen; g refreshes.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        target = getattr(self, "_goto", {}).get(event.option.id or "")
        if target:
            self.oob.open(target)
