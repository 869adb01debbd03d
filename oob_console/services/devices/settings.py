"""The [devices] config section: how many routers at once, how long to wait for one."""

from __future__ import annotations

from dataclasses import dataclass, field

from oob_console.core.timefmt import Duration


@dataclass(frozen=True)
class DevicesConfig:
    concurrency: int = field(default=50, metadata={"min": 1, "max": 2000})
    connect_timeout: Duration = field(default=Duration.parse("30s"),
                                      metadata={"min": 0.1, "max": 600, "seconds": True})
    command_timeout: Duration = field(default=Duration.parse("60s"),
                                      metadata={"min": 0.1, "max": 3600, "seconds": True})
    escape_char: str = "~"
    # How long one touch of the operator's key allows changes typed in an interactive session (a login
    # made with a touch counts from the login; an approved change intent sent with ~a renews it).
    session_touch_valid: Duration = field(default=Duration.parse("15m"), metadata={"min": 0, "max": 86400})
    # How long to wait for the device to echo a typed line before Enter is judged; a line the device does
    # not echo in that time is taken for a secret (a password prompt turned echo off).
    echo_wait: Duration = field(default=Duration.parse("1s"), metadata={"min": 0.05, "max": 10, "seconds": True})

    def validate(self) -> None:
        if len(self.escape_char) != 1 or not 0x20 < ord(self.escape_char) < 0x7F:
            raise ValueError("escape_char: one printable ASCII character, like '~'")
