"""The line-mode session: read a line, run one command, print plain lines.

Contexts: the main menu, where numbers pick a menu entry, and a list (runbooks,
audit entries), where numbers pick an entry and ``n``/``p`` step through it.
Commands that are words work everywhere. Expected errors print one line
(``error: <what> (<where>) - <hint>``) and the session goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from oob_console.errors import OobError
from oob_console.views import ascii_text, audit_line, audit_matches, cut, runbook_line, status_line

if TYPE_CHECKING:
    from oob_console.bootstrap import App as Services

PROMPT = "> "
# Enough for an incident's timeline; older entries: `oob audit show`.
SHOWN_ENTRIES = 500


@dataclass
class Listing:
    """The list the operator is in: its lines, how to open an entry, where the cursor is."""

    name: str
    lines: list[str]
    open: Callable[[int], None]
    short: list[str]  # what n/p print: the entry in few bytes
    pos: int = -1
    shown: int = 0  # how many lines of the list have been printed


@dataclass
class MenuEntry:
    number: str
    words: tuple[str, ...]
    label: str
    run: Callable[[str], None]


@dataclass
class LineShell:
    """One operator's session over ``inp``/``out`` (a terminal, a serial line, a pipe)."""

    services: Services
    inp: TextIO
    out: TextIO
    width: int = 80
    height: int = 24
    ascii_only: bool = False
    listing: Listing | None = None
    menu: list[MenuEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.menu = [
            MenuEntry("1", ("dash", "d"), "dashboard", lambda _: self.dashboard()),
            MenuEntry("2", ("rb", "r"), "runbooks [words]", self.runbooks),
            MenuEntry("3", ("log", "l"), "audit log [words]", self.audit_log),
            MenuEntry("4", ("note",), "note <text>", self.note),
            MenuEntry("5", ("verify", "v"), "verify audit chain", lambda _: self.verify()),
            MenuEntry("6", ("help", "h", "?"), "help", lambda _: self.help()),
        ]

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        site = self.services.loaded.config.site.name
        self.say(f"oob-console shell | site {site} | {self.services.actor}")
        self.dashboard()
        self.show_menu()
        while True:
            self.out.write(PROMPT)
            self.out.flush()
            line = self.inp.readline()
            if not line:
                self.say("")
                return 0
            if not self.dispatch(line.strip()):
                return 0

    def dispatch(self, line: str) -> bool:
        """Run one command; False means quit."""
        word, _, rest = line.partition(" ")
        word, rest = word.lower(), rest.strip()
        if word in ("q", "quit", "exit"):
            return False
        try:
            self._dispatch(word, rest, line)
        except OobError as exc:
            self.say(f"error: {exc.one_line()}")
        return True

    def _dispatch(self, word: str, rest: str, line: str) -> None:
        if not word:
            return
        listing = self.listing
        if listing is not None:
            if word.isdigit():
                return self.open_entry(listing, int(word) - 1)
            if word in ("n", "p"):
                return self.step(listing, 1 if word == "n" else -1)
            if word in (".", "o"):
                return self.open_entry(listing, listing.pos)
            if word in ("m", "more"):
                return self.print_page(listing)
            if word == "x":
                self.listing = None
                return self.show_menu()
        for entry in self.menu:
            if word == entry.number or word in entry.words:
                return entry.run(rest)
        if line.startswith("/") and listing is not None:
            return self.filter(listing, line[1:])
        self.say(f"unknown command {word!r}; ? lists them")

    # -- output --------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Print lines, each cut to the terminal width (no wrapping, no escapes)."""
        if self.ascii_only:
            text = ascii_text(text)
        for line in text.split("\n"):
            self.out.write(cut(line.rstrip(), self.width - 1) + "\n")
        self.out.flush()

    def page(self, lines: list[str]) -> None:
        """Print long text a screenful at a time (Enter for more, q to stop)."""
        size = max(4, self.height - 2)
        for start in range(0, len(lines), size):
            self.say("\n".join(lines[start : start + size]))
            if start + size < len(lines):
                self.out.write(f"-- {start + size}/{len(lines)} lines: Enter for more, q stops --")
                self.out.flush()
                if self.inp.readline().strip().lower().startswith("q"):
                    return

    def show_menu(self) -> None:
        self.say("  ".join(f"{e.number} {e.words[0]}" for e in self.menu) + "  q quit")

    # -- commands ------------------------------------------------------------------------------

    def dashboard(self) -> None:
        self.say("\n".join(status_line(item, self.width - 1) for item in self.services.status.overview()))

    def help(self) -> None:
        self.say("Menu (number or word; words work everywhere):")
        for e in self.menu:
            self.say(f"  {e.number}  {e.words[0]:<7} {e.label}")
        self.say("  q  quit\nIn a list: <number> opens, n/p next/previous, . opens current,\n"
                 "  m more of the list, /words filters, x leaves the list.")

    def runbooks(self, words: str) -> None:
        hits = self.services.runbooks.search(words)
        where = f"matching {words!r}" if words else f"in {self.services.runbooks.location}/"
        self.start_list(f"{len(hits)} runbooks {where}", [runbook_line(h) for h in hits],
                        lambda i: self.show_runbook(hits[i].runbook.name), [h.runbook.title for h in hits])

    def show_runbook(self, name: str) -> None:
        rb = self.services.runbooks.get(name)
        self.page([f"== {rb.title} ({rb.name}.md) ==", *rb.text.splitlines()])

    def audit_log(self, words: str) -> None:
        entries = list(reversed(self.services.audit.show(limit=SHOWN_ENTRIES)))
        wanted = words.lower().split()
        shown = [e for e in entries if audit_matches(e, wanted)]
        more = f" matching {words!r}" if wanted else ""
        self.start_list(f"{len(shown)} audit entries{more}, newest first", [audit_line(e, pad=0) for e in shown],
                        lambda i: self.show_entry(shown[i]))

    def show_entry(self, entry: dict[str, Any]) -> None:
        import json

        self.page(json.dumps(entry, indent=2, sort_keys=True, ensure_ascii=False).splitlines())

    def note(self, text: str) -> None:
        if not text:
            self.out.write("note: ")
            self.out.flush()
            text = self.inp.readline().strip()
        if not text:
            self.say("no note written")
            return
        entry = self.services.audit.note(text)
        self.say(f"noted as audit #{entry['seq']}")

    def verify(self) -> None:
        try:
            report = self.services.audit.verify()
        except OobError as exc:
            self.say(f"audit chain BROKEN: {exc.one_line()}")
            return
        self.say(f"audit chain intact: {report.entries} entries, last #{report.last_seq}")

    # -- lists ---------------------------------------------------------------------------------

    def start_list(self, title: str, lines: list[str], opener: Callable[[int], None],
                   short: list[str] | None = None) -> None:
        self.listing = Listing(title, lines, opener, short or lines)
        self.say(f"{title}; <number> opens, n/p step, m more, x menu")
        self.print_page(self.listing)

    def print_page(self, listing: Listing) -> None:
        size = max(4, self.height - 4)
        chunk = listing.lines[listing.shown : listing.shown + size]
        digits = len(str(len(listing.lines)))
        self.say("\n".join(f"{listing.shown + i + 1:>{digits}} {line}" for i, line in enumerate(chunk)))
        listing.shown += len(chunk)
        if listing.shown < len(listing.lines):
            self.say(f"({len(listing.lines) - listing.shown} more: m)")

    def step(self, listing: Listing, delta: int) -> None:
        if not listing.lines:
            self.say("(empty list)")
            return
        listing.pos = max(0, min(len(listing.lines) - 1, listing.pos + delta))
        self.say(f"{listing.pos + 1} {listing.short[listing.pos]}")

    def open_entry(self, listing: Listing, index: int) -> None:
        if not 0 <= index < len(listing.lines):
            self.say(f"no entry {index + 1}; the list has {len(listing.lines)}")
            return
        listing.pos = index
        listing.open(index)

    def filter(self, listing: Listing, words: str) -> None:
        wanted = words.lower().split()
        picked = [(i, line) for i, line in enumerate(listing.lines) if all(w in line.lower() for w in wanted)]
        self.say("\n".join(f"{i + 1} {line}" for i, line in picked) or "(nothing matches)")
