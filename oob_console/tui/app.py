"""The console app, built by :func:`build_app` from services and a terminal profile.

Tests build it the same way (with a site made by ``init_site``) and drive it
with Pilot; ``oob tui`` builds it from the site's config and runs it.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from rich.color import ColorSystem
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from oob_console.tui.driver import low_bandwidth_driver
from oob_console.tui.navigation import DESTINATIONS, Destination
from oob_console.tui.profile import Profile
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.tui.screens.modals import TextModal
from oob_console.tui.theme import LOW_BANDWIDTH

if TYPE_CHECKING:
    from oob_console.bootstrap import App as Services

HERE = Path(__file__).parent


class ConsoleApp(App[None]):
    """Keyboard-only; every screen is a mode, switched with one key (see ``tui.navigation``)."""

    TITLE = "oob-console"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, services: Services, profile: Profile,
                 destinations: tuple[Destination, ...] = DESTINATIONS) -> None:
        css: list[str | PurePath] = [HERE / "console.tcss"]
        if profile.low_bandwidth:
            css.append(HERE / "low_bandwidth.tcss")
            driver = (low_bandwidth_driver(colors=profile.colors != "none", ascii_only=profile.ascii_only)
                      if profile.send_changes_only else None)
            super().__init__(driver_class=driver, css_path=css, ansi_color=True)
            self.console._color_system = ColorSystem.STANDARD
            self.animation_level = "none"
            self.register_theme(LOW_BANDWIDTH)
            self.theme = LOW_BANDWIDTH.name
        else:
            super().__init__(css_path=css)
        self.services = services
        self.profile = profile
        # Services are not thread-safe (one audit file handle); workers take turns.
        self.services_lock = threading.Lock()
        self._visited: set[str] = set()
        self.destinations = tuple(d for d in destinations if d.available(services))
        for dest in self.destinations:
            self.add_mode(dest.mode, dest.screen)
            self.bind(dest.key, f"open('{dest.mode}')", description=dest.label)

    def on_mount(self) -> None:
        self.open(self.destinations[0].mode)

    def open(self, mode: str) -> None:
        """Go to a destination; its screen keeps its state between visits and reloads its data."""
        if mode == self.current_mode:
            return
        self.switch_mode(mode)
        if mode in self._visited:
            screen = self.screen
            if isinstance(screen, ConsoleScreen):
                screen.reload()
        self._visited.add(mode)

    def action_open(self, mode: str) -> None:
        self.open(mode)

    def who_text(self) -> str:
        return f"{self.services.actor} | {self.profile.name}"

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The TUI's one catch-all: a worker died of something that is not an OobError.

        Worker messages do not bubble: screens forward theirs here (``ConsoleScreen``).
        """
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        body = "".join(traceback.format_exception(error))
        self.push_screen(TextModal(
            "This is a bug in oob-console; the action did not complete.",
            f"{type(error).__name__}: {error}\n\nFor its developers:\n{body}",
            error=True,
        ))


def build_app(services: Services, profile: Profile, **kwargs: Any) -> ConsoleApp:
    """The console app over ``services`` (a ``bootstrap.App``) for a terminal ``profile``."""
    return ConsoleApp(services, profile, **kwargs)
