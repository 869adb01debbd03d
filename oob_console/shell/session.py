"""The line-mode session: read a line, run one command, print plain lines.

Contexts: the main menu, where numbers pick a menu entry, and a list (runbooks,
audit entries), where numbers pick an entry and ``n``/``p`` step through it.
Commands that are words work everywhere. Expected errors print one line
(``error: <what> (<where>) - <hint>``) and the session goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TextIO

from oob_console.core.counting import counted
from oob_console.core.devices.runs import parse_target_words
from oob_console.core.guard import Verdict
from oob_console.errors import AuthError, OobError, RefusedError, UsageError
from oob_console.render.audit import SHOWN_ENTRIES, audit_line, audit_matches, entry_text, noted_line, verify_line
from oob_console.render.auth import (
    drill_requested_line,
    intent_approved_line,
    intent_line,
    intent_text,
    logged_in_line,
)
from oob_console.render.devices import (
    device_line,
    device_lines,
    device_matches,
    preview_text,
    probing_line,
    run_result_line,
    run_summary,
    session_lines,
)
from oob_console.render.runbooks import runbook_heading, runbook_line
from oob_console.render.status import status_line
from oob_console.render.text import ascii_text, cut, printable, wrapped
from oob_console.services.devices import PROBE_TIMEOUT, RunOptions

if TYPE_CHECKING:
    from oob_console.core.devices.inventory import Device
    from oob_console.services.auth import IntentView
    from oob_console.wiring import Services

PROMPT = "> "


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
    words: dict[str, Callable[[str], None]] = field(default_factory=dict)
    intents: list[IntentView] = field(default_factory=list)  # the approvals list last shown
    shown_devices: list[Device] = field(default_factory=list)  # the devices list last shown

    def __post_init__(self) -> None:
        self.menu = [
            MenuEntry("1", ("dash", "d"), "dashboard", lambda _: self.dashboard()),
            MenuEntry("2", ("dev",), "devices [words, site:X, role:X]", self.devices),
            MenuEntry("3", ("ap", "a"), "approvals waiting", lambda _: self.approvals()),
            MenuEntry("4", ("rb", "r"), "runbooks [words]", self.runbooks),
            MenuEntry("5", ("log", "l"), "audit log [words]", self.audit_log),
            MenuEntry("6", ("note",), "note <text>", self.note),
            MenuEntry("7", ("verify", "v"), "verify audit chain", lambda _: self.verify()),
            MenuEntry("8", ("drill",), "request a drill [note]", self.request_drill),
            MenuEntry("9", ("help", "h", "?"), "help", lambda _: self.help()),
        ]
        self.words = {
            "approve": self.approve, "sshsig": self.approve_sshsig, "login": self.login,
            "logout": lambda _: self.logout(), "probe": self.probe,
            "ssh": lambda ref: self.session("ssh", ref), "console": lambda ref: self.session("console", ref),
            "bgp": lambda _: self.bgp(),
            "doctor": lambda _: self.doctor(),
            "run": self.run_command,
        }

    # -- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        site = self.services.loaded.config.site.name
        self.say(f"oob-console shell | site {site}")
        self.log_in_first()
        self.dashboard()
        self.show_menu()
        while True:
            self.out.write(PROMPT)
            self.out.flush()
            try:
                line = self.inp.readline()
            except KeyboardInterrupt:  # Ctrl-C at the prompt drops the line, as a shell does
                self.say("^C (q quits)")
                continue
            if not line:
                self.say("")
                return 0
            try:
                if not self.dispatch(line.strip()):
                    return 0
            except EndOfInput:
                return 0
            except KeyboardInterrupt:  # the action ended as Ctrl-C ends it in the CLI (its audit says so)
                self.say("interrupted")

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
        if word in self.words:
            return self.words[word](rest)
        if line.startswith("/") and listing is not None:
            return self.filter(listing, line[1:])
        self.say(f"unknown command {word!r}; ? lists them")

    # -- output --------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Print lines, each cut to the terminal width (no wrapping; outside text sanitised: render.text.printable)."""
        text = printable(text, multiline=True).replace("\t", " ")
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
                self.out.write(f"-- {start + size}/{counted(len(lines), 'line')}: Enter for more, q stops --")
                self.out.flush()
                if self.inp.readline().strip().lower().startswith("q"):
                    return

    def show_menu(self) -> None:
        self.say("  ".join(f"{e.number} {e.words[0]}" for e in self.menu) + "  q quit")

    def ask(self, question: str) -> str | None:
        """One line from the operator (None at end of input)."""
        self.out.write(question)
        self.out.flush()
        line = self.inp.readline()
        return line.strip() if line else None

    # -- commands ------------------------------------------------------------------------------

    def dashboard(self) -> None:
        self.say("\n".join(status_line(item, self.width - 1) for item in self.services.status.overview()))

    def bgp(self) -> None:
        """Sessions, our prefixes with their stages and leases, open BGP intents (= `oob bgp status`)."""
        from oob_console.render.bgp import status_lines

        self.page(status_lines(self.services.bgp.status()))

    def help(self) -> None:
        self.say("Menu (number or word; words work everywhere):")
        for e in self.menu:
            self.say(f"  {e.number}  {e.words[0]:<7} {e.label}")
        self.say("  q  quit\nIn a list: <number> opens, n/p next/previous, . opens current,\n"
                 "  m more of the list, /words filters, x leaves the list.\n"
                 "Devices: probe [words] (handshake, pinned key), ssh <n|name>, console <n|name>,\n"
                 "  run TARGETS [intent:ID] -- COMMAND (TARGETS: names, all, site:X, role:X).\n"
                 "Approvals: approve <n|id> (a key attached here), sshsig <n|id> (paste one).\n"
                 "login [user], logout: who acts (the audit log names them).\n"
                 "doctor: does anything the console needs cross production?")

    def doctor(self) -> None:
        from oob_console.render.doctor import doctor_text

        site = self.services.loaded.config.site.name
        self.page(doctor_text(self.services.doctor.run(), site).splitlines())

    def runbooks(self, words: str) -> None:
        hits = self.services.runbooks.search(words)
        where = f"matching {words!r}" if words else f"in {self.services.runbooks.location}/"
        self.start_list(f"{counted(len(hits), 'runbook')} {where}", [runbook_line(h) for h in hits],
                        lambda i: self.show_runbook(hits[i].runbook.name), [h.runbook.title for h in hits])

    def show_runbook(self, name: str) -> None:
        rb = self.services.runbooks.get(name)
        self.page([runbook_heading(rb), *rb.text.splitlines()])

    def audit_log(self, words: str) -> None:
        entries = list(reversed(self.services.audit.show(limit=SHOWN_ENTRIES)))
        wanted = words.lower().split()
        shown = [e for e in entries if audit_matches(e, wanted)]
        more = f" matching {words!r}" if wanted else ""
        self.start_list(f"{len(shown)} audit entries{more}, newest first", [audit_line(e, pad=0) for e in shown],
                        lambda i: self.show_entry(shown[i]))

    def show_entry(self, entry: dict[str, Any]) -> None:
        self.page(entry_text(entry).splitlines())

    def note(self, text: str) -> None:
        if not text:
            self.out.write("note: ")
            self.out.flush()
            text = self.inp.readline().strip()
        if not text:
            self.say("no note written")
            return
        entry = self.services.audit.note(text)
        self.say(noted_line(entry))

    def verify(self) -> None:
        try:
            report = self.services.audit.verify()
        except OobError as exc:
            self.say(f"audit chain BROKEN: {exc.one_line()}")
            return
        self.say(verify_line(report))

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

    # -- keys: login and approvals ---------------------------------------------------------------

    def log_in_first(self) -> bool:
        """Ask for a key login when anyone can log in.

        Raises:
            AuthError: input ended (or ``q``) before anyone logged in; nothing runs, the exit code says so.
        """
        if not self.services.identity.is_local:
            self.say(f"acting as {self.services.identity.actor}")
            return True
        who = self.services.status.item("login")
        if who.state != "ok":
            self.say(f"{who.summary}; acting as {self.services.identity.actor}")
            return True
        while self.services.identity.is_local:
            name = self.ask("login: user name (Enter: whoever's key answers): ")
            if name is not None and name.lower() in ("q", "quit", "exit"):
                name = None
            if name is None:  # the operator (or the script) left before anyone logged in: nothing ran
                self.say("")
                raise AuthError("not logged in, so nothing was run: this site needs a key login first",
                                hint="put the user name on the first line, or log in first: "
                                     "eval \"$(oob login)\"")
            try:
                self.login(name)
            except OobError as exc:
                self.say(f"error: {exc.one_line()}")
        return True

    def login(self, name: str) -> None:
        identity = self.services.login.login(name or None, ShellPrompt(self))
        self.services = replace(self.services, authenticated=identity)
        self.say(logged_in_line(identity))

    def logout(self) -> None:
        if self.services.identity.is_local:
            self.say("not logged in")
            return
        self.say(f"{self.services.identity.actor} logged out")
        self.services = replace(self.services, authenticated=None)
        self.listing = None
        try:
            self.log_in_first()
        except AuthError:  # nobody logged in again before the input ended: the session ends, as before
            raise EndOfInput from None

    def approvals(self) -> None:
        views = self.services.approvals.list()
        self.intents = views
        self.start_list(f"{len(views)} waiting for approval", [intent_line(v) for v in views],
                        lambda i: self.show_intent(views[i].id), [f"{v.id} {v.have}/{v.need}" for v in views])

    def _intent_id(self, ref: str) -> str:
        """``ref``: a number in the approvals list just shown, or an intent ID."""
        if ref.isdigit() and 0 < int(ref) <= len(self.intents):
            return self.intents[int(ref) - 1].id
        if not ref:
            raise UsageError("which intent?", hint="give its number in 'ap' or its ID")
        return ref

    def show_intent(self, intent_id: str) -> None:
        view = self.services.approvals.get(intent_id)
        self.page(intent_text(view, self.services.loaded.config.auth.sshsig_namespace).splitlines())

    def approve(self, ref: str) -> None:
        view = self.services.approvals.approve_local(self._intent_id(ref), ShellPrompt(self))
        self._approved(view)

    def approve_sshsig(self, ref: str) -> None:
        intent_id = self._intent_id(ref)
        self.say("Paste the SSHSIG; it ends with its -----END SSH SIGNATURE----- line:")
        lines: list[str] = []
        while not lines or "END SSH SIGNATURE" not in lines[-1]:
            line = self.inp.readline()
            if not line:
                break
            lines.append(line)
        self._approved(self.services.approvals.approve_sshsig(intent_id, "".join(lines).encode()))

    def _approved(self, view: IntentView) -> None:
        self.say(intent_approved_line(view))

    def request_drill(self, note: str) -> None:
        view = self.services.approvals.request_drill(self.services.identity, note)
        self.say(drill_requested_line(view))

    # -- devices --------------------------------------------------------------------------------

    def _devices(self, words: str) -> list[Device]:
        wanted = words.lower().split()
        return [d for d in self.services.devices.inventory().devices if device_matches(d, wanted)]

    def devices(self, words: str) -> None:
        shown = self._devices(words)
        self.shown_devices = shown
        where = self.services.loaded.config.paths.inventory
        more = f" matching {words!r}" if words else f" in {where}"
        self.start_list(f"{counted(len(shown), 'device')}{more}", [device_line(d, probed=False) for d in shown],
                        lambda i: self.show_device(shown[i]), [d.name for d in shown])

    def show_device(self, dev: Device) -> None:
        access = self.services.devices
        console = access.console_plan(dev).describe() if dev.console else None
        self.page(device_lines(dev, access.pinned(dev), console))

    def probe(self, words: str) -> None:
        import asyncio

        devices = self._devices(words)
        if not devices:
            self.say("no devices to probe")
            return
        self.say(probing_line(len(devices), PROBE_TIMEOUT))
        reach = asyncio.run(self.services.devices.reachability(devices, timeout=PROBE_TIMEOUT))
        self.say("\n".join(device_line(d, reach.get(d.name)) for d in devices))

    def run_command(self, rest: str) -> None:
        """``run TARGETS [intent:ID] -- COMMAND``: `oob run` in line mode (guarded, audited)."""
        import asyncio

        targets, sep, command = f" {rest}".partition(" -- ")
        if not sep or not command.strip():
            raise UsageError("run wants TARGETS -- COMMAND", hint="run site:sjc1 -- show ip bgp summary")
        words = targets.split()
        intent = next((w[7:] for w in words if w.startswith("intent:")), None)
        try:
            want = parse_target_words(" ".join(w for w in words if not w.startswith("intent:")))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        runs = self.services.runs
        cfg = self.services.loaded.config.devices
        inventory, devices = runs.targets(list(want.names), site=want.site, role=want.role,
                                          everything=want.everything)
        preview = runs.preview(command.strip(), devices, inventory)  # the guard's verdict first, nothing sent
        shown = preview_text(preview).split("\n")
        self.page(wrapped(shown[:1] if preview.verdict is Verdict.READ_ONLY else shown, self.width - 1))
        if preview.blocked:
            raise RefusedError(f"not sent: {preview.blocked}")
        self.say(f"running {command.strip()!r} on {counted(len(devices), 'device')}...")
        report = asyncio.run(runs.run(command.strip(), devices, inventory, intent_id=intent,
                                      touch=ShellPrompt(self),
                                      options=RunOptions(timeout=cfg.command_timeout.seconds,
                                                         concurrency=cfg.concurrency)))
        self.page([run_result_line(r, self.width - 1) for r in report.results])
        self.say(run_summary(report))

    def session(self, kind: str, ref: str) -> None:
        """An SSH or console session on this terminal until it ends (recorded and audited)."""
        if ref.isdigit() and 0 < int(ref) <= len(self.shown_devices):
            ref = self.shown_devices[int(ref) - 1].name
        if not ref:
            raise UsageError(f"which device? {kind} <number in 'dev'> or {kind} <name>")
        self.services.devices.device(ref)  # NotFoundError before the terminal changes hands
        if not self.inp.isatty():
            raise UsageError(f"a {kind} session needs this shell on a terminal", hint=f"use 'oob {kind} {ref}'")
        summary = self.services.session_on_terminal(kind, ref)
        self.say("\n".join(session_lines(summary)))


class EndOfInput(Exception):
    """The operator's input ended (a logout with nobody logging in again)."""


class ShellPrompt:
    """The Prompt port in line mode: a line for the touch, the PIN unechoed on a terminal."""

    def __init__(self, shell: LineShell) -> None:
        self.shell = shell

    def touch(self) -> None:
        self.shell.say("Touch your security key now...")

    def pin(self) -> str | None:
        if self.shell.inp.isatty():
            import getpass

            return getpass.getpass("PIN for the security key: ") or None
        return self.shell.ask("PIN for the security key: ") or None
