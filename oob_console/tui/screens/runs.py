"""Run one command on many devices: the guard's verdict first, then progress as devices answer, each result.

Enter on the command asks the command guard (``RunService.preview``: nothing is
sent, requested or recorded) and shows its verdict, what that verdict needs and
every checker's reasons. A read-only command is then sent at once. A change or a
dangerous command waits for a second Enter on the same command:

    change      Enter sends it after a touch of the operator's own key attached here
    dangerous   Enter requests approvals (an intent for exactly this command) and opens
                it, so approvers at this console approve with their keys or paste an
                SSHSIG; back here, Enter sends it with that intent once approved

Sending goes through the same service call as `oob run` (judged again and audited
before anything is sent; bounded concurrency). Editing the targets or the command
starts again with a new check. The progress line is redrawn at most five times
a second, which a 9600-baud line can carry; Enter on a result shows that
device's output.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.devices.runs import DeviceResult, parse_target_words
from oob_console.core.guard import Verdict
from oob_console.errors import OobError
from oob_console.render.devices import preview_text, result_detail, run_result_line, run_summary
from oob_console.render.guard import decision_headline
from oob_console.services.auth import IntentView
from oob_console.services.devices import RunOptions, RunPreview, RunReport
from oob_console.tui.key_prompt import ScreenPrompt
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.approvals import IntentScreen
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.tui.screens.modals import TextModal

BAR = 20
REDRAW_EVERY = 0.2  # seconds between progress redraws


@dataclass(frozen=True)
class Checked:
    """A command the guard has judged for these targets; a second Enter on the same pair sends it."""

    targets: str
    command: str
    inventory: Inventory
    devices: tuple[Device, ...]
    preview: RunPreview


class RunScreen(ConsoleScreen):
    TITLE = "Run a command"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "edit", "Command"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, targets: str = "all") -> None:
        super().__init__()
        self.targets = targets or "all"
        self.report: RunReport | None = None
        self.checked: Checked | None = None
        self.busy = False  # a check or a run is under way: Enter waits (a double Enter never sends twice)
        self.last_sent: tuple[str, str] | None = None  # (targets, command) of the last run: never re-sent by one Enter
        self._drawn = 0.0
        self._lock = threading.Lock()

    def compose_body(self) -> ComposeResult:
        compact = self.low_bandwidth
        yield Input(value=self.targets, placeholder="devices: names, all, site:NAME, role:NAME", id="targets",
                    compact=compact)
        yield Input(placeholder="command; Enter: the guard checks it", id="command", compact=compact)
        yield Input(placeholder="intent id (a dangerous command, once approved)", id="intent", compact=compact)
        with VerticalScroll(id="verdict-box"):
            yield Static("", id="verdict", markup=False)
        yield Static("", id="progress", classes="note", markup=False)
        yield PickList(id="results", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = not self.low_bandwidth
        self.query_one("#verdict-box").display = False
        self.query_one("#command", Input).focus()
        super().on_mount()

    def reload(self) -> None:
        if self.report is None and self.checked is None:
            self.say("type a command, Enter: the guard checks it; Tab: other fields; Esc: out of them")

    def action_edit(self) -> None:
        self.query_one("#command", Input).focus()

    def action_back(self) -> None:
        """Back to the devices list when it opened this screen; else out of the fields (screen keys work)."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.query_one("#results", OptionList).focus()

    def field(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "command":  # Enter in targets or intent only moves on: it never sends
            self.query_one("#command", Input).focus()
            self.say("command field: Enter there checks the command (nothing is sent before the guard's verdict)")
            return
        command, targets = self.field("command"), self.field("targets")
        if self.busy:
            self.say("still working on the last Enter; nothing more is sent until it is done")
            return
        if not command:
            self.query_one("#command", Input).focus()
            return
        checked = self.checked
        if checked is not None and (checked.targets, checked.command) == (targets, command):
            self.send(checked)
        else:
            self.check(targets, command)

    # -- 1. the guard's verdict, nothing sent ----------------------------------------------------------------

    def check(self, targets: str, command: str) -> None:
        try:
            want = parse_target_words(targets)
        except ValueError as exc:
            self.say(f"error: {exc}", error=True)
            return
        runs = self.services.runs

        def work() -> Checked:
            inventory, devices = runs.targets(list(want.names), site=want.site, role=want.role,
                                              everything=want.everything)
            return Checked(targets, command, inventory, devices, runs.preview(command, devices, inventory))

        self.checked = self.report = None
        self.query_one("#results", OptionList).clear_options()
        self.query_one("#progress", Static).update("")
        self.show_verdict("")
        self.say(f"checking {command!r} with the command guard (nothing is sent)...")
        self.busy = True
        self.call(work, self.show_checked, group="run", on_error=self.refused)

    def show_verdict(self, text: str) -> None:
        box = self.query_one("#verdict-box", VerticalScroll)
        self.query_one("#verdict", Static).update(text)
        box.display = bool(text)
        box.scroll_home(animate=False)

    def show_checked(self, checked: Checked) -> None:
        self.busy = False
        self.checked = checked
        preview = checked.preview
        self.show_verdict(preview_text(preview))
        verdict, intent = preview.verdict, self.field("intent")
        label = verdict.label.upper()
        if preview.blocked:
            self.say(f"{label}: not sent; {preview.blocked}", error=True)
        elif verdict is Verdict.READ_ONLY and self.last_sent == (checked.targets, checked.command):
            self.say(f"{label}: sent already; Enter sends it again")
        elif verdict is Verdict.READ_ONLY:
            self.send(checked)
        elif intent:
            self.say(f"{label}: nothing sent. Enter sends it with intent {intent} (checked again then)")
        elif verdict is Verdict.CHANGE:
            self.say(f"{label}: nothing sent. Enter sends it after a touch of your own key")
        else:
            self.say(f"{label}: nothing sent. Enter requests approvals for exactly this command")

    # -- 2. send it (the service judges again, clears, audits, fans out) ---------------------------------------

    def send(self, checked: Checked) -> None:
        intent = self.field("intent") or None
        runs = self.services.runs
        cfg = self.services.loaded.config.devices
        options = RunOptions(timeout=cfg.command_timeout.seconds, concurrency=cfg.concurrency)
        touch = ScreenPrompt(self.app, self.show_touch)

        def work() -> RunReport:
            self.app.call_from_thread(self.show_progress, 0, len(checked.devices))
            return self.oob.actions.run(lambda: runs.run(checked.command, checked.devices, checked.inventory,
                                                         options=options, progress=self.progress,
                                                         intent_id=intent, touch=touch))

        self.report = None
        self.last_sent = (checked.targets, checked.command)
        self.query_one("#results", OptionList).clear_options()
        if checked.preview.verdict is Verdict.READ_ONLY:
            self.say(f"read-only: sending {checked.command!r} to {len(checked.devices)} device(s)...")
        elif intent is None and checked.preview.verdict is Verdict.DANGEROUS:
            self.say("requesting approvals (nothing is sent)...")
        self.busy = True
        self.call(work, self.show_report, group="run", on_error=self.not_sent)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "run" and event.state is WorkerState.ERROR:
            self.busy = False  # a bug's modal is showing; Enter works again once it is closed

    def show_touch(self) -> None:
        self.say("TOUCH YOUR KEY NOW to allow this change (nothing has been sent yet)")

    def refused(self, error: OobError) -> None:
        self.busy = False
        self.query_one("#progress", Static).update("")
        self.say(f"error: {error.one_line()}", error=True)

    def not_sent(self, error: OobError) -> None:
        """A refusal that names an intent walks the operator into it: approvers approve there."""
        self.refused(error)
        intent_id = error.details.get("intent")
        if not isinstance(intent_id, str):
            return
        self.query_one("#intent", Input).value = intent_id
        self.call(lambda: self.services.approvals.get(intent_id), self.open_intent, group="intent")

    def open_intent(self, view: IntentView) -> None:
        self.app.push_screen(IntentScreen(view), lambda _: self.intent_closed(view.id))

    def intent_closed(self, intent_id: str) -> None:
        self.call(lambda: self.services.approvals.get(intent_id), self.show_intent_state, group="intent")

    def show_intent_state(self, view: IntentView) -> None:
        self.query_one("#command", Input).focus()
        if view.state == "approved":
            self.say(f"intent {view.id} approved ({view.have} of {view.need}): Enter sends the command with it")
        else:
            self.say(f"intent {view.id} {view.state}, {view.have} of {view.need} approvals: approvers can approve "
                     f"it later under Approvals; then Enter here sends it", error=view.state != "pending")

    # -- 3. progress and results ---------------------------------------------------------------------------

    def progress(self, result: DeviceResult, done: int, total: int) -> None:
        """Called on the worker's thread as each device finishes."""
        with self._lock:
            now = time.monotonic()
            if done < total and now - self._drawn < REDRAW_EVERY:
                return
            self._drawn = now
        self.app.call_from_thread(self.show_progress, done, total)

    def show_progress(self, done: int, total: int) -> None:
        filled = BAR * done // max(total, 1)
        self.query_one("#progress", Static).update(f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}")

    def show_report(self, report: RunReport) -> None:
        self.busy = False
        self.report, self.checked = report, None  # the next Enter checks again (an intent is used once)
        if report.approved:
            self.query_one("#intent", Input).value = ""
        # The results need the room now: keep each decision's first line (verdict, devices, need).
        self.show_verdict("\n".join(decision_headline(c.decision, "sent") for c in report.clearances))
        self.show_progress(len(report.results), len(report.results))
        results = self.query_one("#results", OptionList)
        results.clear_options()
        width = max(20, self.size.width - 4)
        results.add_options([Option(Text(run_result_line(r, width)), id=r.device) for r in report.results])
        if report.results:
            results.highlighted = 0  # focus stays where the operator typed; Tab goes to the results
        self.say(f"{run_summary(report)}; Tab on to the results", error=not report.ok)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.report is None:
            return
        result = next((r for r in self.report.results if r.device == event.option.id), None)
        if result is None:
            return
        title, body = result_detail(result)
        self.app.push_screen(TextModal(title, body, error=not result.ok))
