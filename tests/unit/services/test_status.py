from __future__ import annotations

from pathlib import Path

from oob_console.errors import UnavailableError
from oob_console.services.status.service import OVERVIEW, StatusItem, StatusService
from oob_console.wiring import Services


def test_lines_without_a_probe_say_so_and_never_show_a_value() -> None:
    items = StatusService({}).overview()
    assert [i.key for i in items] == [k for k, _, _ in OVERVIEW]
    assert all(i.state == "off" and i.tag == "--" and "not" in i.summary for i in items)


def test_a_failing_probe_is_a_fail_line_not_an_exception() -> None:
    def broken() -> StatusItem:
        raise UnavailableError("uplink down", hint="check the LTE modem")

    items = {i.key: i for i in StatusService({"uplink": broken}).overview()}
    assert items["uplink"].state == "fail" and items["uplink"].summary == "uplink down"
    assert items["uplink"].hint == "check the LTE modem"


def test_site_overview_measures_audit_and_runbooks(site: Path) -> None:
    app = Services.from_config(str(site / "config.toml"), actor="test:alice")
    items = {i.key: i for i in app.status.overview()}
    assert items["audit"].state == "ok" and "3 entries" in items["audit"].summary  # genesis, its seal, site.init
    assert items["runbooks"].state == "warn" and items["runbooks"].summary == "none in runbooks/"
    (site / "runbooks" / "a.md").write_text("# A\n", encoding="utf-8")
    assert app.status.overview()[-1].summary == "1 runbook in runbooks/"
    (site / "runbooks" / "a.md").unlink()
    (site / "runbooks").rmdir()
    assert app.status.overview()[-1].summary == "no folder runbooks/"


def test_a_broken_chain_is_a_fail_line(site: Path) -> None:
    app = Services.from_config(str(site / "config.toml"), actor="test:alice")
    app.audit.note("one")
    log = site / "audit.jsonl"
    log.write_text(log.read_text().replace('"one"', '"two"'))
    audit = next(i for i in app.status.overview() if i.key == "audit")
    assert audit.state == "fail" and "broken" in audit.summary and "line 4" in audit.summary


def test_an_empty_inventory_is_a_warning(site: Path) -> None:
    app = Services.from_config(str(site / "config.toml"), actor="test:alice")
    item = app.status.item("devices")
    assert item.state == "warn" and item.summary.startswith("no devices in")


def test_uplink_line_connects_to_each_target(site: Path) -> None:
    import socket

    from oob_console.adapters.host_linux import TcpProbe
    from oob_console.services.status.service import uplink_probe

    assert uplink_probe(TcpProbe(), ())().summary == "not checked: no uplink targets configured"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed = unused.getsockname()[1]
        both = uplink_probe(TcpProbe(), (f"127.0.0.1:{port}", f"127.0.0.1:{closed}"), timeout=2)()
        only_up = uplink_probe(TcpProbe(), (f"127.0.0.1:{port}",), timeout=2)()
    down = uplink_probe(TcpProbe(), (f"127.0.0.1:{closed}",), timeout=2)()
    assert both.state == "warn" and both.summary.startswith("1 of 2 targets answer")
    assert only_up.state == "ok" and "fastest in" in only_up.summary
    assert down.state == "fail" and down.summary.startswith("its one target does not answer: cannot connect")


def test_doctor_and_drill_lines_on_a_fresh_site(site: Path) -> None:
    app = Services.from_config(str(site / "config.toml"), actor="test:alice")
    doctor = app.status.item("doctor")
    report = app.doctor.run()
    assert doctor.summary.startswith(f"{report.counts.get('critical', 0)} critical, "
                                     f"{report.counts.get('warning', 0)} warnings")
    assert doctor.state == ("fail" if report.critical else "warn" if report.counts.get("warning") else "ok")
    drill = app.status.item("drill")
    assert (drill.state, drill.summary) == ("warn", "no passing drill on record")


def test_quick_overview_leaves_slow_lines_checking() -> None:
    calls: list[str] = []

    def probe(key: str) -> StatusItem:
        calls.append(key)
        return StatusItem(key, key, "ok", "measured")

    service = StatusService({"audit": lambda: probe("audit"), "doctor": lambda: probe("doctor")},
                            slow=frozenset({"doctor"}))
    items = {i.key: i for i in service.overview(quick=True)}
    assert items["doctor"].state == "wait" and items["doctor"].tag == ".." and calls == ["audit"]
    assert {i.key: i for i in service.overview()}["doctor"].summary == "measured"


def test_bgp_line_without_upstreams_says_so(site: Path) -> None:
    app = Services.from_config(str(site / "config.toml"), actor="test:alice")
    item = app.status.item("bgp")
    assert (item.state, item.summary) == ("off", "not configured: no [bgp.upstreams]")
