"""What every view shares: cutting and folding lines, escaping untrusted text, the VT100 fallback."""

from __future__ import annotations

import re
import textwrap


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ``...`` marking a cut."""
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def wrapped(lines: list[str], width: int) -> list[str]:
    """``lines`` folded to ``width`` columns; a folded line's rest is indented under its start, two deeper."""
    out: list[str] = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
        out.extend(textwrap.wrap(line, max(width, len(indent) + 10), subsequent_indent=indent,
                                 break_on_hyphens=False) or [""])
    return out


# Characters that reorder text (bidi embeddings, overrides, isolates, marks): shown as codes.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown(ch: str, keep: str) -> str:
    code = ord(ch)
    if ch in keep:
        return ch
    if code < 0x20:
        return "^" + chr(code + 0x40)  # ESC -> ^[, BEL -> ^G, CR -> ^M
    if code == 0x7F:
        return "^?"
    if 0x80 <= code < 0xA0 or ch in _BIDI or not ch.isprintable():
        return f"<U+{code:04X}>"  # C1 controls (CSI 0x9b...), bidi controls, format and unassigned characters
    return ch


def printable(value: object, *, multiline: bool = False) -> str:
    """``value`` as text a terminal shows and does not obey: the one sanitiser.

    For every text that comes from outside the code (notes, intent text, user and
    device names, runbooks, device output shown outside an interactive session,
    audit details, error messages), in the CLI, the shell and the TUI alike.
    Control characters become ``^[``-style carets, C1 controls, bidi overrides and
    isolates and other invisible characters ``<U+202E>``-style codes: plain ASCII,
    so a VT100 shows them too. A requester's text cannot move the cursor, set the
    reader's clipboard (OSC 52), erase lines or reverse text. ``multiline`` keeps
    newlines and tabs. Idempotent: sanitised text stays as it is.
    """
    text = str(value)
    keep = "\n\t" if multiline else ""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_shown(ch, keep) for ch in text)


_JSON_UNSAFE = re.compile("[\u0080-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")


def json_safe(text: str) -> str:
    """JSON text (``ensure_ascii=False``) with C1, bidi and invisible characters as ``\\uXXXX`` escapes.

    They can only occur inside JSON strings, so the value is unchanged; a terminal
    showing the JSON no longer obeys them (json.dumps already escapes C0 controls).
    """
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_ASCII = {
    **dict.fromkeys("─━═╌╍┄┅┈┉▁▔⎯", "-"),
    **dict.fromkeys("│┃║╎╏┆┇┊┋▏▕", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╰╯┏┓┗┛┣┫┳┻╋╔╗╚╝╠╣╦╩╬╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫", "+"),
    **dict.fromkeys("█▉▊▋▌▍▎▐▀▄▂▃▅▆▇■▪", "#"),
    **dict.fromkeys("•·●◦∙", "*"),
    "▲": "^", "▼": "v", "◀": "<", "▶": ">", "▸": ">", "◂": "<", "▴": "^", "▾": "v", "←": "<", "→": ">",
    "↑": "^", "↓": "v", "…": "~", "✓": "v", "✔": "v", "✗": "x", "✘": "x", "⚠": "!", "\u00a0": " ",
    "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "×": "x",
}


def to_ascii(char: str) -> str:
    """One printable ASCII stand-in for a character a VT100 cannot show."""
    if char.isascii():
        return char
    return _ASCII.get(char, "?")


def ascii_text(text: str) -> str:
    """``text`` with every non-ASCII character replaced (same length, one column each)."""
    return text if text.isascii() else "".join(to_ascii(c) for c in text)
