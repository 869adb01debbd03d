"""Emergency BGP: sessions, our prefixes and their stages, and the announce/withdraw wizard.

The wizard walks the same path as ``oob bgp announce|withdraw``: plan (every
preflight check shown), request (one intent, one ID in the approvals store), wait for
the quorum (approvers use the Approvals screen or ``oob approve ID``), then
the staged progress: taken, sent, accepted by upstream, each with its time and what proved it.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from oob_console.core.bgp.desired import RouteRow
from oob_console.core.bgp.intent import Action, BgpIntent
from oob_console.core.bgp.preflight import PreflightReport
from oob_console.core.bgp.stages import Stage
from oob_console.core.timefmt import parse_duration
from oob_console.errors import OobError, UsageError
from oob_console.render.bgp import (
    execution_lines,
    intent_line,
    plan_lines,
    progress_line,
    requested_lines,
    route_lines,
    session_lines,
)
from oob_console.services.bgp import ApprovalStatus, BgpStatus, Execution, IntentRecord
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen


class BgpScreen(ConsoleScreen):
    TITLE = "BGP"
    DEFAULT_CSS = """
    BgpScreen #bgp-sessions { max-height: 6; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "reload", "Refresh"),
        Binding("n", "announce", "Announce"),
        Binding("w", "withdraw", "Withdraw"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="bgp-sessions", classes="note", markup=False)
        yield PickList(id="bgp-list", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        self.query_one("#bgp-list", PickList).focus()
        super().on_mount()

    def reload(self) -> None:
        self.call(self.services.bgp.status, self.show)

    def action_reload(self) -> None:
        self.reload()

    def show(self, status: BgpStatus) -> None:
        sessions = session_lines(status) or ["no upstreams configured"]
        self.query_one("#bgp-sessions", Static).update(Text("\n".join(sessions)))
        listing = self.query_one("#bgp-list", PickList)
        listing.clear_options()
        listing.add_options([Option(Text(line), id=f"route {r.row.upstream} {r.row.prefix}")
                             for r, line in zip(status.routes, route_lines(status), strict=True)])
        listing.add_options([Option(Text(intent_line(i)), id=f"intent {i.record.intent.id}")
                             for i in status.intents])
        if listing.option_count:
            listing.highlighted = 0
        live = sum(1 for r in status.routes if r.live)
        self.say(f"{live} announced, {len(status.intents)} open intent(s); n announce, w withdraw the "
                 "highlighted prefix, Enter opens")

    def _highlighted(self) -> list[str]:
        listing = self.query_one("#bgp-list", PickList)
        if listing.highlighted is None:
            return []
        return (listing.get_option_at_index(listing.highlighted).id or "").split()

    def action_announce(self) -> None:
        self.app.push_screen(BgpWizard("announce"), lambda _: self.reload())

    def action_withdraw(self) -> None:
        picked = self._highlighted()
        prefix, upstream = (picked[2], picked[1]) if picked[:1] == ["route"] else ("", "")
        self.app.push_screen(BgpWizard("withdraw", prefix, upstream), lambda _: self.reload())

    def on_option_list_option_selected(self, event: PickList.OptionSelected) -> None:
        picked = (event.option.id or "").split()
        if picked[:1] == ["intent"]:
            self.app.push_screen(BgpWizard("announce", intent_id=picked[1]), lambda _: self.reload())
        elif picked[:1] == ["route"]:
            self.action_withdraw()


class BgpWizard(ConsoleScreen):
    """Plan -> approvals -> staged progress, for one announce or withdraw."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+r", "request", "Request", priority=True),
    ]

    DEFAULT_CSS = """
    BgpWizard .fields { height: auto; }
    BgpWizard .fields Input { width: 1fr; }
    BgpWizard #bgp-report { height: 1fr; padding: 0 1; }
    """

    def __init__(self, action: Action, prefix: str = "", upstream: str = "", *, intent_id: str = "") -> None:
        super().__init__()
        self.action = action
        self.initial = (prefix, upstream)
        self.intent_id = intent_id  # an intent that exists already: straight to its approvals
        self.intent: BgpIntent | None = None
        self.record: IntentRecord | None = None
        self.poller: Timer | None = None
        self.running = False
        self.started = 0.0
        self.lines: list[str] = []

    def title_text(self) -> str:
        return f"oob-console | BGP {self.action}"

    def compose_body(self) -> ComposeResult:
        compact = self.low_bandwidth
        with Horizontal(classes="fields"):
            yield Input(self.initial[0], placeholder="prefix 203.0.113.0/24", id="prefix", compact=compact)
            yield Input(self.initial[1], placeholder="upstreams (all)", id="upstreams", compact=compact)
            if self.action == "announce":
                yield Input(placeholder="lease (default)", id="lease", compact=compact)
                yield Input(placeholder="communities", id="communities", compact=compact)
        with VerticalScroll(id="bgp-report"):
            yield Static("", id="report", markup=False)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = not self.low_bandwidth
        if self.intent_id:
            self.query_one(".fields").display = False
            intent_id = self.intent_id
            self.call(lambda: self.services.bgp.intent(intent_id), self.requested, group="open")
            return
        self.query_one("#prefix", Input).focus()
        self.say(f"{self.action}: fill in, Enter plans (changes nothing), Ctrl+R requests; Esc back")

    def set_report(self, lines: list[str]) -> None:
        self.lines = lines
        self.query_one("#report", Static).update(Text("\n".join(lines)))

    def _build(self) -> BgpIntent:
        def value(name: str) -> str:
            found = self.query(f"#{name}")
            return found.first(Input).value.strip() if found else ""

        lease = None
        if value("lease"):
            try:
                lease = parse_duration(value("lease")).total_seconds()
            except ValueError as exc:
                raise UsageError(str(exc), where="lease") from None
        return self.services.bgp.build_intent(
            self.action, value("prefix"), upstreams=value("upstreams").replace(",", " ").split(), lease=lease,
            communities=value("communities").replace(",", " ").split())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.record is not None:
            return
        self.call(lambda: self._plan(), self.planned, group="plan")

    def _plan(self) -> tuple[BgpIntent, PreflightReport]:
        intent = self._build()
        return intent, self.services.bgp.plan(intent)

    def planned(self, result: tuple[BgpIntent, PreflightReport]) -> None:
        self.intent, report = result
        self.set_report(plan_lines(self.intent, report))
        self.say("Ctrl+R requests it (approvals next)" if report.ok else "refused: fix it and press Enter again",
                 error=not report.ok)

    def action_request(self) -> None:
        if self.record is not None or self.intent is None:
            self.say("plan it first (Enter)", error=self.intent is None)
            return
        intent = self.intent
        self.call(lambda: self.services.bgp.request(intent)[0], self.requested, group="request")

    def requested(self, record: IntentRecord) -> None:
        self.record = record
        self.query_one(".fields").display = False
        self.set_report(requested_lines(record.intent))
        self.poll()
        self.poller = self.set_interval(1.0, self.poll)

    def poll(self) -> None:
        if self.record is None or self.running:
            return
        record = self.record
        self.call(lambda: self.services.bgp.approval(record), self.approvals, group="poll")

    def approvals(self, status: ApprovalStatus) -> None:
        if self.record is None or self.running:
            return
        record = self.record
        if status.quorum_met:  # approved, or the supervisor already took it to run: follow it
            self.running = True
            if self.poller is not None:
                self.poller.stop()
            self.started = time.monotonic()
            self.say("running: taken by our speaker -> sent on our session -> accepted by upstream")
            self.call(lambda: self.services.bgp.run_or_follow(record.intent.id, on_stage=self.stage_seen),
                      self.finished, group="run", on_error=self.failed)
            return
        how = (f"approvers: Approvals screen (intent {record.intent.id}), or 'oob approve {record.intent.id}'"
               if status.ticket else "")
        self.set_report([*self.lines[:2], f"approvals {status.state}: {status.have} of {status.need}", how])
        self.say(f"waiting for approvals ({status.have}/{status.need}); Esc leaves it waiting")

    def stage_seen(self, row: RouteRow, stage: Stage) -> None:  # called on the worker thread
        line = progress_line(row, stage, time.monotonic() - self.started)
        self.app.call_from_thread(self.set_report, [*self.lines, line])

    def finished(self, execution: Execution) -> None:
        self.set_report(execution_lines(execution))
        intent = execution.record.intent.id
        if execution.ok:
            self.say(f"{intent} DONE: every stage done, accepted on the upstream's own evidence")
        elif execution.outcome == "UNCONFIRMED":
            self.say(f"{intent} UNCONFIRMED: sent, but nothing on the upstream's side can tell whether it was "
                     "accepted; check by other means", error=True)
        elif execution.outcome == "NOT ACCEPTED":
            self.say(f"{intent} NOT ACCEPTED (see above)", error=True)
        else:
            self.say("not every stage completed in time (see above); 'oob bgp status' keeps watching", error=True)

    def failed(self, error: OobError) -> None:
        self.running = False
        self.say(f"error: {error.one_line()}", error=True)

    def action_back(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        self.dismiss(None)
