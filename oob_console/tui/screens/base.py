"""What every console screen shares: the title bar, the status line, service calls in workers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from oob_console.errors import OobError
from oob_console.render.text import printable

if TYPE_CHECKING:
    from oob_console.tui.app import ConsoleApp
    from oob_console.wiring import Services

T = TypeVar("T")


class ConsoleScreen(Screen[None]):
    """A full screen of the console. Subclasses set ``TITLE`` and implement ``compose_body``."""

    TITLE = ""

    class Done(Message):
        """A service call finished: ``then(value)`` runs on the UI thread, or the error is shown."""

        def __init__(self, then: Callable[[Any], None], value: Any, error: OobError | None,
                     on_error: Callable[[OobError], None] | None) -> None:
            super().__init__()
            self.then = then
            self.value = value
            self.error = error
            self.on_error = on_error

    @property
    def oob(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    @property
    def services(self) -> Services:
        return self.oob.services

    @property
    def low_bandwidth(self) -> bool:
        return self.oob.profile.low_bandwidth

    def compose(self) -> ComposeResult:
        with Horizontal(id="titlebar"):
            yield Static(self.title_text(), id="title-left", markup=False)
            yield Static(self.oob.who_text(), id="title-right", markup=False)
        yield from self.compose_body()
        yield Static("", id="status", classes="status", markup=False)
        yield Footer(compact=self.low_bandwidth, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def reload(self) -> None:
        """Fetch what the screen shows; called on mount and when the operator comes back to it."""

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        # Who is logged in may have changed while this screen was away.
        self.query_one("#title-right", Static).update(self.oob.who_text())

    def title_text(self) -> str:
        return f"oob-console | {self.services.loaded.config.site.name} | {self.TITLE}"

    def say(self, text: str, *, error: bool = False) -> None:
        """Put one line on the status line (an expected error is shown here, not in a modal)."""
        status = self.query_one("#status", Static)
        status.update(Text(printable(text)))  # outside text (errors, names) never drives the terminal
        status.set_class(error, "-error")

    def call(self, fn: Callable[[], T], then: Callable[[T], None], *, group: str = "load",
             on_error: Callable[[OobError], None] | None = None) -> None:
        """Run one service call in a worker thread; ``then`` gets its result on the UI thread.

        Expected errors (OobError) come back as values and go to ``on_error``,
        by default the status line; anything else fails the worker, and the app
        shows its error modal.
        """
        lock = self.oob.services_lock

        def body() -> None:
            with lock:
                try:
                    value, error = fn(), None
                except OobError as exc:
                    value, error = None, exc
            self.post_message(self.Done(then, value, error, on_error))

        self.run_worker(body, thread=True, exclusive=True, group=group, exit_on_error=False, name=group)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.oob.on_worker_state_changed(event)

    def on_console_screen_done(self, message: Done) -> None:
        if message.error is not None and message.on_error is not None:
            message.on_error(message.error)
        elif message.error is not None:
            self.say(f"error: {message.error.one_line()}", error=True)
        else:
            message.then(message.value)
