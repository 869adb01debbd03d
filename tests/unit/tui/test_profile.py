from __future__ import annotations

import pytest

from oob_console.tui.profile import choose_profile, textual_environment


@pytest.mark.parametrize(
    ("term", "tty", "flag", "low", "colors", "ascii_only"),
    [
        ("xterm-256color", "/dev/pts/3", None, False, "full", False),
        ("xterm-256color", "/dev/ttyS0", None, True, "16", False),
        ("xterm", "/dev/ttyUSB1", None, True, "16", False),
        ("xterm", "/dev/ttyACM0", None, True, "16", False),
        ("vt100", "/dev/pts/1", None, True, "none", True),
        ("vt220", None, None, True, "none", True),
        ("linux", "/dev/tty1", None, True, "16", False),
        ("dumb", None, None, True, "none", True),
        (None, None, None, True, "none", True),
        ("xterm-256color", "/dev/pts/3", True, True, "16", False),
        ("vt100", "/dev/ttyS0", False, False, "full", False),
        ("xterm", "/dev/ttyS10x", None, False, "full", False),
    ],
)
def test_profile_choice(term: str | None, tty: str | None, flag: bool | None, low: bool, colors: str,
                        ascii_only: bool) -> None:
    p = choose_profile(term=term, tty=tty, low_bandwidth=flag)
    assert (p.low_bandwidth, p.colors, p.ascii_only) == (low, colors, ascii_only)


def test_no_color_and_non_utf8_locale() -> None:
    p = choose_profile(term="linux", tty=None, no_color=True, utf8=False)
    assert (p.colors, p.ascii_only) == ("none", True)
    assert "TERM=linux" in p.describe() and "no colour" in p.describe()


def test_textual_is_told_to_slow_down_only_in_low_bandwidth() -> None:
    assert textual_environment(choose_profile(term="xterm", tty=None)) == {}
    env = textual_environment(choose_profile(term="vt100", tty=None))
    assert env["TEXTUAL_ANIMATIONS"] == "none" and int(env["TEXTUAL_FPS"]) <= 10


@pytest.mark.parametrize(("baud", "tty", "low"), [
    (9600, "/dev/pts/3", True),  # a console server port at 9600 that says TERM=xterm
    (19200, "/dev/ttyAMA0", True),
    (38400, "/dev/ttyAMA0", True),
    (38400, "/dev/pts/3", False),  # every Linux pty reports 38400: that says nothing about the link
    (115200, "/dev/ttyAMA0", False),
    (None, "/dev/pts/3", False),
])
def test_the_line_speed_decides_not_only_the_terminal_name(baud: int | None, tty: str, low: bool) -> None:
    p = choose_profile(term="xterm", tty=tty, baud=baud)
    assert p.low_bandwidth is low
    if low:
        assert f"line speed {baud} baud" in p.describe()


def test_line_speed_reads_the_terminal_itself() -> None:
    import os
    import pty
    import termios

    from oob_console.tui.profile import line_speed

    master, slave = pty.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[4] = attrs[5] = termios.B9600
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        assert line_speed(slave) == 9600
        assert line_speed(os.open(os.devnull, os.O_RDONLY)) is None
    finally:
        os.close(master)
        os.close(slave)
