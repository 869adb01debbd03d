"""The screen model the session guard reads typed lines from (pyte)."""

from __future__ import annotations

from oob_console.adapters.screen_pyte import PyteScreen


def test_the_screen_model_reads_the_line_the_device_shows() -> None:
    screen = PyteScreen(20, 5)
    screen.feed(b"r1# ")
    assert screen.cursor_line() == "r1# "
    screen.feed(b"conf t\r\nr1(config)# no router bgp 64512")  # wraps over two rows of 20
    assert screen.cursor_line() == "r1(config)# no router bgp 64512"
    screen.feed(b"\x08\x08\x1b[K99")  # the device's own line editing
    assert screen.cursor_line() == "r1(config)# no router bgp 64599"
    for _ in range(10):
        screen.feed(b"\r\nline")  # scrolling keeps the cursor's line
    assert screen.cursor_line() == "line"
