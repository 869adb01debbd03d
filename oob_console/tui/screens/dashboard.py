"""The dashboard: the site at a glance, each line measured or plainly marked as not available."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from oob_console.render.status import LABEL_WIDTH, status_line
from oob_console.services.status import StatusItem
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen

STATE_STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "off": "", "wait": ""}


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

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, StatusItem] = {}

    def compose_body(self) -> ComposeResult:
        yield PickList(id="overview", marker=self.low_bandwidth)
        yield Static(f"Terminal: {self.oob.profile.describe()}", id="profile", classes="note", markup=False)

    def reload(self) -> None:
        # The quick lines first; the slow ones (network, doctor) replace "checking..." as they come.
        status = self.services.status
        self.call(lambda: status.overview(quick=True), self.show_overview)
        self.call(lambda: [status.item(key) for key in sorted(status.slow)], self.show_items, group="slow")

    def action_refresh(self) -> None:
        self.reload()

    def show_overview(self, items: list[StatusItem]) -> None:
        # A line still being checked keeps what it showed last time, rather than flicker.
        items = [self.items.get(i.key, i) if i.state == "wait" else i for i in items]
        self.items.update({i.key: i for i in items})
        overview = self.query_one("#overview", PickList)
        width = max(40, overview.text_width or 76)
        keep = overview.highlighted
        overview.clear_options()
        overview.add_options([Option(status_text(item, width), id=item.key) for item in items])
        overview.highlighted = keep if keep is not None else 0
        self.say("Enter on a line opens its screen; g refreshes.")

    def show_items(self, items: list[StatusItem]) -> None:
        self.items.update({i.key: i for i in items})
        overview = self.query_one("#overview", PickList)
        width = max(40, overview.text_width or 76)
        for item in items:
            if overview.option_count:  # the quick lines are in: update a line in place
                overview.replace_option_prompt(item.key, status_text(item, width))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        item = self.items.get(event.option.id or "")
        target = item.goto if item else ""
        if target:
            self.oob.open(target)
