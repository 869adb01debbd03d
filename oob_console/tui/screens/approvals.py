"""Approvals: actions waiting for a quorum, their exact text, who approved, approving with a key."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea
from textual.widgets.option_list import Option

from oob_console.errors import OobError
from oob_console.render.auth import approval_line, intent_line, intent_text
from oob_console.services.auth import IntentView
from oob_console.tui.key_prompt import ScreenPrompt
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.tui.screens.modals import PromptModal


class ApprovalsScreen(ConsoleScreen):
    TITLE = "Approvals"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "reload", "Refresh"),
        Binding("n", "request_drill", "New drill"),
    ]

    def compose_body(self) -> ComposeResult:
        yield PickList(id="intents", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        self.query_one("#intents", PickList).focus()
        super().on_mount()

    def reload(self) -> None:
        self.call(self.services.approvals.list, self.show_intents)

    def action_reload(self) -> None:
        self.reload()

    def show_intents(self, views: list[IntentView]) -> None:
        listing = self.query_one("#intents", PickList)
        listing.clear_options()
        listing.add_options([Option(Text(intent_line(v)), id=v.id) for v in views])
        if views:
            listing.highlighted = 0
            self.say(f"{len(views)} waiting; Enter shows one (its exact text, approvals, approve)")
        else:
            self.say("nothing waiting for approval; n requests a drill to practise")

    def on_option_list_option_selected(self, event: PickList.OptionSelected) -> None:
        intent_id = event.option.id or ""
        self.call(lambda: self.services.approvals.get(intent_id), self.open_intent, group="open")

    def open_intent(self, view: IntentView) -> None:
        self.app.push_screen(IntentScreen(view), lambda _: self.reload())

    def action_request_drill(self) -> None:
        self.app.push_screen(PromptModal("Request a drill intent (approving it does nothing). Note:",
                                         placeholder="Q3 break-glass drill"), self.request_drill)

    def request_drill(self, note: str | None) -> None:
        if note is None:
            return
        services = self.services
        self.call(lambda: services.approvals.request_drill(services.identity, note.strip()), self.requested,
                  group="request")

    def requested(self, view: IntentView) -> None:
        self.open_intent(view)


class IntentScreen(ConsoleScreen):
    """One intent: what exactly would run, its hash, who approved; approve it here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("a", "approve_local", "Approve with a key here"),
        Binding("s", "approve_sshsig", "Paste an SSHSIG"),
    ]

    def __init__(self, view: IntentView) -> None:
        super().__init__()
        self.view = view

    def title_text(self) -> str:
        return f"oob-console | Intent {self.view.id} ({self.view.intent.action})"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="intent-body"):
            yield Static(Text(self.body()), id="intent-text")
        yield Static("", id="key-state", classes="note", markup=False)

    def body(self) -> str:
        namespace = self.services.loaded.config.auth.sshsig_namespace
        return intent_text(self.view, namespace)

    def on_mount(self) -> None:
        self.query_one("#intent-body").focus()
        self.say("a: approve with a key attached here; s: paste a remote approver's SSHSIG; Esc: back")

    def action_back(self) -> None:
        self.dismiss(None)

    def show(self, view: IntentView) -> None:
        self.view = view
        self.query_one("#intent-text", Static).update(Text(self.body()))
        self.query_one("#key-state", Static).update("")
        self.say(approval_line(view))

    def show_touch(self) -> None:
        state = self.query_one("#key-state", Static)
        state.update("TOUCH YOUR KEY NOW")
        state.set_class(True, "-touch")

    def refused(self, error: OobError) -> None:
        self.query_one("#key-state", Static).update("")
        self.say(f"error: {error.one_line()}", error=True)

    def action_approve_local(self) -> None:
        self.query_one("#key-state", Static).update("Asking the keys attached here...")
        prompt = ScreenPrompt(self.app, self.show_touch)
        intent_id = self.view.id
        self.call(lambda: self.services.approvals.approve_local(intent_id, prompt), self.show, group="approve",
                  on_error=self.refused)

    def action_approve_sshsig(self) -> None:
        self.app.push_screen(SshsigModal(), self.submit_sshsig)

    def submit_sshsig(self, text: str | None) -> None:
        if not text:
            return
        intent_id = self.view.id
        self.call(lambda: self.services.approvals.approve_sshsig(intent_id, text.encode()), self.show,
                  group="approve", on_error=self.refused)


class SshsigModal(ModalScreen[str | None]):
    """Paste the armored signature (-----BEGIN SSH SIGNATURE----- ...); Ctrl+D submits, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+d", "submit", "Submit", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Paste the approver's SSHSIG (from ssh-keygen -Y sign):", classes="dialog-title")
            yield TextArea(id="sshsig", soft_wrap=False, show_line_numbers=False)
            yield Static("Ctrl+D submits, Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one("#sshsig", TextArea)
        area.cursor_blink = not self.app.profile.low_bandwidth  # type: ignore[attr-defined]
        area.focus()

    def action_submit(self) -> None:
        self.dismiss(self.query_one("#sshsig", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
