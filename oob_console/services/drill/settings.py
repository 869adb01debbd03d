"""The [drill] config section: the plan, the uplink targets, how long a step may take."""

from __future__ import annotations

from dataclasses import dataclass, field

from oob_console.core.timefmt import Duration


@dataclass(frozen=True)
class DrillConfig:
    plan: str = ""
    uplink: tuple[str, ...] = ()
    step_timeout: Duration = field(default=Duration.parse("60s"), metadata={"min": 1, "max": 3600, "seconds": True})
    # an SSH sk key passes the keys step when it approved a drill intent this recently (ssh-keygen -Y sign)
    sk_window: Duration = field(default=Duration.parse("24h"), metadata={"min": 60, "seconds": True})

    def validate(self) -> None:
        for i, target in enumerate(self.uplink):
            host, sep, port = target.rpartition(":")
            if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"uplink[{i}]: {target!r} is not HOST:PORT")
