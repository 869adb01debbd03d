"""The [audit] config section, as the audit log's wiring receives it."""

from __future__ import annotations

from dataclasses import dataclass, field

from oob_console.core.timefmt import Duration


@dataclass(frozen=True)
class AuditConfig:
    """``checkpoint_every``/``checkpoint_interval``: seal at least this often (see docs/audit.md)."""

    # 0 (once "never checkpoint") is kept valid for old configs and means the default: seals cannot be turned off
    checkpoint_every: int = field(default=1000, metadata={"min": 0, "max": 10_000_000})
    checkpoint_interval: Duration = field(default=Duration.parse("1h"), metadata={"min": 1})
    sealing_key: str = "audit-sealing.key"
    signing_key: str = "audit-signing.key"


DEFAULT_CHECKPOINT_EVERY = 1000


def seal_every(cfg: AuditConfig) -> int:
    """Entries between seals: the configured number, or the default for 0."""
    return cfg.checkpoint_every or DEFAULT_CHECKPOINT_EVERY
