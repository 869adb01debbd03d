"""The audit log: its chain status, the entries newest first, an operator note."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from oob_console.core.audit.chain import VerifyReport
from oob_console.core.counting import counted
from oob_console.errors import OobError
from oob_console.render.audit import SHOWN_ENTRIES, audit_line, audit_matches, chain_line, entry_text, noted_line
from oob_console.render.text import printable
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.tui.screens.modals import PromptModal, TextModal


class AuditScreen(ConsoleScreen):
    TITLE = "Audit log"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify"),
        Binding("n", "note", "Note"),
        Binding("slash", "filter", "Filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[dict[str, Any]] = []
        self.flash = ""  # shown once on the status line after the next reload

    def compose_body(self) -> ComposeResult:
        yield Static("chain: checking...", id="chain", markup=False)
        yield Input(placeholder="filter (words in actor, action, text; Enter)", id="filter",
                    compact=self.low_bandwidth)
        yield PickList(id="entries", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        self.query_one("#filter", Input).cursor_blink = not self.low_bandwidth
        self.query_one("#entries", OptionList).focus()
        super().on_mount()

    def reload(self) -> None:
        audit = self.services.audit
        self.call(audit.verify, self.show_chain, group="verify", on_error=self.show_broken)
        self.call(lambda: audit.show(limit=SHOWN_ENTRIES), self.show_entries)

    def action_verify(self) -> None:
        self.query_one("#chain", Static).update("chain: checking...")
        self.call(self.services.audit.verify, self.show_chain, group="verify", on_error=self.show_broken)

    def show_chain(self, report: VerifyReport) -> None:
        chain = self.query_one("#chain", Static)
        chain.update(chain_line(report))
        chain.set_class(False, "-error")

    def show_broken(self, error: OobError) -> None:
        chain = self.query_one("#chain", Static)
        chain.update(Text(printable(f"chain: BROKEN - {error.one_line()}")))
        chain.set_class(True, "-error")

    def show_entries(self, entries: list[dict[str, Any]]) -> None:
        self.entries = list(reversed(entries))
        self.apply_filter(self.query_one("#filter", Input).value)

    def apply_filter(self, text: str) -> None:
        words = text.lower().split()
        shown = [e for e in self.entries if audit_matches(e, words)]
        listing = self.query_one("#entries", OptionList)
        listing.clear_options()
        listing.add_options([Option(Text(audit_line(e)), id=str(e.get("seq"))) for e in shown])
        if shown:
            listing.highlighted = 0
        more = f" matching {text!r}" if words else ""
        flash, self.flash = self.flash, ""
        self.say(flash or f"{counted(len(shown), 'entry')}{more}, newest first; Enter details, n note, "
                          "v verify, / filter")

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.apply_filter(event.value)
        self.query_one("#entries", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        entry = next((e for e in self.entries if str(e.get("seq")) == event.option.id), None)
        if entry is not None:
            self.app.push_screen(TextModal(f"audit entry #{entry.get('seq')}", entry_text(entry)))

    def action_note(self) -> None:
        self.app.push_screen(PromptModal("Add a note to the audit log (incident timeline):",
                                         placeholder="15:52 starting backbone recovery"), self.add_note)

    def add_note(self, text: str | None) -> None:
        if text and text.strip():
            self.call(lambda: self.services.audit.note(text.strip()), self.noted, group="note")

    def noted(self, entry: dict[str, Any]) -> None:
        self.flash = noted_line(entry)
        self.reload()
