"""Interactive sessions (`oob ssh`, `oob console`): the terminal passes through, everything is recorded.

A session is refused unless its recording could be started and its start
audited. Every typed line passes the command guard before its Enter reaches
the device (``line_guard``, ``typed_session``). Typed input while the device
does not echo, or after a secret prompt, is recorded as ``[redacted]``.
OpenSSH-style escapes (``~.`` ``~B`` ``~a`` ``~?``) work on every transport.

Opening a session is bounded: it fails with a DeadlineError after the connect
timeout plus :data:`OPEN_GRACE` seconds, and Ctrl-C while it opens abandons it
(:data:`ABANDON_KEY`; nothing is connected yet for it to reach). Closing is
bounded too (:data:`CLOSE_WITHIN`), so a device that stops answering can never
hold the operator's terminal: every way out returns to the caller with a reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from oob_console.core.auth.identity import Identity
from oob_console.core.devices.platforms import clean_output, ends_with_prompt, spec
from oob_console.core.devices.session_input import ESCAPE_HELP, EscapeParser, Redactor
from oob_console.core.devices.typed_lines import PromptReader
from oob_console.errors import DeadlineError, OobError, UnavailableError
from oob_console.services.devices.access import ConsolePlan, DeviceAccess
from oob_console.services.devices.line_guard import LineGuard
from oob_console.services.devices.ports import (
    ByteChannel,
    ConsoleLines,
    Recording,
    RecordingInfo,
    RecordingStore,
    ScreenFactory,
    ScreenModel,
    SshSession,
    Terminal,
)
from oob_console.services.devices.typed_session import TypedLines
from oob_console.services.guard.gate import GuardGate

Opener = Callable[[int, int, str], Awaitable[tuple[ByteChannel, SshSession | None]]]


OPEN_GRACE = 2.0  # seconds past the connect timeout before an opening session is given up
CLOSE_WITHIN = 5.0  # seconds a closing channel or connection may take before it is left behind
ABANDON_KEY = b"\x03"  # Ctrl-C while the session opens: give up on it
ABANDON_HELP = "Ctrl-C abandons"


class Abandoned(OobError):
    """The operator gave up on a session that was still opening."""

    exit_code = 130


LOGIN_PROMPT = re.compile(r"(?i)(login|username|user name|password)\s*:\s*$")


@dataclass(frozen=True)
class ConsoleWake:
    """A console that answered: what it showed last (a login or CLI prompt) and how long that took."""

    device: str
    via: str
    prompt: str
    seconds: float


@dataclass
class SessionSummary:
    device: str
    kind: str
    via: str
    recording: str
    recording_path: str
    reason: str = ""
    duration: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0
    redactions: int = 0
    breaks: int = 0
    recording_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Pump:
    channel: ByteChannel
    terminal: Terminal
    recording: Recording
    summary: SessionSummary
    escapes: EscapeParser
    typed: TypedLines
    tail: bytes = b""  # the last output, for what a console server said before it closed
    closed_by_device: bool = False

    @property
    def redactor(self) -> Redactor:
        return self.typed.redactor

    def last_words(self) -> str:
        """The last line the far end printed, as text (control characters dropped)."""
        lines = [ln for ln in (bytes(b for b in line if 32 <= b < 127 or b >= 160).decode(errors="replace").strip()
                               for line in self.tail.replace(b"\r", b"\n").split(b"\n")) if ln]
        return lines[-1][:120] if lines else ""

    async def device_to_terminal(self) -> str:
        while True:
            data = await self.channel.read()
            if not data:
                self.closed_by_device = True
                return "the device closed the session"
            self.tail = (self.tail + data)[-512:]
            self.summary.bytes_out += len(data)
            kept = self.redactor.filter_output(data)  # a secret the device echoes never reaches the disk
            if kept:
                self.recording.output(kept)  # recorded before shown: what the operator saw is on disk
            self.terminal.write(data)
            self.typed.seen(data)

    async def terminal_to_device(self) -> str:
        while True:
            data = await self.terminal.read()
            if not data:
                return "the terminal's input ended"
            for action, payload in self.escapes.feed(data):
                if action == "send":
                    self.summary.bytes_in += len(payload)
                    await self.typed.keys(payload, self.terminal)
                elif action == "break":
                    await self._break()
                elif action == "help":
                    self.terminal.write(ESCAPE_HELP.format(e=chr(self.escapes.escape)).encode())
                elif action == "approved":
                    await self.typed.release(self.terminal)
                else:
                    return "ended by the operator (~.)"

    async def _break(self) -> None:
        if not self.channel.supports_break:
            self.terminal.write(b"\r\n[oob] this transport cannot send a break\r\n")
            return
        await self.channel.send_break(500)
        self.summary.breaks += 1
        self.recording.input("[break]")
        self.terminal.write(b"\r\n[oob] break sent\r\n")


@dataclass
class SessionService:
    access: DeviceAccess
    consoles: ConsoleLines
    recordings: RecordingStore
    gate: Callable[[], GuardGate]  # the command guard every typed line passes (services.devices.line_guard)
    operator: Callable[[], Identity]  # who types
    screens: ScreenFactory  # a model of the operator's screen, to read lines as the device echoed them
    escape_char: str = "~"
    touch_valid: float = 900.0  # seconds one touch allows changes in a session
    echo_wait: float = 1.0  # seconds to wait for a device's echo before a line counts as unechoed

    async def ssh(self, name: str, terminal: Terminal, *, transport: str | None = None) -> SessionSummary:
        """An interactive shell on a device over SSH.

        Raises:
            NotFoundError, RefusedError, AuthError, UnavailableError, StorageError, AuditWriteError.
        """
        dev = self.access.device(name)
        engine = self.access.engine(transport or dev.transport)
        target = self.access.ssh_target(dev)

        async def opener(cols: int, rows: int, term: str) -> tuple[ByteChannel, SshSession | None]:
            session = await engine.connect(target)
            try:
                return await session.shell(term=term, cols=cols, rows=rows), session
            except BaseException:
                await session.close()
                raise

        via = f"ssh {target.username}@{target.host}:{target.port} ({engine.name})"
        return await self._interactive(dev.name, dev.platform, "ssh", via, opener, terminal, wake=False)

    async def console(self, name: str, terminal: Terminal) -> SessionSummary:
        """The device's serial console (console server over SSH or TCP, or a local serial device)."""
        inv = self.access.inventory()
        dev = self.access.device(name, inv)
        plan = self.access.console_plan(dev, inv)
        return await self._interactive(plan.device, dev.platform, "console", plan.describe(),
                                       self._console_opener(plan), terminal, wake=True)

    def _console_opener(self, plan: ConsolePlan) -> Opener:
        async def opener(cols: int, rows: int, term: str) -> tuple[ByteChannel, SshSession | None]:
            if plan.ssh is not None:
                session = await self.access.engine("asyncssh").connect(plan.ssh)
                try:
                    return await session.shell(term=term, cols=cols, rows=rows), session
                except BaseException:
                    await session.close()
                    raise
            if plan.kind == "serial":
                return await self.consoles.open_serial(plan.path, plan.baud, label=plan.label), None
            channel = await self.consoles.open_tcp(plan.host, plan.port, telnet=plan.kind == "telnet",
                                                   timeout=self.access.connect_timeout, label=plan.label)
            return channel, None

        return opener

    async def _interactive(self, device: str, platform: str, kind: str, via: str, opener: Opener,
                           terminal: Terminal, *, wake: bool) -> SessionSummary:
        cols, rows = terminal.size()
        audit = self.access.audit
        recording = self.recordings.create(
            name=f"{device}-{kind}", title=f"oob {kind} {device} ({audit.actor})", cols=cols, rows=rows,
            env={"TERM": terminal.term()},
        )
        summary = SessionSummary(device, kind, via, recording.id, recording.path)
        started = time.monotonic()
        try:
            audit.record(f"session.{kind}.start", target=device, outcome="started",
                         details={"via": via, "recording": recording.id})
        except OobError:
            recording.close()
            raise
        channel: ByteChannel | None = None
        session: SshSession | None = None
        pump: _Pump | None = None
        try:
            terminal.write(f"[oob] opening {kind} to {device} (up to {self.access.connect_timeout + OPEN_GRACE:g}s;"
                           f" {ABANDON_HELP})\r\n[oob] via {via}\r\n".encode())
            channel, session = await self._open(opener, cols, rows, terminal, where=f"{kind} {device} via {via}")
            e = self.escape_char
            terminal.write(f"[oob] {kind} {device} via {via}; recording {recording.id}; {e}. ends, {e}? help\r\n"
                           .encode())
            typed = self._typed_lines(device, platform, channel, recording, cols, rows)
            terminal.on_resize(_resizer(channel, recording, typed.screen))
            pump = _Pump(channel, terminal, recording, summary, EscapeParser(escape=ord(self.escape_char)), typed)
            if wake:
                with contextlib.suppress(UnavailableError):  # closed already: reading shows what it said
                    await channel.write(b"\r")  # a console shows nothing until it hears from us
            summary.reason = await _first(pump.device_to_terminal(), pump.terminal_to_device())
            held = pump.redactor.flush_output()
            if held:
                recording.output(held)
            summary.redactions = pump.redactor.redactions
            if kind == "console" and pump.closed_by_device:
                # a serial line does not end by itself: the console server refused or dropped it, or the
                # line (a USB adapter, the pty's far end) went away
                said = pump.last_words()
                raise UnavailableError(
                    f"the console line of {device} closed" + (f"; it last said: {said!r}" if said else ""),
                    where=via, hint=f"is the port in use by someone else, or the line down? "
                    f"recording {recording.id} has what was shown")
            terminal.write(f"\r\n[oob] session ended: {summary.reason}\r\n".encode())
        except OobError as exc:
            said = pump.last_words() if pump is not None and kind == "console" else ""
            if said and said not in exc.message:  # a write failed first: still show what the server said
                worded = UnavailableError(f"{exc.message}; the console line last said: {said!r}",
                                          where=exc.where, hint=exc.hint)
                summary.reason = f"failed: {worded.one_line()}"
                self._finish(recording, summary, started, "failed")
                raise worded from exc
            summary.reason = f"failed: {exc.one_line()}"
            self._finish(recording, summary, started, "failed")
            raise
        except BaseException:  # cancelled (the console quits) or a bug: the audit still gets its end entry
            summary.reason = summary.reason or "interrupted"
            with contextlib.suppress(OobError):
                self._finish(recording, summary, started, "interrupted")
            raise
        finally:
            await _close_within(channel, session)
        self._finish(recording, summary, started, "ok")
        return summary

    def _typed_lines(self, device: str, platform: str, channel: ByteChannel, recording: Recording, cols: int,
                     rows: int) -> TypedLines:
        cli = spec(platform)
        guard = LineGuard(self.gate(), self.operator(), device, cli, self.touch_valid)
        return TypedLines(channel, self.screens(cols, rows), PromptReader(cli), guard, recording, Redactor(),
                          echo_wait=self.echo_wait)

    async def _open(self, opener: Opener, cols: int, rows: int, terminal: Terminal, *,
                    where: str) -> tuple[ByteChannel, SshSession | None]:
        """``opener``, bounded by the connect timeout plus a grace, and abandoned on Ctrl-C.

        Keys typed while it opens are dropped (there is nothing to send them to yet).
        """
        limit = self.access.connect_timeout + OPEN_GRACE

        async def abandon_key() -> None:
            while True:
                data = await terminal.read()
                if not data:  # no more input: nobody can use the session; let the deadline decide
                    await asyncio.Event().wait()
                if ABANDON_KEY in data:
                    return

        opening = asyncio.ensure_future(opener(cols, rows, terminal.term()))
        watcher = asyncio.ensure_future(abandon_key())
        try:
            done, _ = await asyncio.wait({opening, watcher}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            opening.cancel()
            raise
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, OobError):
                await watcher
        if opening in done:
            return opening.result()
        opening.cancel()
        with contextlib.suppress(asyncio.CancelledError, OobError, OSError):
            channel, session = await opening  # it finished as it was cancelled: close what it opened
            await _close_within(channel, session)
        if watcher in done:
            raise Abandoned("the session was abandoned while it opened (Ctrl-C)", where=where)
        raise DeadlineError(f"the session did not open within {limit:g}s", where=where,
                            hint="check the device's address and that its SSH or console port answers "
                                 "('p' on the devices list probes SSH)")

    def _finish(self, recording: Recording, summary: SessionSummary, started: float, outcome: str) -> None:
        recording.close()
        summary.duration = round(time.monotonic() - started, 3)
        summary.recording_error = getattr(recording, "failed", None)
        self.access.audit.record(f"session.{summary.kind}.end", target=summary.device, outcome=outcome,
                                 details=summary.to_json())

    async def wake_console(self, name: str, *, timeout: float) -> ConsoleWake:
        """Open the device's console, send Enter, and read until a login or CLI prompt shows (the drill's check).

        Audited (``session.console.wake``); nothing is typed but one Enter, nothing recorded.
        Raises:
            NotFoundError: no such device, or it has no console.
            RefusedError, AuthError, UnavailableError: the console server would not let us in.
            DeadlineError: no prompt within ``timeout`` seconds (the line is dead, or the device is silent).
        """
        inv = self.access.inventory()
        dev = self.access.device(name, inv)
        plan = self.access.console_plan(dev, inv)
        platform = spec(dev.platform)
        started = time.monotonic()
        seen = ""
        channel: ByteChannel | None = None
        session: SshSession | None = None
        try:
            async with asyncio.timeout(timeout):
                channel, session = await self._console_opener(plan)(80, 24, "vt100")
                await channel.write(b"\r")
                while not (ends_with_prompt(platform, seen.rstrip("\n")) or LOGIN_PROMPT.search(seen)):
                    data = await channel.read()
                    if not data:
                        raise UnavailableError("the console closed before showing a prompt", where=plan.describe())
                    seen = clean_output(seen + data.decode("utf-8", "replace"))[-2000:]
        except TimeoutError:
            self.access.audit.record("session.console.wake", target=name, outcome="failed",
                                     details={"via": plan.describe(), "seconds": timeout, "last": seen[-80:]})
            raise DeadlineError(f"no prompt on the console within {timeout:g}s", where=plan.describe(),
                                details={"last_output": seen[-200:]}) from None
        finally:
            if channel is not None:
                await channel.close()
            if session is not None:
                await session.close()
        prompt = seen.rstrip().rsplit("\n", 1)[-1].strip()
        wake = ConsoleWake(name, plan.describe(), prompt, round(time.monotonic() - started, 4))
        self.access.audit.record("session.console.wake", target=name, outcome="ok", details=wake.__dict__)
        return wake

    def list_recordings(self) -> list[RecordingInfo]:
        return self.recordings.list()

    def playback(self, ref: str, *, speed: float = 1.0, idle_limit: float = 2.0) -> Iterator[tuple[float, str]]:
        """(delay before, output) pairs of a recording; input events are not replayed. Audited."""
        info = self.recordings.find(ref)
        self.access.audit.record("session.play", target=info.id, outcome="ok", details={"path": info.path})
        last = 0.0
        for t, kind, data in self.recordings.events(info.id):
            if kind != "o":
                continue
            delay = min(max(t - last, 0.0), idle_limit) / max(speed, 0.01)
            last = t
            yield delay, data


async def _close_within(channel: ByteChannel | None, session: SshSession | None) -> None:
    """Close what a session opened; a peer that does not answer the close is left behind after CLOSE_WITHIN."""
    for thing in (channel, session):
        if thing is None:
            continue
        with contextlib.suppress(TimeoutError, OSError, OobError):
            async with asyncio.timeout(CLOSE_WITHIN):
                await thing.close()


def _resizer(channel: ByteChannel, recording: Recording, screen: ScreenModel) -> Callable[[int, int], None]:
    def resize(cols: int, rows: int) -> None:
        channel.resize(cols, rows)
        recording.resize(cols, rows)
        screen.resize(cols, rows)

    return resize


async def _first(*coros: Awaitable[str]) -> str:
    """The result of whichever finishes first; the others are cancelled (their errors propagate if first)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        return next(iter(done)).result()
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, OobError):
                await t
