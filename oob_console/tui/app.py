"""The console app, built by :func:`build_app` from services and a terminal profile.

Tests build it the same way (with a site made by ``init_site``) and drive it
with Pilot; ``oob tui`` builds it from the site's config and runs it.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from rich.color import ColorSystem
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from oob_console.core.auth.identity import Identity
from oob_console.tui.driver import low_bandwidth_driver
from oob_console.tui.navigation import DESTINATIONS, Destination
from oob_console.tui.profile import Profile
from oob_console.tui.screens.base import ConsoleScreen
from oob_console.tui.screens.login import LoginScreen
from oob_console.tui.screens.modals import TextModal
from oob_console.tui.theme import LOW_BANDWIDTH

if TYPE_CHECKING:
    from oob_console.wiring import Services

HERE = Path(__file__).parent


class ConsoleApp(App[None]):
    """Keyboard-only; every screen is a mode, switched with one key (see ``tui.navigation``)."""

    TITLE = "oob-console"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit"), Binding("o", "logout", "Log out")]

    def __init__(self, services: Services, profile: Profile,
                 destinations: tuple[Destination, ...] = DESTINATIONS, *, login: bool | None = None) -> None:
        """``login``: start at the login screen (default: when acting locally and anyone can log in)."""
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
        # Who acts before anyone logs in; a front end that authenticated someone passes them in.
        self.local_identity = services.identity
        self.add_mode("login", LoginScreen)
        if login is None:
            # Nobody enrolled, or a store that cannot be read: the local account (it owns the files)
            # acts, and the dashboard's Login line says why.
            login = self.local_identity.is_local and services.status.item("login").state == "ok"
        self.locked = login

    def on_mount(self) -> None:
        self.open("login" if self.locked else self.destinations[0].mode)

    def open(self, mode: str) -> None:
        """Go to a destination; its screen keeps its state between visits and reloads its data."""
        if self.locked and mode not in ("login", "help"):
            self.bell()
            self.notify("Log in first.", timeout=4)
            return
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
        return f"{self.services.identity.actor} | {self.profile.name}"

    def logged_in(self, identity: Identity) -> None:
        """From now on services act as ``identity`` (the audit log names them)."""
        if identity != self.services.identity:
            self.services = replace(self.services, authenticated=identity)
        self.locked = False
        self.refresh_bindings()
        self.open(self.destinations[0].mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":  # shown only to someone logged in
            return not self.services.identity.is_local
        return True

    def action_logout(self) -> None:
        if self.services.identity.is_local:
            return
        self.services = replace(self.services, authenticated=None)
        self.locked = True
        self.refresh_bindings()
        self.open("login")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The TUI's one catch-all: a worker died of something that is not an OobError.

        Worker messages do not bubble: screens forward theirs here (``ConsoleScreen``).
        """
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        self.show_bug(event.worker.error)

    def show_bug(self, error: BaseException) -> None:
        """The modal for an error that is not an OobError: a bug, with its traceback for developers."""
        body = "".join(traceback.format_exception(error))
        self.push_screen(TextModal(
            "This is a bug in oob-console; the action did not complete.",
            f"{type(error).__name__}: {error}\n\nFor its developers:\n{body}",
            error=True,
        ))


def build_app(services: Services, profile: Profile, **kwargs: Any) -> ConsoleApp:
    """The console app over ``services`` (a ``wiring.Services``) for a terminal ``profile``.

    Reads the credential store once, to know whether to start at the login screen.
    """
    return ConsoleApp(services, profile, **kwargs)
