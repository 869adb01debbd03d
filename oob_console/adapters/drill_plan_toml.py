"""Drill plan files (TOML): ``name`` and ``[[steps]]`` with ``kind``, ``targets``, ``timeout``."""

from __future__ import annotations

from pathlib import Path

from oob_console.config import parse_toml_model
from oob_console.core.drill import Plan
from oob_console.errors import ConfigError


def load_plan(path: Path) -> Plan:
    """Read and validate a plan.

    Raises:
        ConfigError: missing, unreadable or invalid (naming file, key and line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the drill plan: {exc}", where=str(path),
                          hint="check --plan or drill.plan") from None
    return parse_toml_model(Plan, text, path, hint="see deploy/drill.example.toml")
