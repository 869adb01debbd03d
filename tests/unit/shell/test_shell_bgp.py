"""`bgp` in the line shell: the same status as `oob bgp status`, in plain lines."""

from __future__ import annotations

from pathlib import Path

from oob_console.wiring import Services
from tests.lab.bgp_site import bgp_site
from tests.lab.test_bgp_providers import aws_toml
from tests.unit.shell.test_session import session


def test_bgp_word_prints_sessions_prefixes_and_intents(tmp_path: Path) -> None:
    home = tmp_path / "site"
    bgp_site(home, aws_toml("http://127.0.0.1:9"))
    text = session(Services.from_config(str(home / "config.toml"), actor="test:alice"), "bgp\nq\n")
    assert "sessions:" in text and "prefixes:" in text and "open intents:" in text
    assert "aws" in text and "(none)" in text
