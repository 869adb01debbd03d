"""Keystrokes of an interactive session: escape commands and what a recording may keep.

:class:`EscapeParser` gives the operator OpenSSH-style escapes that work on any
transport (a console server port has no other way out): after Enter (or at
the start), ``~.`` ends the session, ``~B`` sends a break, ``~a`` sends a line the guard
held back once its intent is approved, ``~?`` lists the escapes and ``~~`` sends one ``~``.

:class:`Redactor` decides what of the typed input a session recording keeps:
after the device prints a password prompt, everything typed up to Enter is
recorded as one ``[redacted]`` marker (not even its length is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from oob_console.core.devices.platforms import clean_output
from oob_console.core.devices.typed_lines import SECRET_PROMPT

Action = Literal["send", "break", "quit", "help", "approved"]
ESCAPE_HELP = (
    "Supported escape sequences (after Enter):\r\n"
    "  {e}.  end the session\r\n"
    "  {e}B  send a break (serial consoles, SSH RFC 4335)\r\n"
    "  {e}a  send the line the guard held back, once its intent is approved\r\n"
    "  {e}?  this help\r\n"
    "  {e}{e}  send one {e}\r\n"
)
_NEWLINES = (0x0D, 0x0A)
_ESCAPES: dict[int, Action] = {ord("."): "quit", ord("B"): "break", ord("?"): "help", ord("a"): "approved"}


@dataclass
class EscapeParser:
    """Splits keyboard input into bytes to send and escape actions."""

    escape: int = ord("~")
    _at_line_start: bool = True
    _pending: bool = False

    def feed(self, data: bytes) -> list[tuple[Action, bytes]]:
        """Actions in order; ``("send", bytes)`` carries what goes to the device."""
        out: list[tuple[Action, bytes]] = []
        buf = bytearray()

        def flush() -> None:
            if buf:
                out.append(("send", bytes(buf)))
                buf.clear()

        for byte in data:
            if self._pending:
                self._pending = False
                command = _ESCAPES.get(byte)
                if command is not None:
                    flush()
                    out.append((command, b""))
                    if command == "quit":
                        return out
                    continue
                if byte != self.escape:
                    buf.append(self.escape)  # not an escape after all: send both
                buf.append(byte)
                self._at_line_start = byte in _NEWLINES
                continue
            if byte == self.escape and self._at_line_start:
                self._pending = True
                continue
            buf.append(byte)
            self._at_line_start = byte in _NEWLINES
        flush()
        return out


# A prompt after which the typed line is a secret (the second signal; echo turned off is the first).
PASSWORD_PROMPT = SECRET_PROMPT
REDACTED = "[redacted]"


@dataclass
class Redactor:
    """Follows output to know when the next typed line is a secret."""

    tail_chars: int = 256
    _tail: str = ""
    _armed: bool = False
    _marked: bool = False
    redactions: int = field(default=0)

    def feed_output(self, data: bytes) -> None:
        self._tail = (self._tail + data.decode("utf-8", "replace"))[-self.tail_chars :]
        last = clean_output(self._tail).rsplit("\n", 1)[-1]
        if PASSWORD_PROMPT.search(last):
            self._armed = True

    @property
    def armed(self) -> bool:
        return self._armed

    def filter_input(self, data: bytes) -> str:
        """The text a recording keeps for ``data`` typed now."""
        if not self._armed:
            return data.decode("utf-8", "replace")
        kept: list[str] = []
        for i, byte in enumerate(data):
            if byte in _NEWLINES:
                self._armed = False
                self._marked = False
                self._tail = ""
                kept.append(data[i:].decode("utf-8", "replace"))  # Enter and anything after it
                return "".join(kept)
            if not self._marked:
                self._marked = True
                self.redactions += 1
                kept.append(REDACTED)
        return "".join(kept)

    def line_done(self, *, secret: bool) -> None:
        """A typed line was sent (recorded as ``[redacted]`` when ``secret``): the next one starts fresh."""
        if secret:
            self.redactions += 1
        self._armed = False
        self._marked = False
        self._tail = ""
