"""The Prompt port for the TUI: "touch your key" on screen, and the PIN in a masked field.

Services call ``touch()`` and ``pin()`` from the worker thread that runs the
key operation; both hand over to the UI thread and, for the PIN, wait for the
operator's answer. The PIN never leaves this object except to the key.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from oob_console.errors import AuthError
from oob_console.tui.screens.modals import PromptModal

if TYPE_CHECKING:
    from textual.app import App

# How long a PIN prompt waits for the operator.
PIN_WAIT = 300.0


class ScreenPrompt:
    def __init__(self, app: App[None], show_touch: Callable[[], None]) -> None:
        self.app = app
        self.show_touch = show_touch

    def touch(self) -> None:
        self.app.call_from_thread(self.show_touch)

    def pin(self) -> str | None:
        answers: queue.Queue[str | None] = queue.Queue(maxsize=1)
        modal = PromptModal("The key asks for its PIN:", placeholder="PIN (not shown)", password=True)
        self.app.call_from_thread(self.app.push_screen, modal, answers.put)
        deadline = time.monotonic() + PIN_WAIT
        while time.monotonic() < deadline:
            try:
                return answers.get(timeout=0.5) or None
            except queue.Empty:
                if not self.app.is_running:  # the console closed under the question
                    break
        raise AuthError("no PIN was given", hint="try again and type the PIN when asked")
