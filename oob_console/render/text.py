"""What every view shares: cutting and folding lines, escaping untrusted text, the VT100 fallback."""

from __future__ import annotations

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


def printable(value: object) -> str:
    """``value`` as text with control and format characters escaped.

    Approvers read this before touching a key: a requester's text must not be
    able to move the cursor, erase lines or reverse text on their terminal.
    """
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(value))


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
