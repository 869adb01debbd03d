"""The one way the console hands its terminal to a device session, and always takes it back.

Textual's ``App.suspend()`` resumes the app only when its block ends normally:
a block that raises leaves the terminal blank and the app deaf. So nothing may
leave the block here. :func:`hand_over` runs the session inside it, catches
every failure inside it, and returns the outcome; the caller's screen is then
usable again and shows why it ended (:func:`show_outcome`: the error and its
fix in a modal, e.g. ``oob inventory pin-hostkey DEV --replace --expect FPR``).

How long a session may take to open, and the key that abandons it (Ctrl-C while
it opens, ``~.`` once it runs), is the session service's rule
(``services.devices.sessions``), the same for ``oob ssh`` and ``oob console``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.app import SuspendNotSupported

from oob_console.errors import OobError, UsageError

if TYPE_CHECKING:
    from textual.app import App

    from oob_console.tui.screens.base import ConsoleScreen

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """How a handed-over session ended: its value, an expected error, or a bug."""

    value: T | None = None
    error: OobError | None = None
    bug: BaseException | None = None


class Interrupted(OobError):
    """Ctrl-C reached the console while a session had the terminal."""

    exit_code = 130


def hand_over(app: App[object], work: Callable[[], T]) -> Outcome[T]:
    """Suspend the app, run ``work`` (a session on this terminal), resume the app, whatever happened."""
    outcome: Outcome[T] = Outcome()
    try:
        with app.suspend():
            try:
                outcome.value = work()
            except OobError as exc:
                outcome.error = exc
            except KeyboardInterrupt:
                outcome.error = Interrupted("the session was interrupted (Ctrl-C)")
            except BaseException as exc:  # noqa: BLE001 - nothing may leave the block: the app would not resume
                outcome.bug = exc
    except SuspendNotSupported:
        outcome.error = UsageError("this terminal cannot be handed over to a session",
                                   hint="use 'oob ssh DEVICE' or 'oob console DEVICE' in a shell")
    return outcome


def show_outcome(screen: ConsoleScreen, what: str, outcome: Outcome[T]) -> bool:
    """Put a failed session's reason on ``screen`` (status line and a modal); True when it succeeded."""
    from oob_console.tui.screens.modals import TextModal

    if outcome.bug is not None:
        screen.oob.show_bug(outcome.bug)
        return False
    if outcome.error is None:
        return True
    error = outcome.error
    screen.say(f"{what} failed: {error.message} (details shown; Esc closes)", error=True)
    lines = [error.message]
    if error.where:
        lines.append(f"where: {error.where}")
    if error.hint:
        lines.append(f"what to do: {error.hint}")
    screen.app.push_screen(TextModal(f"{what} failed", "\n\n".join(lines), error=True))
    return False
