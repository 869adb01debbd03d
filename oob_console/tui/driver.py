"""The low-bandwidth terminal driver: Textual's Linux driver with a :class:`ScreenDiff` on its output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.drivers.linux_driver import LinuxDriver

from oob_console.tui.screen_diff import ScreenDiff

if TYPE_CHECKING:
    from textual.app import App


class LowBandwidthDriver(LinuxDriver):
    """Sends only the cells that changed, in as few bytes as the terminal allows.

    ``colors`` and ``ascii_only`` are class attributes so a configured subclass
    can be handed to ``App(driver_class=...)`` (see :func:`low_bandwidth_driver`).
    """

    colors = True
    ascii_only = False

    def __init__(self, app: App[Any], *, debug: bool = False, mouse: bool = False,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__(app, debug=debug, mouse=False, size=size)
        width, height = size or super()._get_terminal_size()
        self.diff = ScreenDiff(width, height, colors=self.colors, ascii_only=self.ascii_only)
        self._new_size: tuple[int, int] | None = None

    def _get_terminal_size(self) -> tuple[int, int]:
        # Called from the SIGWINCH handler too: only note the size; write() applies it.
        size = super()._get_terminal_size()
        if hasattr(self, "diff") and size != (self.diff.width, self.diff.height):
            self._new_size = size
        return size

    def write(self, data: str) -> None:
        if self._new_size is not None:
            self.diff.resize(*self._new_size)
            self._new_size = None
        out = self.diff.feed(data)
        if out:
            super().write(out)


def low_bandwidth_driver(*, colors: bool, ascii_only: bool) -> type[LowBandwidthDriver]:
    """A driver class with these output options."""
    return type("LowBandwidthDriver", (LowBandwidthDriver,), {"colors": colors, "ascii_only": ascii_only})
