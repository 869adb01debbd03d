"""`oob doctor`'s report and the TUI tree's leaves come from the same findings text."""

from __future__ import annotations

from oob_console.core.doctor import Finding, HostFacts, Route, judge
from oob_console.render.doctor import doctor_text, finding_details, verdict_line
from tests.unit.core.test_doctor import PROD, ep


def test_report_text_for_an_80_column_ascii_terminal() -> None:
    facts = HostFacts(endpoints=(ep(), ep("10.20.5.5", Route("10.20.5.5", dev="prod0"), name="pd")),
                      problems=("cannot read /etc/resolv.conf: Permission denied",), time_sources=("chrony.conf",))
    report = judge(facts, PROD)
    text = doctor_text(report, "sjc1")
    assert text.splitlines()[0] == "oob doctor: site sjc1: 1 critical, 1 warning, 2 info, 1 ok"
    assert "  CRIT  pd (10.20.5.5:443)" in text and "  ok    matrix (192.0.2.10:443): 192.0.2.10 via" in text
    assert text.isascii()
    assert verdict_line(report) == "1 critical, 1 warning, 1 ok: a critical dependency crosses production"


def test_a_problem_has_its_path_what_is_wrong_and_the_fix() -> None:
    f = Finding("warning", "comms", "matrix", "via prod0", "crosses production", "route it over oob0")
    assert finding_details(f) == ["path: via prod0", "crosses production", "fix: route it over oob0"]
    assert finding_details(Finding("ok", "comms", "matrix", "via oob0")) == ["path: via oob0"]
