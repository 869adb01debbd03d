"""The [audit] config section, as the audit log's wiring receives it."""

from __future__ import annotations

from dataclasses import dataclass, field

from oob_console.core.timefmt import Duration


@dataclass(frozen=True)
class AuditConfig:
    checkpoint_every: int = field(default=1000, metadata={"min": 1, "max": 10_000_000})
    checkpoint_interval: Duration = field(default=Duration.parse("1h"), metadata={"min": 1})
    sealing_key: str = "audit-sealing.key"
    signing_key: str = "audit-signing.key"
