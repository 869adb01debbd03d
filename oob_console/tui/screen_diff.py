"""A model of the terminal's screen that turns Textual's output into only what changed.

Textual redraws whole lines and writes every segment as ``ESC[<full style>m
text ESC[0m``: about three quarters of its bytes restate a style the terminal
already has. On a 9600-baud line that is the difference between a usable
console and thirty seconds per screen. :class:`ScreenDiff` sits on the
driver's output stream (see ``tui.driver``) and works like curses:

* Textual's output is applied to ``want``, a grid of (character, style) cells;
  cursor moves, SGR and text are interpreted, nothing is sent yet.
* At the end of each write (Textual writes one frame per call) ``want`` is
  compared with ``have``, what the terminal is known to show, and only the
  differing cells are sent, with the shortest cursor move and SGR change.
  A blank run at the end of a line becomes ``ESC[K``; a frame that changes
  most of the screen starts with ``ESC[2J``.
* A blank cell is compared only on what is visible in it (background,
  reverse, underline): its foreground or boldness cannot be seen.
* Sequences that are not drawing (modes, OSC) are passed through in order,
  except those a slow serial terminal has no use for: synchronized-update
  brackets, focus reporting, the kitty keyboard protocol, mode queries,
  hyperlinks and pointer shapes.

The first frame, and the first after a resize or an alternate-screen switch,
starts from an unknown screen and so clears it. No I/O happens here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rich.cells import cell_len

from oob_console.render.text import to_ascii

# One token of terminal output: CSI, OSC, other ESC, a text run, a control char.
_TOKEN = re.compile(
    r"\x1b\[([0-9:;?<>=]*)([ -/]*)([@-~])"
    r"|\x1b\]([^\x07\x1b]*)(?:\x07|\x1b\\)"
    r"|\x1b([^\[\]])"
    r"|([^\x1b\x00-\x1f\x7f]+)"
    r"|([\x00-\x1f\x7f])"
)
_INCOMPLETE_ESCAPE = re.compile(r"\x1b(\[[0-9:;?<>=]*[ -/]*|\][^\x07\x1b]*\x1b?)?\Z")

# Private modes and sequences dropped in low-bandwidth output (see module docstring).
_DROPPED_PRIVATE_MODES = frozenset({"2026", "1004", "2048"})
_DROPPED_OSC = ("8;", "22;")

_ATTR_CODES = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 8: "conceal", 9: "strike"}
_ATTR_OFF = {
    22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",),
    27: ("reverse",), 28: ("conceal",), 29: ("strike",),
}
_ATTR_ON_CODE = {name: str(code) for code, name in _ATTR_CODES.items()}


@dataclass(frozen=True)
class Style:
    """The SGR state of one cell; colours are kept as their SGR parameters."""

    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    blink: bool = False
    reverse: bool = False
    conceal: bool = False
    strike: bool = False
    fg: str | None = None
    bg: str | None = None

    def params(self) -> list[str]:
        out = [_ATTR_ON_CODE[name] for name in _ATTR_ON_CODE if getattr(self, name)]
        if self.fg:
            out.append(self.fg)
        if self.bg:
            out.append(self.bg)
        return out


PLAIN = Style()


@lru_cache(maxsize=1024)
def blank_style(style: Style) -> Style:
    """The part of ``style`` that shows in a blank cell."""
    if style.reverse:
        return Style(reverse=True, bold=style.bold, underline=style.underline, strike=style.strike, fg=style.fg,
                     bg=style.bg)
    if not (style.underline or style.strike or style.bg):
        return PLAIN
    return Style(underline=style.underline, strike=style.strike, bg=style.bg)


@lru_cache(maxsize=4096)
def apply_sgr(style: Style, params: str, *, colors: bool) -> Style:
    """``style`` after ``ESC[<params>m``; colour changes are ignored when ``colors`` is False."""
    parts = re.split("[;:]", params) if params else ["0"]
    changes: dict[str, object] = {}
    i = 0
    while i < len(parts):
        code = int(parts[i]) if parts[i].isdigit() else 0
        if code == 0:
            style, changes = PLAIN, {}
        elif code in _ATTR_CODES:
            changes[_ATTR_CODES[code]] = True
        elif code in _ATTR_OFF:
            for name in _ATTR_OFF[code]:
                changes[name] = False
        elif code in (38, 48):
            # 38;5;n or 38;2;r;g;b: consume the whole colour
            n = 3 if i + 1 < len(parts) and parts[i + 1] == "5" else 5
            value = ";".join(parts[i : i + n])
            i += n - 1
            if colors:
                changes["fg" if code == 38 else "bg"] = value
        elif code == 39 or code == 49:
            changes["fg" if code == 39 else "bg"] = None
        elif 30 <= code <= 37 or 90 <= code <= 97:
            if colors:
                changes["fg"] = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            if colors:
                changes["bg"] = str(code)
        i += 1
    return replace(style, **changes) if changes else style  # type: ignore[arg-type]


def sgr_transition(current: Style | None, target: Style) -> str:
    """The shortest SGR sequence taking the terminal from ``current`` to ``target``."""
    if current == target:
        return ""
    full = ";".join(target.params())
    reset = f"\x1b[0;{full}m" if full else "\x1b[m"
    if current is None:
        return reset
    lost = any(getattr(current, n) and not getattr(target, n) for n in _ATTR_ON_CODE)
    if lost or (current.fg and not target.fg) or (current.bg and not target.bg):
        return reset
    delta = [_ATTR_ON_CODE[n] for n in _ATTR_ON_CODE if getattr(target, n) and not getattr(current, n)]
    if target.fg != current.fg and target.fg:
        delta.append(target.fg)
    if target.bg != current.bg and target.bg:
        delta.append(target.bg)
    short = f"\x1b[{';'.join(delta)}m"
    return short if len(short) < len(reset) else reset


class ScreenDiff:
    """Filter one terminal's output stream; see the module docstring.

    Not thread-safe: one instance per driver, fed from one thread.
    """

    def __init__(self, width: int, height: int, *, colors: bool = True, ascii_only: bool = False) -> None:
        self.colors = colors
        self.ascii_only = ascii_only
        self.bytes_in = 0
        self.bytes_out = 0
        self._pending = ""
        self.resize(width, height)

    # -- state ---------------------------------------------------------------------------------

    def resize(self, width: int, height: int) -> None:
        """A new terminal size: the screen is unknown again and will be cleared and redrawn."""
        self.width, self.height = max(1, width), max(1, height)
        self._want_chars = [[" "] * self.width for _ in range(self.height)]
        self._want_styles = [[PLAIN] * self.width for _ in range(self.height)]
        self._forget()
        self._x = self._y = 0
        self._style = PLAIN  # the style Textual has set (affects text it writes next)
        self._cursor_visible = True
        self._want_cursor = (0, 0)

    def _forget(self) -> None:
        """The terminal's content, cursor and SGR state are no longer known."""
        self._have_chars: list[list[str]] | None = None
        self._have_styles: list[list[Style]] = []
        self._term_style: Style | None = None
        self._term_cursor: tuple[int, int] | None = None
        self._dirty: set[int] = set()

    # -- input: Textual's output ---------------------------------------------------------------

    def feed(self, data: str) -> str:
        """Interpret ``data`` and return what the terminal actually needs to receive."""
        self.bytes_in += len(data)
        data = self._pending + data
        self._pending = ""
        tail = _INCOMPLETE_ESCAPE.search(data)
        if tail:
            self._pending, data = data[tail.start() :], data[: tail.start()]
        out: list[str] = []
        for m in _TOKEN.finditer(data):
            if m.group(6) is not None:
                self._text(m.group(6))
            elif m.group(3) is not None:
                self._csi(m.group(1), m.group(2), m.group(3), out)
            elif m.group(7) is not None:
                self._control(m.group(7))
            elif m.group(4) is not None:
                if not self._dropped_osc(m.group(4)):
                    self._passthrough(m.group(0), out)
            else:
                self._passthrough(m.group(0), out)
        self._flush(out)
        result = "".join(out)
        self.bytes_out += len(result)
        return result

    def _dropped_osc(self, body: str) -> bool:
        return body.startswith(_DROPPED_OSC)

    def _text(self, text: str) -> None:
        y = self._y
        if not 0 <= y < self.height:
            return
        chars, styles = self._want_chars[y], self._want_styles[y]
        style = self._style
        shown = blank_style(style)
        x = self._x
        width = self.width
        if text.isascii():
            end = min(width, x + len(text))
            if x < end:
                chars[x:end] = text[: end - x]
                for i in range(x, end):
                    styles[i] = shown if chars[i] == " " else style
            x += len(text)
        else:
            for ch in text:
                w = cell_len(ch)
                if w == 0:
                    if 0 < x <= width:
                        chars[x - 1] += ch
                    continue
                if x + w <= width:
                    chars[x] = ch
                    styles[x] = shown if ch == " " else style
                    if w == 2:
                        chars[x + 1] = ""  # the right half of a wide character
                        styles[x + 1] = style
                x += w
        self._x = x
        self._want_cursor = (y, min(self._x, self.width - 1))
        self._dirty.add(y)

    def _control(self, ch: str) -> None:
        if ch == "\n":
            self._y = min(self.height - 1, self._y + 1)
        elif ch == "\r":
            self._x = 0
        elif ch == "\b":
            self._x = max(0, self._x - 1)

    def _csi(self, params: str, inter: str, final: str, out: list[str]) -> None:
        if final == "m" and not inter and not params.startswith(("?", ">", "<", "=")):
            self._style = apply_sgr(self._style, params, colors=self.colors)
            return
        if not inter and final in "HfABCDGd" and not params.startswith("?"):
            self._move(params, final)
            return
        if not inter and final in "JK" and not params.startswith("?"):
            self._erase(params, final)
            return
        if params.startswith("?") and final in "hl":
            modes = params[1:].split(";")
            if all(m in _DROPPED_PRIVATE_MODES for m in modes):
                return
            if "25" in modes:
                visible = final == "h"
                if modes == ["25"] and visible == self._cursor_visible and self._have_chars is not None:
                    return
                self._cursor_visible = visible
            alt_screen = "1049" in modes or "47" in modes or "1047" in modes
            if alt_screen and final == "l" and self._have_chars is not None:
                # A VT100 has no alternate screen: leave a clean one for the shell that follows.
                self._passthrough("\x1b[H\x1b[2J", out)
            self._passthrough(f"\x1b[{params}{final}", out)
            if alt_screen:
                self._forget()
            return
        if inter == "$" and final == "p":
            return  # mode queries (DECRQM): a serial terminal does not answer
        if final == "u" and params[:1] in (">", "<"):
            return  # kitty keyboard protocol push/pop
        self._passthrough(f"\x1b[{params}{inter}{final}", out)

    def _move(self, params: str, final: str) -> None:
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        first = nums[0] if nums and nums[0] else 1
        if final in "Hf":
            row = first
            col = nums[1] if len(nums) > 1 and nums[1] else 1
            self._y, self._x = row - 1, col - 1
        elif final == "A":
            self._y -= first
        elif final == "B":
            self._y += first
        elif final == "C":
            self._x += first
        elif final == "D":
            self._x -= first
        elif final == "G":
            self._x = first - 1
        elif final == "d":
            self._y = first - 1
        self._y = max(0, min(self.height - 1, self._y))
        self._x = max(0, min(self.width, self._x))
        self._want_cursor = (self._y, min(self._x, self.width - 1))

    def _erase(self, params: str, final: str) -> None:
        """ED (``J``) and EL (``K``): blank cells in the current background."""
        mode = min(int(params) if params.isdigit() else 0, 2)
        y, x, w = self._y, self._x, self.width
        spans: list[tuple[int, int, int]] = []
        if final == "K":
            spans.append((y, *((x, w), (0, x + 1), (0, w))[mode]))
        else:
            rows = (range(y + 1, self.height), range(0, y), range(0, self.height))[mode]
            spans.extend((r, 0, w) for r in rows)
            if mode < 2:
                spans.append((y, *((x, w), (0, x + 1))[mode]))
        shown = blank_style(Style(bg=self._style.bg))
        for row, a, b in spans:
            b = min(b, w)
            if 0 <= row < self.height and a < b:
                self._want_chars[row][a:b] = [" "] * (b - a)
                self._want_styles[row][a:b] = [shown] * (b - a)
                self._dirty.add(row)

    def _passthrough(self, seq: str, out: list[str]) -> None:
        """Send a non-drawing sequence in order: draw what came before it, in plain style."""
        self._flush(out)
        if self._term_style not in (None, PLAIN):
            out.append("\x1b[m")
            self._term_style = PLAIN
        out.append(seq)
        self._term_cursor = None  # save/restore, mode switches: do not trust the position

    # -- output: the differences ---------------------------------------------------------------

    def _flush(self, out: list[str]) -> None:
        if self._dirty:
            if self._have_chars is None or self._worth_clearing():
                self._clear(out)
            for y in sorted(self._dirty):
                self._row(y, out)
            self._dirty.clear()
        if self._have_chars is not None and self._cursor_visible and self._term_cursor != self._want_cursor:
            self._goto(*self._want_cursor, out)

    def _worth_clearing(self) -> bool:
        """Would clearing the screen and drawing every non-blank cell cost less than the changes?"""
        have_chars, have_styles = self._have_chars or [], self._have_styles
        changed = nonblank = 0
        for y in self._dirty:
            wc, ws, hc, hs = self._want_chars[y], self._want_styles[y], have_chars[y], have_styles[y]
            if wc == hc and ws == hs:
                continue
            changed += sum(1 for x in range(self.width) if wc[x] != hc[x] or ws[x] != hs[x])
            nonblank += sum(1 for x in range(self.width) if wc[x] != " " or ws[x] != PLAIN)
        return changed > self.width * self.height // 2 and nonblank < changed // 2

    def _clear(self, out: list[str]) -> None:
        self._set_style(PLAIN, out)
        out.append("\x1b[H\x1b[2J")
        self._term_cursor = (0, 0)
        self._have_chars = [[" "] * self.width for _ in range(self.height)]
        self._have_styles = [[PLAIN] * self.width for _ in range(self.height)]
        self._dirty = set(range(self.height))

    def _row(self, y: int, out: list[str]) -> None:
        wc, ws = self._want_chars[y], self._want_styles[y]
        hc, hs = (self._have_chars or [])[y], self._have_styles[y]
        if wc == hc and ws == hs:
            return
        width = self.width
        # Where the row's content ends; beyond it, erase rather than write spaces.
        end = width
        while end > 0 and wc[end - 1] == " " and ws[end - 1] == PLAIN:
            end -= 1
        stale_tail = sum(1 for x in range(end, width) if hc[x] != " " or hs[x] != PLAIN)
        erase_at = end if stale_tail > 3 else width
        x = 0
        while x < erase_at:
            if wc[x] == hc[x] and ws[x] == hs[x]:
                x += 1
                continue
            if wc[x] == "" and x > 0:
                x -= 1  # redraw a wide character from its left half
            self._approach(y, x, out)
            x += self._put(y, x, out)
        if erase_at < width:
            self._goto(y, erase_at, out)
            if self._term_style is None or blank_style(self._term_style) != PLAIN:
                self._set_style(PLAIN, out)
            out.append("\x1b[K")
            hc[erase_at:] = [" "] * (width - erase_at)
            hs[erase_at:] = [PLAIN] * (width - erase_at)

    def _approach(self, y: int, x: int, out: list[str]) -> None:
        """Bring the cursor to (y, x): re-send up to 4 unchanged cells if cheaper than a move."""
        cur = self._term_cursor
        if cur == (y, x):
            return
        if cur is not None and cur[0] == y and 0 < x - cur[1] <= 4:
            wc, ws = self._want_chars[y], self._want_styles[y]
            gap = range(cur[1], x)
            if all(len(wc[i]) == 1 and self._fits(wc[i], ws[i]) for i in gap):
                out.append("".join(self._glyph(wc[i]) for i in gap))
                self._term_cursor = (y, x)
                return
        self._goto(y, x, out)

    def _put(self, y: int, x: int, out: list[str]) -> int:
        """Write the cell at (y, x), the cursor being there; return the columns it covers."""
        wc, ws = self._want_chars[y], self._want_styles[y]
        hc, hs = (self._have_chars or [])[y], self._have_styles[y]
        ch, style = wc[x], ws[x]
        if not self._fits(ch, style):
            self._set_style(style, out)
        wide = x + 1 < self.width and wc[x + 1] == ""
        out.append(self._glyph(ch) + ("?" if wide and self.ascii_only else ""))
        hc[x], hs[x] = ch, style
        if wide:
            hc[x + 1], hs[x + 1] = "", ws[x + 1]
        cols = 2 if wide else 1
        self._term_cursor = (y, x + cols) if x + cols < self.width else None
        return cols

    def _glyph(self, ch: str) -> str:
        return to_ascii(ch[:1]) if self.ascii_only else ch

    def _fits(self, ch: str, style: Style) -> bool:
        """Can ``ch`` in ``style`` be written in the terminal's current SGR state?"""
        cur = self._term_style
        if cur is None:
            return False
        if cur == style:
            return True
        return ch == " " and blank_style(cur) == style

    def _set_style(self, style: Style, out: list[str]) -> None:
        seq = sgr_transition(self._term_style, style)
        if seq:
            out.append(seq)
        self._term_style = style

    def _goto(self, y: int, x: int, out: list[str]) -> None:
        if self._term_cursor == (y, x):
            return
        if x == 0:
            out.append("\x1b[H" if y == 0 else f"\x1b[{y + 1}H")
        else:
            out.append(f"\x1b[{y + 1};{x + 1}H")
        self._term_cursor = (y, x)
