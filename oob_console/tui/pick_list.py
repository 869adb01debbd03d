"""An option list that marks the cursor with ``>`` in low-bandwidth mode.

Moving a highlight bar re-sends two whole rows (Textual 8 also ignores
``text-style: reverse`` on option-list components, so on a colourless VT100 a
bar would not show at all). A marker in the left margin is visible on any
terminal and costs two cells per key.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widgets import OptionList

MARKER_FOCUSED = Style(reverse=True, bold=True)
MARKER_BLURRED = Style(bold=True)


class PickList(OptionList):
    """``OptionList``; with ``marker=True`` the cursor is a ``>`` in a 2-column left margin."""

    DEFAULT_CSS = """
    PickList.-marker > .option-list--option {
        padding: 0 0 0 2;
    }
    """

    def __init__(self, *, marker: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.marker = marker
        self.set_class(marker, "-marker")

    @property
    def text_width(self) -> int:
        """Columns an option's text has (0 before the first layout)."""
        return max(0, self.scrollable_content_region.width - (2 if self.marker else 0))

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not self.marker:
            return strip
        try:
            index, line_offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return strip
        if index != self.highlighted or line_offset != 0 or strip.cell_length < 2:
            return strip
        style = MARKER_FOCUSED if self.has_focus else MARKER_BLURRED
        return Strip.join([Strip([Segment(">", style), Segment(" ")], 2), strip.crop(2)])
