"""The console app, built by :func:`build_app` from services and a terminal profile.

Tests build it the same way (with a site made by ``init_site``) and drive it
with Pilot; ``oob tui`` builds it from the site's config and runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from rich.color import ColorSystem
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.worker import Worker, WorkerState

from oob_console.core.auth.identity import Identity
from oob_console.errors import OobError
from oob_console.tui.actions import Actions
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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"), Binding("o", "logout", "Log out"),
        Binding("ctrl+c", "interrupt", show=False, priority=True),
    ]

    def __init__(self, services: Services, profile: Profile,
                 destinations: tuple[Destination, ...] = DESTINATIONS, *, login: bool | None = None,
                 end_on_idle: bool = False) -> None:
        """``login``: start at the login screen (default: when acting locally and anyone can log in).

        ``end_on_idle``: the idle lock ends the app instead of showing the login screen (``oob serve``).
        """
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
        self.actions = Actions()
        self.end_on_idle = end_on_idle
        self.idle_lock = services.loaded.config.auth.idle_lock.seconds
        self._last_key = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._visited: set[str] = set()
        self.destinations = tuple(d for d in destinations if d.available(services))
        for dest in self.destinations:
            self.add_mode(dest.mode, dest.screen)
            # The footer keeps to what fits 80 columns: this screen's keys, q, o and "? Help", which
            # lists every destination's key (so no label is ever cut).
            self.bind(dest.key, f"open('{dest.mode}')", description=dest.label, show=dest.mode == "help")
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
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread
                loop.add_signal_handler(sig, self.hang_up)
        self.arm_idle_lock()  # someone authenticated before the app started (oob serve)

    # -- keys that end work ask first; every ending is recorded -------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):  # every key, before a focused field takes it
            self._last_key = time.monotonic()
        await super().on_event(event)

    def arm_idle_lock(self) -> None:
        """Check for idleness once the lock could be due: a plain loop timer, armed only while someone is
        logged in (a Textual interval would wake the app, and make it repaint, on an idle 9600-baud line)."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self.idle_lock > 0 and not self.services.identity.is_local:
            due = self._last_key + self.idle_lock - time.monotonic()
            self._idle_timer = asyncio.get_running_loop().call_later(max(0.1, due), self.lock_when_idle)

    def lock_when_idle(self) -> None:
        self._idle_timer = None
        if self.services.identity.is_local:
            return
        if time.monotonic() - self._last_key < self.idle_lock:  # a key since: wait for the rest
            self.arm_idle_lock()
            return
        self._last_key = time.monotonic()
        if self.end_on_idle:
            self.run_worker(lambda: self.end_work("idle", code=0), thread=True, name="idle")
            return
        self.run_worker(lambda: self.log_out("idle"), thread=True, name="idle")

    def confirm(self, question: str, detail: str, then: Callable[[], object]) -> None:
        from oob_console.tui.screens.modals import ConfirmModal

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.push_screen(ConfirmModal(question, detail), answered)

    async def action_quit(self) -> None:
        busy = self.actions.busy
        detail = ("An action is running: quitting interrupts it (recorded as interrupted)." if busy else
                  "Nothing is running.")
        code = 130 if busy else 0
        self.confirm("Quit the console?", detail,
                     lambda: self.run_worker(lambda: self.end_work("quit", code=code), thread=True, name="quit"))

    def action_interrupt(self) -> None:
        """Ctrl-C: with an action running, end it as the CLI does (recorded as interrupted, exit 130)."""
        if self.actions.busy:
            self.notify("Interrupting the running action...", timeout=10)
            self.run_worker(lambda: self.end_work("ctrl-c", code=130), thread=True, name="quit")
        else:
            self.call_later(self.action_quit)

    def hang_up(self) -> None:
        """SIGHUP or SIGTERM: nobody is there to ask; end what runs, record it, exit 130."""
        self.run_worker(lambda: self.end_work("hangup", code=130), thread=True, name="quit")

    def end_work(self, why: str, *, code: int) -> None:
        """(A worker thread.) Interrupt running actions, record how the console ended, exit with ``code``."""
        interrupted = self.actions.interrupt(final=True)
        if not self.services.identity.is_local:
            self._record_logout(why, interrupted)
        self.call_from_thread(self.exit, return_code=130 if interrupted else code)

    def _record_logout(self, why: str, interrupted: int) -> None:
        with contextlib.suppress(OobError), self.services_lock:
            self.services.audit.record("login.logout", self.services.identity.actor, "ok",
                                       {"reason": why, "interrupted_actions": interrupted, "front_end": "tui"})

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
        self._last_key = time.monotonic()  # the idle lock counts from the login, however long the touch took
        self.arm_idle_lock()
        self.refresh_bindings()
        self.open(self.destinations[0].mode)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":  # shown only to someone logged in
            return not self.services.identity.is_local
        return True

    def action_logout(self) -> None:
        if self.services.identity.is_local:
            return
        busy = self.actions.busy
        detail = ("An action is running: logging out interrupts it (recorded as interrupted)." if busy else
                  "Back to the login screen; the next person logs in with their own key.")
        self.confirm(f"Log out {self.services.identity.actor}?", detail,
                     lambda: self.run_worker(lambda: self.log_out("logout"), thread=True, name="logout"))

    def log_out(self, why: str) -> None:
        """(A worker thread.) Interrupt what runs, record the logout, lock the console at the login screen."""
        if self.services.identity.is_local:
            return
        interrupted = self.actions.interrupt()
        self._record_logout(why, interrupted)
        self.call_from_thread(self._locked, why)

    def _locked(self, why: str) -> None:
        self.services = replace(self.services, authenticated=None)
        self.locked = True
        self.refresh_bindings()
        self.open("login")
        if why == "idle":
            self.notify("Locked after no key for a while: log in again.", timeout=30)

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
