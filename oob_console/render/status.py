"""The dashboard's lines: one a status item, the same in the TUI and the line shell."""

from __future__ import annotations

from oob_console.render.text import cut
from oob_console.services.status import StatusItem

LABEL_WIDTH = 18


def status_summary(item: StatusItem) -> str:
    return item.summary if not item.hint or item.state == "off" else f"{item.summary} - {item.hint}"


def status_line(item: StatusItem, width: int) -> str:
    """``Label  [TAG ] summary``: the tag carries the meaning; colour, where there is any, repeats it."""
    head = f"{item.label:<{LABEL_WIDTH}} [{item.tag:^4}] "
    return head + cut(status_summary(item), width - len(head))
