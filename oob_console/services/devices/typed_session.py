"""The operator's keystrokes on their way to the device: each Enter waits for the guard's word.

Keys other than Enter go to the device at once (the device echoes them, its
completion and ``?`` help work as always). On Enter the line is read from the
screen model, as the device shows it, and the Enter is sent only if the
session guard lets the line through; else the device's line is cleared.

A paste (several lines in one read, or a bracketed paste, plus whatever
follows within 50 ms) is held whole and judged on its text in the current
mode; it is sent whole or not at all.

Secrets: while the device does not echo what is typed (the universal sign of a
password being entered) or after a secret prompt, the typed line is neither
judged nor recorded: the recording keeps ``[redacted]``. Typed input reaches
the recording one line at a time, when its Enter is decided, so a secret typed
ahead of its prompt (in the same write as the line before) is redacted too.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

from oob_console.core.devices.session_input import REDACTED, Redactor
from oob_console.core.devices.typed_lines import (
    PASTE_END,
    PASTE_START,
    PromptReader,
    is_question,
    looks_pasted,
    split_lines,
    strip_paste_marks,
)
from oob_console.core.guard.dialect import clean
from oob_console.services.devices.line_guard import LineGuard
from oob_console.services.devices.ports import ByteChannel, Recording, ScreenModel, Terminal

PASTE_GAP = 0.05  # seconds: lines arriving closer than this are one paste
ECHO_QUIET = 0.005  # seconds without output after our last key: the echo is in
_LINE_END = re.compile(rb"\r\n|\r|\n")
_CANCEL = (0x03, 0x15)  # Ctrl-C, Ctrl-U: the device drops the line


@dataclass
class TypedLines:
    channel: ByteChannel
    screen: ScreenModel
    reader: PromptReader
    guard: LineGuard
    recording: Recording
    redactor: Redactor
    echo_wait: float = 1.0  # seconds to wait for the device to echo a line before Enter is judged
    _line: bytearray = field(default_factory=bytearray)  # typed since the last Enter (for the recording)
    _before: str | None = None  # the screen line when the first key of this line was sent
    _last_key: float = 0.0
    _last_output: float = 0.0
    _device_pastes: bool = False  # the device asked the terminal for bracketed paste

    def seen(self, data: bytes) -> None:
        """The device's output (also what the operator sees)."""
        self.screen.feed(data)
        self.redactor.feed_output(data)
        self._last_output = time.monotonic()
        if b"\x1b[?2004" in data:  # the device turns bracketed paste on (h) or off (l)
            self._device_pastes = data.rfind(b"\x1b[?2004h") > data.rfind(b"\x1b[?2004l")

    async def keys(self, data: bytes, terminal: Terminal) -> None:
        """Keystrokes (escapes already taken out)."""
        at_prompt = self.reader.split(self.screen.cursor_line()) if looks_pasted(data) else None
        if at_prompt is not None:
            await self._paste(await self._whole_paste(data, terminal), at_prompt, terminal)
            return
        while data:
            m = _LINE_END.search(data)
            if m is None:
                await self._send_keys(data)
                return
            await self._send_keys(data[:m.start()])
            await self._enter(data[m.start():m.end()], terminal)
            data = data[m.end():]

    async def release(self, terminal: Terminal) -> None:
        """``~a``: send the held line if its intent is approved, in the mode it was judged in."""
        parsed = self.reader.split(self.screen.cursor_line())
        problem, commands = await self.guard.release(prompt=parsed[0] if parsed else None)
        if problem:
            self._tell(terminal, problem)
            return
        text = "\r".join(commands).encode() + b"\r"
        self.recording.input(text.decode())
        await self.channel.write(text)

    async def _send_keys(self, data: bytes) -> None:
        if not data:
            return
        if self._before is None:
            self._before = self.screen.cursor_line()
        self._line += data
        self._last_key = time.monotonic()
        self.redactor.filter_input(data)  # what it typed after a secret prompt: held out of the recording
        await self.channel.write(data)
        if data[-1] in _CANCEL:
            self._flush(secret=False)

    async def _enter(self, end: bytes, terminal: Terminal) -> None:
        typed = bytes(self._line)
        if typed:
            await self._settle()
        shown = self.screen.cursor_line()
        before = self._before
        printable = any(0x20 <= b < 0x7F or b >= 0x80 for b in typed)
        echo_off = printable and shown == before
        secret = self.redactor.armed or echo_off
        parsed = self.reader.split(shown)
        if parsed is not None:
            prompt, command = parsed
            in_config = self.reader.in_config(prompt)
            if not in_config:
                self.guard.at_exec()
            if echo_off:  # at a CLI prompt the device always echoes: judge what was typed
                command = clean(typed.decode("utf-8", "replace")).strip()
        elif secret or not printable or is_question(_asked(shown, typed, before)) or is_question(shown):
            await self._send_enter(end, secret=secret)
            return
        else:  # neither a prompt nor a question: unknown is judged, as a command in the mode last seen
            command, in_config = clean(typed.decode("utf-8", "replace")).strip(), bool(self.guard.book.lines)
            prompt = ""
        if not command:
            await self._send_enter(end, secret=False)
            return
        refused = await self.guard.judge([command], prompt=prompt, in_config=in_config, terminal=terminal)
        if refused is None:
            self.guard.sent([command], in_config=in_config)
            await self._send_enter(end, secret=False)
            return
        self._flush(secret=False, suffix="[held]")
        await self._clear_device_line()
        self._tell(terminal, refused, redraw=parsed[0] if parsed else "")

    async def _send_enter(self, end: bytes, *, secret: bool) -> None:
        if secret and not self.redactor.armed:  # echo off, no prompt said so: the redactor learns it here
            self.redactor.echo_off_secret(bytes(self._line))
        self._flush(secret=secret, suffix=end.decode())
        self.redactor.filter_input(end)  # the secret is complete: held output is scrubbed and released
        await self.channel.write(end)

    async def _whole_paste(self, data: bytes, terminal: Terminal) -> bytes:
        """``data`` and whatever else of the paste arrives: to its end mark, or until the keys pause."""
        while True:
            if PASTE_START in data and PASTE_END not in data:
                wait: float | None = 1.0
            else:
                wait = PASTE_GAP
            try:
                more = await asyncio.wait_for(terminal.read(), wait)
            except TimeoutError:
                return data
            if not more:
                return data
            data += more

    async def _paste(self, data: bytes, at_prompt: tuple[str, str], terminal: Terminal) -> None:
        prompt, current = at_prompt
        in_config = self.reader.in_config(prompt)
        if not in_config:
            self.guard.at_exec()
        lines, rest = split_lines(strip_paste_marks(data))
        texts = [clean(b.decode("utf-8", "replace")).strip() for b in lines]
        texts[0] = (current + " " + texts[0]).strip() if current and texts else texts[0]
        commands = [t for t in texts if t]
        refused = (await self.guard.judge(commands, prompt=prompt, in_config=in_config, terminal=terminal)
                   if commands else None)
        if refused is not None:
            if current:
                await self._clear_device_line()
            self._line.clear()
            self._before = None
            self.recording.input(f"[paste of {len(commands)} line(s) held]")
            self._tell(terminal, refused, redraw=prompt)
            return
        self.guard.sent(commands, in_config=in_config)
        self.recording.input(data.decode("utf-8", "replace"))
        self._line.clear()
        self._before = None
        await self.channel.write(self._forwarded(data))
        if rest:
            self._before = None
            self._line += rest

    async def _clear_device_line(self) -> None:
        self._last_key = time.monotonic()
        await self.channel.write(self.reader.platform.clear_line.encode())
        await self._settle()  # the device's redraw lands before our message, not over it

    async def _settle(self) -> None:
        """Wait until the device has echoed the keys sent (or ``echo_wait`` passed: echo is off)."""
        deadline = time.monotonic() + self.echo_wait
        while time.monotonic() < deadline:
            now = time.monotonic()
            if self._last_output >= self._last_key and now - self._last_output >= ECHO_QUIET:
                return
            await asyncio.sleep(0.001)

    def _flush(self, *, secret: bool, suffix: str = "") -> None:
        secret = secret and bool(self._line)
        if self._line or suffix:
            kept = REDACTED if secret else self._line.decode("utf-8", "replace")
            self.recording.input(kept + suffix)
        self._line.clear()
        self._before = None

    def _forwarded(self, data: bytes) -> bytes:
        """Paste marks go to the device only if it asked for bracketed paste (else they are junk keys)."""
        return data if self._device_pastes else strip_paste_marks(data)

    @staticmethod
    def _tell(terminal: Terminal, message: str, *, redraw: str = "") -> None:
        terminal.write(f"\r\n[oob] {message}\r\n{redraw}".encode())


def _asked(shown: str, typed: bytes, before: str | None) -> str:
    """What the device asked on this line: the line without the answer typed after it."""
    answer = clean(typed.decode("utf-8", "replace"))
    if answer and shown.endswith(answer):
        return shown[: len(shown) - len(answer)]
    return before if before is not None else shown
