"""Which terminal profile the console UI uses: full Textual, or low-bandwidth.

Chosen before Textual is imported (so the refresh rate can be set through its
environment), from the terminal type, the tty the operator sits on, and the
command line. This module imports nothing from Textual, so ``oob shell`` and
unit tests stay cheap.

    --low-bandwidth / --full        the operator decides
    stdin is /dev/ttyS*, ttyUSB*, ttyACM*   serial console: low-bandwidth
    a line speed of 38400 baud or less      low-bandwidth, whatever TERM says (a console
                                            server port that reports TERM=xterm at 9600);
                                            on a pseudo-terminal only below 38400, which is
                                            the speed every Linux pty reports by default
    TERM vt100/vt102/vt220/linux/dumb       low-bandwidth
    otherwise                               full

Within low-bandwidth: no colour for TERM vt100/vt102/vt220/dumb (those
terminals have none) or when NO_COLOR is set, else the 16 ANSI colours; ASCII
only when the terminal is a VT-class one or the locale is not UTF-8.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Colors = Literal["full", "16", "none"]

SERIAL_TTY = re.compile(r"/dev/tty(S|USB|ACM)\d+")
LOW_BANDWIDTH_TERMS = ("vt100", "vt102", "vt220", "linux", "dumb")
COLOURLESS_TERMS = ("vt100", "vt102", "vt220", "dumb")
# Frames per second in low-bandwidth mode: a 9600-baud line moves ~960 B/s.
LOW_BANDWIDTH_FPS = 8


@dataclass(frozen=True)
class Profile:
    """How the UI draws itself; ``reason`` is shown to the operator (help, dashboard)."""

    low_bandwidth: bool
    colors: Colors = "full"
    ascii_only: bool = False
    reason: str = "default"
    send_changes_only: bool = True  # low-bandwidth output through ScreenDiff

    @property
    def name(self) -> str:
        return "low-bandwidth" if self.low_bandwidth else "full"

    def describe(self) -> str:
        if not self.low_bandwidth:
            return f"full ({self.reason})"
        colors = "no colour" if self.colors == "none" else "16 colours"
        chars = "ASCII" if self.ascii_only else "UTF-8"
        return f"low-bandwidth, {colors}, {chars} ({self.reason})"


FULL = Profile(low_bandwidth=False)


SLOW_LINE = 38400  # baud: at or below it a full Textual screen takes seconds to paint


def _is_pty(tty: str | None) -> bool:
    return bool(tty and tty.startswith("/dev/pts/"))


def line_speed(fd: int) -> int | None:
    """The output speed of the terminal on ``fd`` in baud (termios), None when it is not a terminal."""
    import termios

    try:
        code = termios.tcgetattr(fd)[5]
    except (termios.error, OSError, ValueError):
        return None
    for name in dir(termios):
        if name.startswith("B") and name[1:].isdigit() and getattr(termios, name) == code:
            return int(name[1:])
    return None


def _term_base(term: str) -> str:
    """``vt220-am`` -> ``vt220``; ``linux-16color`` -> ``linux``."""
    return term.split("-", 1)[0].lower()


def choose_profile(
    *,
    term: str | None,
    tty: str | None,
    low_bandwidth: bool | None = None,
    no_color: bool = False,
    utf8: bool = True,
    baud: int | None = None,
) -> Profile:
    """Pick the profile from facts about the terminal.

    Args:
        term: ``$TERM`` (None when unset).
        tty: the real path of the terminal on stdin (None when not a tty).
        low_bandwidth: True for ``--low-bandwidth``, False for ``--full``, None to decide.
        no_color: ``NO_COLOR`` is set.
        utf8: the locale's encoding is UTF-8.
        baud: the terminal line's output speed (termios), None when unknown.
    """
    base = _term_base(term or "dumb")
    on_serial = bool(tty and SERIAL_TTY.fullmatch(tty))
    if low_bandwidth is False:
        return Profile(low_bandwidth=False, reason="--full")
    if low_bandwidth:
        reason = "--low-bandwidth"
    elif on_serial:
        reason = f"serial console {tty}"
    elif baud is not None and 0 < baud <= SLOW_LINE and not (baud == SLOW_LINE and _is_pty(tty)):
        reason = f"line speed {baud} baud"
    elif base in LOW_BANDWIDTH_TERMS:
        reason = f"TERM={term or 'unset'}"
    else:
        return Profile(low_bandwidth=False, reason=f"TERM={term}")
    colorless = base in COLOURLESS_TERMS or no_color
    return Profile(
        low_bandwidth=True,
        colors="none" if colorless else "16",
        ascii_only=base in COLOURLESS_TERMS or not utf8,
        reason=reason,
    )


def detect_profile(low_bandwidth: bool | None, environ: Mapping[str, str] | None = None) -> Profile:
    """``choose_profile`` from this process's terminal and environment."""
    import locale
    import sys

    env = os.environ if environ is None else environ
    tty: str | None = None
    baud: int | None = None
    try:
        if sys.stdin.isatty():
            tty = os.path.realpath(os.ttyname(sys.stdin.fileno()))
            baud = line_speed(sys.stdin.fileno())
    except (OSError, ValueError):
        tty = None
    encoding = locale.getpreferredencoding(False).lower().replace("-", "")
    return choose_profile(
        term=env.get("TERM"),
        tty=tty,
        low_bandwidth=low_bandwidth,
        no_color="NO_COLOR" in env,
        utf8=encoding == "utf8",
        baud=baud,
    )


def textual_environment(profile: Profile) -> dict[str, str]:
    """Environment Textual reads at import time, for this profile."""
    if not profile.low_bandwidth:
        return {}
    return {
        "TEXTUAL_FPS": str(LOW_BANDWIDTH_FPS),
        "TEXTUAL_ANIMATIONS": "none",
        "TEXTUAL_COLOR_SYSTEM": "standard",
    }
