"""The one sanitiser (render.text.printable), and an OSC 52 note shown neutralised by every front end."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.render.text import json_safe, printable
from oob_console.shell.session import LineShell
from oob_console.wiring import Services
from tests.conftest import run_oob

# Set the reader's clipboard (OSC 52), move the cursor up, erase the line, C1 CSI, a right-to-left override.
HOSTILE = "ok\x1b]52;c;cm0gLXJmIC8=\x07\x1b[1A\x1b[2K\x9b31m\u202eevil\u2066x\r"


def test_classes_of_characters_are_shown_not_obeyed() -> None:
    assert printable("a\x1bb\x07c\x00\x7f") == "a^[b^Gc^@^?"
    assert printable("\x9b\x85") == "<U+009B><U+0085>"
    assert printable("\u202e\u202d\u2066\u2069\u200f\u061c") == "<U+202E><U+202D><U+2066><U+2069><U+200F><U+061C>"
    assert printable("zero\u200bwidth\ufeff") == "zero<U+200B>width<U+FEFF>"
    assert printable("a\nb\tc") == "a^Jb^Ic"
    assert printable("a\nb\tc\r", multiline=True) == "a\nb\tc^M"
    assert printable("Grüße, 東京") == "Grüße, 東京"  # printable text is left alone


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_sanitised_text_holds_no_control_and_is_stable(text: str) -> None:
    out = printable(text, multiline=True)
    assert all(ch in "\n\t" or (ch.isprintable() and not 0x80 <= ord(ch) < 0xA0 and ch not in "\u202e\u2066")
               for ch in out)
    assert printable(out, multiline=True) == out


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_json_safe_keeps_the_value(text: str) -> None:
    dumped = json_safe(json.dumps({"t": text}, ensure_ascii=False))
    assert json.loads(dumped) == {"t": text}
    assert not any(0x80 <= ord(ch) < 0xA0 or ch in "\u202e\u2066" for ch in dumped)


def _neutral(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\r" not in text


def test_osc52_note_is_neutralised_by_audit_show(site: Path) -> None:
    assert run_oob("note", HOSTILE, home=site).returncode == 0
    shown = run_oob("audit", "show", home=site)
    assert shown.returncode == 0
    _neutral(shown.stdout)
    assert "ok^[]52;c;cm0gLXJmIC8=^G^[[1A^[[2K<U+009B>31m<U+202E>evil<U+2066>x^M" in shown.stdout
    as_json = run_oob("audit", "show", "--json", home=site)
    _neutral(as_json.stdout)
    assert any(e["details"].get("text") == HOSTILE for e in json.loads(as_json.stdout)["result"])  # value intact


def test_osc52_note_is_neutralised_by_the_shell(site: Path) -> None:
    services = Services.from_config(str(site / "config.toml"), actor="test:alice")
    services.audit.note(HOSTILE)
    out = io.StringIO()
    assert LineShell(services, io.StringIO("log\n1\nq\nq\n"), out).run() == 0
    text = out.getvalue()
    _neutral(text)
    assert "ok^[]52;c;" in text
