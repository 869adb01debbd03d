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

    def validate(self) -> None:
        if len(self.escape_char) != 1 or not 0x20 < ord(self.escape_char) < 0x7F:
            raise ValueError("escape_char: one printable ASCII character, like '~'")
