"""Target selection and the gate (the command guard's hook) for `oob run`."""

from __future__ import annotations

from collections.abc import Sequence

from oob_console.core.inventory import Device, Inventory
from oob_console.core.runs import DeviceResult, GateVerdict, gate_or_refusal, read_only_gate, select_devices, tally

INV = Inventory(devices=(
    Device(name="r1", platform="frr", host="h1", site="sjc1", role="core"),
    Device(name="r2", platform="junos", host="h2", site="sjc1", role="edge"),
    Device(name="r3", platform="ios", host="h3", site="lax1", role="core"),
))


def test_select_by_name_site_role_and_all() -> None:
    assert [d.name for d in select_devices(INV, ["r3", "r1", "r3"]).devices] == ["r1", "r3"]
    assert [d.name for d in select_devices(INV, site="sjc1").devices] == ["r1", "r2"]
    assert [d.name for d in select_devices(INV, site="sjc1", role="core").devices] == ["r1"]
    assert [d.name for d in select_devices(INV, ["r3"], role="edge").devices] == ["r2", "r3"]
    assert len(select_devices(INV, everything=True).devices) == 3
    assert select_devices(INV, ["r9", "r1"]).unknown == ("r9",)


def test_read_only_gate_names_platforms_and_devices() -> None:
    ok = read_only_gate("show version", INV.devices, INV)
    assert ok.allowed and ok.checker == "read-only"
    no = read_only_gate("show running-config | section bgp", INV.devices, INV)
    assert not no.allowed  # IOS has that filter; FRR and Junos do not
    assert [r.split(":")[0] for r in no.reasons] == ["r1", "r2"]
    no = read_only_gate("clear ip bgp *", INV.devices, INV)
    assert [r.split(":")[0] for r in no.reasons] == ["r1", "r3", "r2"]  # one line per platform


def test_a_gate_that_raises_or_misbehaves_refuses() -> None:
    def broken(command: str, devices: Sequence[Device], inventory: Inventory) -> GateVerdict:
        raise RuntimeError("rules file unreadable")

    verdict = gate_or_refusal(broken, "show version", INV.devices, INV)
    assert not verdict.allowed and "could not run" in verdict.reasons[0] and verdict.checker == "error"
    verdict = gate_or_refusal(lambda c, d, i: True, "show version", INV.devices, INV)  # type: ignore[arg-type, return-value]
    assert not verdict.allowed


def test_tally_lists_every_status() -> None:
    counts = tally([DeviceResult("a", "ok"), DeviceResult("b", "dropped"), DeviceResult("c", "ok")])
    assert counts["ok"] == 2 and counts["dropped"] == 1 and counts["hostkey"] == 0


def test_target_words() -> None:
    import pytest

    from oob_console.core.runs import TargetWords, parse_target_words

    assert parse_target_words("r1 r2") == TargetWords(("r1", "r2"))
    assert parse_target_words(" site:sjc1 role:core ") == TargetWords(site="sjc1", role="core")
    assert parse_target_words("all") == TargetWords(everything=True)
    with pytest.raises(ValueError, match="no devices"):
        parse_target_words("  ")
