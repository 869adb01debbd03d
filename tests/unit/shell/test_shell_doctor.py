"""`doctor` in the line-mode shell: the same report as `oob doctor`, a screenful at a time."""

from __future__ import annotations

import io
from pathlib import Path

from oob_console.shell.session import LineShell
from oob_console.wiring import Services


def test_doctor_word_prints_the_report_paged(site: Path) -> None:
    cfg = site / "config.toml"
    cfg.write_text(cfg.read_text() + '\n[production]\nprefixes = ["192.0.2.77/32"]\n'
                   '[[doctor.endpoints]]\nname = "lg"\nhost = "192.0.2.77"\nport = 443\n')
    services = Services.from_config(str(cfg), actor="test:alice")
    out = io.StringIO()
    shell = LineShell(services, io.StringIO("\n" * 20 + "q\n"), out, height=12)
    shell.dispatch("doctor")
    text = out.getvalue()
    assert text.startswith("oob doctor: site test: 1 critical")
    assert "  CRIT  lg (192.0.2.77:443)" in text and "lines: Enter for more, q stops" in text
    help_out = io.StringIO()
    LineShell(services, io.StringIO(""), help_out).help()
    assert "doctor: does anything the console needs cross production?" in help_out.getvalue()
