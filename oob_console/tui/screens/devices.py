"""Devices: the local inventory, filtered; one device's details; a session to it with the TUI set aside."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from oob_console.core.counting import counted
from oob_console.core.devices.inventory import Device, Inventory
from oob_console.render.devices import (
    device_line,
    device_lines,
    device_matches,
    probing_line,
    reach_text,
    session_lines,
)
from oob_console.services.devices import PROBE_TIMEOUT, Reach
from oob_console.tui.handover import hand_over, show_outcome
from oob_console.tui.pick_list import PickList
from oob_console.tui.screens.base import ConsoleScreen


class DevicesScreen(ConsoleScreen):
    TITLE = "Devices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("p", "probe", "Probe SSH"),
        Binding("x", "run", "Run command"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.inventory = Inventory()
        self.reach: dict[str, Reach] = {}

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="filter: words, site:NAME, role:NAME (Enter)", id="filter",
                    compact=self.low_bandwidth)
        yield PickList(id="devices", marker=self.low_bandwidth)

    def on_mount(self) -> None:
        self.query_one("#filter", Input).cursor_blink = not self.low_bandwidth
        self.query_one("#devices", PickList).focus()
        super().on_mount()

    def reload(self) -> None:
        self.call(self.services.devices.inventory, self.show_inventory)

    def show_inventory(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.apply_filter(self.query_one("#filter", Input).value)

    def apply_filter(self, text: str) -> None:
        words = text.lower().split()
        shown = [d for d in self.inventory.devices if device_matches(d, words)]
        listing = self.query_one("#devices", PickList)
        listing.clear_options()
        listing.add_options([Option(self.line(d), id=d.name) for d in shown])
        if shown:
            listing.highlighted = 0
        where = self.services.loaded.config.paths.inventory
        if not self.inventory.devices:
            self.say(f"no devices in {where}: write it, or 'oob inventory import ...'", error=True)
        else:
            more = f" matching {text!r}" if words else ""
            self.say(f"{len(shown)} of {counted(len(self.inventory.devices), 'device')}{more}; Enter details, "
                     "p probes SSH, "
                     "x runs a command on them")

    def line(self, dev: Device) -> Text:
        reach = self.reach.get(dev.name)
        # A host key that is not the pinned one is its own red state (the words say it without colour).
        return Text(device_line(dev, reach), style="bold red" if reach and reach.pin == "mismatch" else "")

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.apply_filter(event.value)
        self.query_one("#devices", PickList).focus()

    def action_probe(self) -> None:
        words = self.query_one("#filter", Input).value.lower().split()
        shown = tuple(d for d in self.inventory.devices if device_matches(d, words))
        if not shown:
            return
        self.say(probing_line(len(shown), PROBE_TIMEOUT))
        devices = self.services.devices
        self.call(lambda: self.oob.actions.run(lambda: devices.reachability(shown, timeout=PROBE_TIMEOUT)),
                  self.probed,
                  group="probe")

    def action_run(self) -> None:
        """A command run on the devices the filter shows (site:/role: stay words, others become names)."""
        from oob_console.tui.screens.runs import RunScreen

        words = self.query_one("#filter", Input).value.lower().split()
        if not words:
            targets = "all"
        elif all(w.startswith(("site:", "role:")) for w in words):
            targets = " ".join(words)
        else:
            targets = " ".join(d.name for d in self.inventory.devices if device_matches(d, words))
        self.app.push_screen(RunScreen(targets=targets))

    def probed(self, reach: dict[str, Reach]) -> None:
        self.reach.update(reach)
        self.apply_filter(self.query_one("#filter", Input).value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        dev = self.inventory.get(event.option.id or "")
        if dev is not None:
            self.app.push_screen(DeviceScreen(dev, self.reach.get(dev.name)))


class DeviceScreen(ConsoleScreen):
    """One device: how it is reached and pinned, its links and sessions; s/c open a session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("s", "session('ssh')", "SSH session"),
        Binding("c", "session('console')", "Console"),
    ]

    def __init__(self, device: Device, reach: Reach | None) -> None:
        super().__init__()
        self.device = device
        self.reach = reach

    def title_text(self) -> str:
        return f"oob-console | Device {self.device.name}"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="device-body"):
            yield Static(Text(self.device.name), id="device-text")

    def on_mount(self) -> None:
        self.query_one("#device-body").focus()
        self.say("s: SSH, c: console (Ctrl-C abandons while it opens, ~. ends it); Esc: back")
        super().on_mount()

    def reload(self) -> None:
        devices, dev = self.services.devices, self.device

        def details() -> list[str]:
            inventory = devices.inventory()
            console = devices.console_plan(dev, inventory).describe() if dev.console else None
            return device_lines(dev, devices.pinned(dev), console)

        self.call(details, self.show_details)

    def show_details(self, lines: list[str]) -> None:
        lines = [*lines, f"  reachability {reach_text(self.reach)} (p on the list probes)"]
        self.query_one("#device-text", Static).update(Text("\n".join(lines)))

    def action_session(self, kind: str) -> None:
        """Hand the terminal to the device until the session ends; it is recorded and audited."""
        services, name = self.services, self.device.name
        outcome = hand_over(self.app, lambda: services.session_on_terminal(kind, name))
        summary = outcome.value
        if not show_outcome(self, f"{'SSH' if kind == 'ssh' else 'console'} session to {name}", outcome) \
                or summary is None:
            return
        # One status line: a warning that the recording is incomplete goes on it too, as an error.
        self.say("; ".join(session_lines(summary)), error=bool(summary.recording_error))
