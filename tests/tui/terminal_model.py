"""A small VT100-style terminal written for the tests: the oracle the screen diff is checked against.

Independent of ``oob_console.tui.screen_diff`` on purpose: it interprets a
byte stream the way a terminal does (autowrap off, as Textual sets it) and
reports what a person would see. It also reads ``tmux capture-pane -e``.
"""

from __future__ import annotations

import re

_SEQ = re.compile(r"\x1b\[([0-9;:?<>=]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.|(.)", re.DOTALL)
Cell = tuple[str, frozenset[str], str, str]  # char, attributes, fg, bg
BLANK: Cell = (" ", frozenset(), "", "")
_NAMES = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 8: "conceal", 9: "strike"}


def visible(cell: Cell) -> Cell:
    """What can be seen of a cell: a blank shows only its background, reverse, underline, strike."""
    ch, attrs, fg, bg = cell
    if ch != " ":
        return cell
    if "reverse" in attrs:
        return (" ", attrs & {"reverse", "bold", "underline", "strike"}, fg, bg)
    return (" ", attrs & {"underline", "strike"}, "", bg)


class Terminal:
    def __init__(self, width: int, height: int, fill: str = " ") -> None:
        self.width, self.height = width, height
        self.cells: list[list[Cell]] = [[(fill, frozenset(), "", "")] * width for _ in range(height)]
        self.x = self.y = 0
        self.attrs: frozenset[str] = frozenset()
        self.fg = self.bg = ""

    def sgr(self, params: str) -> None:
        codes = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", params)] if params else [0]
        attrs, i = set(self.attrs), 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                attrs, self.fg, self.bg = set(), "", ""
            elif c in _NAMES:
                attrs.add(_NAMES[c])
            elif c == 22:
                attrs -= {"bold", "dim"}
            elif 23 <= c <= 29:
                attrs.discard(_NAMES.get(c - 20, ""))
            elif c in (38, 48):
                n = 3 if i + 1 < len(codes) and codes[i + 1] == 5 else 5
                value = ";".join(str(v) for v in codes[i : i + n])
                self.fg, self.bg = (value, self.bg) if c == 38 else (self.fg, value)
                i += n - 1
            elif c == 39:
                self.fg = ""
            elif c == 49:
                self.bg = ""
            elif 30 <= c <= 37 or 90 <= c <= 97:
                self.fg = str(c)
            elif 40 <= c <= 47 or 100 <= c <= 107:
                self.bg = str(c)
            i += 1
        self.attrs = frozenset(attrs)

    def feed(self, data: str) -> None:
        for m in _SEQ.finditer(data):
            ch = m.group(4)
            if ch is not None:
                self.put(ch)
                continue
            params, inter, final = m.group(1), m.group(2), m.group(3)
            if final is None or inter or (params or "").startswith(("?", ">", "<", "=")):
                continue
            n = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
            first = n[0] if n and n[0] else 1
            if final == "m":
                self.sgr(params)
            elif final in "Hf":
                self.y, self.x = first - 1, (n[1] if len(n) > 1 and n[1] else 1) - 1
            elif final in "ABCD":
                dy, dx = {"A": (-first, 0), "B": (first, 0), "C": (0, first), "D": (0, -first)}[final]
                self.y, self.x = self.y + dy, self.x + dx
            elif final == "G":
                self.x = first - 1
            elif final == "d":
                self.y = first - 1
            elif final == "J":
                mode = n[0] if n else 0
                rows = {0: range(self.y + 1, self.height), 1: range(self.y), 2: range(self.height)}[mode]
                for r in rows:
                    self.erase(r, 0, self.width)
                if mode == 0:
                    self.erase(self.y, self.x, self.width)
                elif mode == 1:
                    self.erase(self.y, 0, self.x + 1)
            elif final == "K":
                mode = n[0] if n else 0
                a, b = {0: (self.x, self.width), 1: (0, self.x + 1), 2: (0, self.width)}[mode]
                self.erase(self.y, a, b)
            self.y = max(0, min(self.height - 1, self.y))
            self.x = max(0, min(self.width - 1, self.x))

    def erase(self, row: int, a: int, b: int) -> None:
        for x in range(a, min(b, self.width)):
            self.cells[row][x] = (" ", frozenset(), "", self.bg)

    def put(self, ch: str) -> None:
        if ch == "\n":
            self.y = min(self.height - 1, self.y + 1)
        elif ch == "\r":
            self.x = 0
        elif ch >= " ":
            self.cells[self.y][self.x] = (ch, self.attrs, self.fg, self.bg)
            self.x = min(self.width - 1, self.x + 1)  # autowrap off: stay in the last column

    def screen(self) -> list[list[Cell]]:
        return [[visible(c) for c in row] for row in self.cells]

    def text(self) -> str:
        return "\n".join("".join(c[0] for c in row).rstrip() for row in self.cells)


def from_capture(capture: str, width: int, height: int) -> Terminal:
    """The screen ``tmux capture-pane -e -p -N`` printed, as a Terminal."""
    term = Terminal(width, height)
    for y, line in enumerate(capture.split("\n")[:height]):
        term.y, term.x = y, 0
        term.feed(line)  # attributes carry over from the previous line, as tmux prints them
    return term
