"""Log in with a hardware key attached to this host: a name, a touch, a PIN when the key wants one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Static

from oob_console.core.auth.identity import Identity
from oob_console.errors import OobError
from oob_console.services.status import StatusItem
from oob_console.tui.key_prompt import ScreenPrompt
from oob_console.tui.screens.base import ConsoleScreen

INTRO = ("Log in with your hardware key. Plug it in, type your user name and press Enter "
         "(empty: whoever's enrolled key answers).")


class LoginScreen(ConsoleScreen):
    TITLE = "Log in"

    def compose_body(self) -> ComposeResult:
        yield Static(INTRO, id="login-intro", classes="note")
        yield Input(placeholder="user name", id="user", compact=self.low_bandwidth)
        yield Static("", id="key-state", classes="note", markup=False)
        yield Static("", classes="spacer")

    def on_mount(self) -> None:
        field = self.query_one("#user", Input)
        field.cursor_blink = not self.low_bandwidth
        field.focus()
        super().on_mount()

    def reload(self) -> None:
        self.call(lambda: self.services.status.item("login"), self.show_who_can, group="who")

    def show_who_can(self, login: StatusItem) -> None:
        self.say(login.summary, error=login.state != "ok")

    def state(self, text: str) -> None:
        self.query_one("#key-state", Static).update(text)
        self.query_one("#key-state", Static).set_class(bool(text), "-touch")

    def show_touch(self) -> None:
        self.state("TOUCH YOUR KEY NOW")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip() or None
        self.state("Asking the key...")
        self.say("")
        prompt = ScreenPrompt(self.app, self.show_touch)
        self.call(lambda: self.services.login.login(name, prompt), self.logged_in, group="login",
                  on_error=self.refused)

    def logged_in(self, identity: Identity) -> None:
        self.state("")
        self.query_one("#user", Input).value = ""
        self.oob.logged_in(identity)

    def refused(self, error: OobError) -> None:
        self.state("")
        self.say(f"error: {error.one_line()}", error=True)
        self.query_one("#user", Input).focus()
