"""The [devices] config section and the device paths, as config.example.toml documents them."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.config import parse_config
from oob_console.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_example_documents_and_sets_every_device_key() -> None:
    text = EXAMPLE.read_text()
    cfg = parse_config(text, EXAMPLE)
    assert cfg.paths.inventory == "inventory.toml" and cfg.paths.known_hosts == "known_hosts"
    assert cfg.paths.backups == "backups"
    assert (cfg.devices.concurrency, cfg.devices.connect_timeout.seconds, cfg.devices.escape_char) == (50, 30.0, "~")
    lines = text.splitlines()
    for key in ("concurrency", "connect_timeout", "command_timeout", "escape_char", "inventory", "known_hosts",
                "backups"):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
        assert lines[at - 1].startswith("#"), f"{key} has no comment above it"


@pytest.mark.parametrize(("body", "message"), [
    ("[devices]\nconcurrency = 0\n", "at least 1"),
    ("[devices]\nescape_char = \"~~\"\n", "one printable ASCII"),
    ("[devices]\nconnect_timout = 5\n", "unknown key"),
])
def test_bad_device_settings_are_rejected_with_their_line(body: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(body, Path("c.toml"))
    assert message in info.value.message and "c.toml:2" in (info.value.where or "")
