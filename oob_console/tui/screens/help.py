"""Help: the keys, the screens and their line-mode equivalents, and why this terminal profile."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from oob_console.tui.screens.base import ConsoleScreen

KEY_NAMES = {"question_mark": "?", "slash": "/"}

SCREEN_KEYS = """\
In lists: Up/Down move, Enter opens, / searches or filters, Esc goes back.
Dashboard: g refreshes.  Audit log: v verifies the chain, n adds a note.
Devices: / filters (words, site:X, role:X), p probes SSH, x runs a command on
them; Enter shows one, there s opens SSH and c its serial console.
Run a command: Tab moves between targets, command and intent; Enter runs
(the guard decides first; a change asks a key touch); Enter on a result
shows its output; Esc leaves the fields.
Approvals: Enter shows an intent; there a approves with a key attached here,
s takes a remote approver's pasted SSHSIG. n requests a drill to practise.
Tab and Shift+Tab move between a search field and its list."""


def help_text(rows: list[tuple[str, str, str]], profile: str) -> Text:
    """``rows``: (key, screen, shell command)."""
    out = Text()
    out.append("Screens (key, screen, the same in `oob shell`)\n", style="bold")
    for key, label, shell in rows:
        out.append(f"  {KEY_NAMES.get(key, key):<3} {label:<18} {shell}\n")
    out.append(f"  {'o':<3} {'Log out':<18} logout\n")
    out.append(f"  {'q':<3} {'Quit':<18} q\n\n")
    out.append(SCREEN_KEYS + "\n\n")
    out.append("This terminal\n", style="bold")
    out.append(f"  {profile}\n")
    out.append("  `oob tui --low-bandwidth` or `--full` overrides the choice; `--send-all`\n"
               "  sends Textual's own output should a terminal show a garbled screen.\n"
               "  On a dumb terminal or a 9600-baud line, `oob shell` offers every action\n"
               "  as numbered menus without cursor addressing.\n")
    return out


class HelpScreen(ConsoleScreen):
    TITLE = "Help"

    def compose_body(self) -> ComposeResult:
        rows = [(d.key, d.label, d.shell) for d in self.oob.destinations]
        with VerticalScroll(id="help-body"):
            yield Static(help_text(rows, self.oob.profile.describe()), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
        self.say("PgUp/PgDn scroll; the screen keys work everywhere")
        super().on_mount()
