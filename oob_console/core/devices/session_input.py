"""Keystrokes of an interactive session: escape commands and what a recording may keep.

:class:`EscapeParser` gives the operator OpenSSH-style escapes that work on any
transport (a console server port has no other way out): after Enter (or at
the start), ``~.`` ends the session, ``~B`` sends a break, ``~?`` lists the
escapes and ``~~`` sends one ``~``.

:class:`Redactor` decides what of the typed input a session recording keeps:
after the device prints a password prompt, everything typed up to Enter is
recorded as one ``[redacted]`` marker (not even its length is kept).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from oob_console.core.devices.platforms import clean_output

Action = Literal["send", "break", "quit", "help"]
ESCAPE_HELP = (
    "Supported escape sequences (after Enter):\r\n"
    "  {e}.  end the session\r\n"
    "  {e}B  send a break (serial consoles, SSH RFC 4335)\r\n"
    "  {e}?  this help\r\n"
    "  {e}{e}  send one {e}\r\n"
)
_NEWLINES = (0x0D, 0x0A)
_ESCAPES: dict[int, Action] = {ord("."): "quit", ord("B"): "break", ord("?"): "help"}


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


PASSWORD_PROMPT = re.compile(
    r"(?i)(password|passphrase|passcode|secret|pin)( for [^\n:]{1,80})?\s*:\s*$"
)
REDACTED = "[redacted]"


@dataclass
class Redactor:
    """Follows output to know when the next typed line is a secret, and keeps it out of the recording.

    What is typed after a password prompt is recorded as one marker. What the device prints
    while the secret is typed (an echo, however it comes) is held back and recorded only once
    the secret is complete (Enter), with every occurrence of it replaced by the marker; later
    output is scrubbed of secrets typed in this session too (a device that prints it back).
    """

    tail_chars: int = 256
    hold_limit: int = 4096
    _tail: str = ""
    _armed: bool = False
    _marked: bool = False
    _typing: bytearray = field(default_factory=bytearray)
    _secrets: list[bytes] = field(default_factory=list)
    _held: bytes = b""
    redactions: int = field(default=0)

    def feed_output(self, data: bytes) -> None:
        self._tail = (self._tail + data.decode("utf-8", "replace"))[-self.tail_chars :]
        last = clean_output(self._tail).rsplit("\n", 1)[-1]
        if PASSWORD_PROMPT.search(last):
            self._armed = True

    @property
    def armed(self) -> bool:
        return self._armed

    def _scrub(self, data: bytes, *, short_too: bool) -> bytes:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret and (short_too or len(secret) >= 4):  # a 1-3 character "secret" would mangle output
                data = data.replace(secret, REDACTED.encode())
        return data

    def filter_output(self, data: bytes) -> bytes:
        """What a recording keeps of ``data`` shown now (b"" while a secret is being typed)."""
        if self._armed:
            self._held += data
            if len(self._held) <= self.hold_limit:
                return b""
            data, self._held = self._held, b""  # a prompt nobody answers: do not hold forever
            self._secrets.append(bytes(self._typing))
            try:
                return self._scrub(data, short_too=True)
            finally:
                self._secrets.pop()
        held, self._held = self._held, b""
        return self._scrub(held, short_too=True) + self._scrub(data, short_too=False)

    def flush_output(self) -> bytes:
        held, self._held = self._held, b""
        if self._typing:
            self._secrets.append(bytes(self._typing))
        return self._scrub(held, short_too=True)

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
                if self._typing:
                    self._secrets = [*self._secrets[-7:], bytes(self._typing)]
                self._typing.clear()
                kept.append(data[i:].decode("utf-8", "replace"))  # Enter and anything after it
                return "".join(kept)
            if byte in (0x7F, 0x08):
                if self._typing:
                    self._typing.pop()
            else:
                self._typing.append(byte)
            if not self._marked:
                self._marked = True
                self.redactions += 1
                kept.append(REDACTED)
        return "".join(kept)
