"""A model of the operator's screen during a session (pyte): what line the device has echoed.

The session guard reads the command from here, not from the keystrokes: the
device's own completion, ``?`` help redraws, backspaces and line editing are
applied exactly as the terminal shows them.
"""

from __future__ import annotations

import pyte

MAX_WRAPPED_ROWS = 16  # a command wrapped over more rows than this is read from its last 16


class PyteScreen:
    def __init__(self, cols: int, rows: int) -> None:
        self._screen = pyte.Screen(max(cols, 2), max(rows, 2))
        self._stream = pyte.ByteStream(self._screen)

    def feed(self, data: bytes) -> None:
        self._stream.feed(data)

    def resize(self, cols: int, rows: int) -> None:
        self._screen.resize(max(rows, 2), max(cols, 2))

    def cursor_line(self) -> str:
        """The line the cursor is on, with the rows it wrapped from (a full row above continues it)."""
        display = self._screen.display
        y = self._screen.cursor.y
        top = y
        while top > 0 and y - top < MAX_WRAPPED_ROWS and display[top - 1][-1:] not in ("", " "):
            top -= 1
        row = display[y]
        # Up to the cursor at least: the blank after a prompt is the prompt's ("r1# "), blanks past it are not.
        return "".join(display[top:y]) + row[:max(self._screen.cursor.x, len(row.rstrip()))]
