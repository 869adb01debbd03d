"""The dashboard: the site at a glance, each line measured or plainly marked as not available."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from oob_console.services.status import StatusItem
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.views import LABEL_WIDTH, status_line

STATE_STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "off": ""}


def status_text(item: StatusItem, width: int) -> Text:
    """The shared status line, its tag coloured."""
    line = status_line(item, width)
    text = Text(line)
    start = LABEL_WIDTH + 1
    text.stylize(STATE_STYLES[item.state], start, start + 6)
    return text


class DashboardScreen(ConsoleScreen):
    TITLE = "Dashboard"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("g", "refresh", "Refresh")]

    def compose_body(self) -> ComposeResult:
        yield PickList(id="overview", marker=self.low_bandwidth)
        yield Static(f"Terminal: {self.oob.profile.describe()}", id="profile", classes="note", markup=False)

    def reload(self) -> None:
        self.call(self.services.status.overview, self.show_overview)

    def action_refresh(self) -> None:
        self.reload()

    def show_overview(self, items: list[StatusItem]) -> None:
        overview = self.query_one("#overview", PickList)
        width = max(40, overview.text_width or 76)
        keep = overview.highlighted
        overview.clear_options()
        overview.add_options(
            [Option(status_text(item, width), id=item.key, disabled=False) for item in items]
        )
        overview.highlighted = keep if keep is not None else 0
        self._goto = {item.key: item.goto for item in items if item.goto}
        self.say("Enter on a line opens its screen; g refreshes.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        target = getattr(self, "_goto", {}).get(event.option.id or "")
        if target:
            self.oob.open(target)
