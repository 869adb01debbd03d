"""Runbooks: search the offline Markdown runbooks and read one."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from oob_console.core.counting import counted
from oob_console.core.runbooks import Hit, Runbook
from oob_console.render.runbooks import excerpt_line, runbook_line
from oob_console.render.text import printable
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen


def hit_prompt(hit: Hit) -> Text:
    line = Text(runbook_line(hit))
    if hit.excerpt:
        line.append(f"\n  {excerpt_line(hit)}")
    return line


class RunbooksScreen(ConsoleScreen):
    TITLE = "Runbooks"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("slash", "search", "Search")]

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="search runbooks (words, Enter)", id="search",
                    compact=self.low_bandwidth)
        yield PickList(id="runbook-list", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        self.query_one("#search", Input).cursor_blink = not self.low_bandwidth
        self.query_one("#runbook-list", OptionList).focus()
        super().on_mount()

    def reload(self) -> None:
        self.run_search(self.query_one("#search", Input).value)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def run_search(self, query: str) -> None:
        self.call(lambda: self.services.runbooks.search(query), lambda hits: self.show_hits(query, hits))

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.low_bandwidth:  # on a slow line, search only on Enter
            self.run_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.run_search(event.value)
        self.query_one("#runbook-list", OptionList).focus()

    def show_hits(self, query: str, hits: list[Hit]) -> None:
        listing = self.query_one("#runbook-list", OptionList)
        listing.clear_options()
        listing.add_options([Option(hit_prompt(h), id=h.runbook.name) for h in hits])
        if hits:
            listing.highlighted = 0
        where = self.services.runbooks.location
        if query:
            self.say(f"{counted(len(hits), 'runbook')} matching {query!r}; Enter opens, / searches again")
        else:
            self.say(f"{counted(len(hits), 'runbook')} in {where}/; Enter opens, / searches")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        self.call(lambda: self.services.runbooks.get(name), self.open_runbook, group="open")

    def open_runbook(self, runbook: Runbook) -> None:
        self.app.push_screen(RunbookScreen(runbook))


class RunbookScreen(ConsoleScreen):
    """One runbook, read-only: Markdown rendered, or as plain text on a slow line."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "app.pop_screen", "Back")]

    def __init__(self, runbook: Runbook) -> None:
        super().__init__()
        self.runbook = runbook

    def title_text(self) -> str:
        return printable(f"oob-console | Runbook: {self.runbook.title}")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="runbook-body"):
            if self.low_bandwidth:
                yield Static(Text(printable(self.runbook.text, multiline=True)), id="runbook-text")
            else:
                yield Markdown(printable(self.runbook.text, multiline=True), id="runbook-text")

    def on_mount(self) -> None:
        self.query_one("#runbook-body").focus()
        super().on_mount()
        self.say(f"{self.runbook.name}.md, {self.runbook.lines} lines; PgUp/PgDn scroll, Esc back")
