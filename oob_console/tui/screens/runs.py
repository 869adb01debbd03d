"""Run one command on many devices: targets, the command, progress as devices answer, each result.

The same service call as `oob run` (the command guard decides first; every run
is audited; bounded concurrency). A change asks for a touch of the operator's
key attached here; a dangerous command needs an approved intent (its id in the
third field). The progress line is redrawn at most five times a second, which a
9600-baud line can carry; Enter on a result shows that device's output.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from oob_console.core.runs import DeviceResult, parse_target_words
from oob_console.errors import OobError
from oob_console.services.runs import RunOptions, RunReport
from oob_console.tui.key_prompt import ScreenPrompt
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.tui.screens.modals import TextModal
from oob_console.views import run_result_line, run_summary

BAR = 20
REDRAW_EVERY = 0.2  # seconds between progress redraws


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
        self._drawn = 0.0
        self._lock = threading.Lock()

    def compose_body(self) -> ComposeResult:
        compact = self.low_bandwidth
        yield Input(value=self.targets, placeholder="devices: names, all, site:NAME, role:NAME", id="targets",
                    compact=compact)
        yield Input(placeholder="command; Enter runs it", id="command", compact=compact)
        yield Input(placeholder="intent id (only for a dangerous command, once approved)", id="intent",
                    compact=compact)
        yield Static("", id="progress", classes="note", markup=False)
        yield PickList(id="results", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = not self.low_bandwidth
        self.query_one("#command", Input).focus()
        super().on_mount()

    def reload(self) -> None:
        if self.report is None:
            self.say("type a command, Enter runs it; Tab: other fields; Esc: out of them")

    def action_edit(self) -> None:
        self.query_one("#command", Input).focus()

    def action_back(self) -> None:
        """Back to the devices list when it opened this screen; else out of the fields (screen keys work)."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        else:
            self.query_one("#results", OptionList).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "command":
            self.query_one("#command", Input).focus()
            return
        command = event.value.strip()
        if not command:
            return
        try:
            want = parse_target_words(self.query_one("#targets", Input).value)
        except ValueError as exc:
            self.say(f"error: {exc}", error=True)
            return
        intent = self.query_one("#intent", Input).value.strip() or None
        runs = self.services.runs
        cfg = self.services.loaded.config.devices
        options = RunOptions(timeout=cfg.command_timeout, concurrency=cfg.concurrency)
        touch = ScreenPrompt(self.app, self.show_touch)

        def work() -> RunReport:
            inventory, devices = runs.targets(list(want.names), site=want.site, role=want.role,
                                              everything=want.everything)
            self.app.call_from_thread(self.show_progress, 0, len(devices))
            return asyncio.run(runs.run(command, devices, inventory, options=options, progress=self.progress,
                                        intent_id=intent, touch=touch))

        self.report = None
        self.query_one("#results", OptionList).clear_options()
        self.say(f"checking {command!r} with the command guard...")
        self.call(work, self.show_report, group="run", on_error=self.refused)

    def show_touch(self) -> None:
        self.say("TOUCH YOUR KEY NOW to allow this change (nothing has been sent yet)")

    def refused(self, error: OobError) -> None:
        self.query_one("#progress", Static).update("")
        self.say(f"error: {error.one_line()}", error=True)

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
        self.report = report
        self.show_progress(len(report.results), len(report.results))
        results = self.query_one("#results", OptionList)
        results.clear_options()
        width = max(20, self.size.width - 4)
        results.add_options([Option(Text(run_result_line(r, width)), id=r.device) for r in report.results])
        if report.results:
            results.highlighted = 0
            results.focus()
        self.say(run_summary(report), error=not report.ok)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.report is None:
            return
        result = next((r for r in self.report.results if r.device == event.option.id), None)
        if result is None:
            return
        body = "\n".join(p for p in (result.error or "", result.output.rstrip()) if p) or "(no output)"
        exit_part = f", exit {result.exit_status}" if result.exit_status is not None else ""
        self.app.push_screen(TextModal(f"{result.device}: {result.status}{exit_part}", body, error=not result.ok))
