"""Target selection and per-device results for `oob run` (the guard in front of it: services/test_runs.py)."""

from __future__ import annotations

from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.devices.runs import DeviceResult, select_devices, tally

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


def test_tally_lists_every_status() -> None:
    counts = tally([DeviceResult("a", "ok"), DeviceResult("b", "dropped"), DeviceResult("c", "ok")])
    assert counts["ok"] == 2 and counts["dropped"] == 1 and counts["hostkey"] == 0


def test_target_words() -> None:
    import pytest

    from oob_console.core.devices.runs import TargetWords, parse_target_words

    assert parse_target_words("r1 r2") == TargetWords(("r1", "r2"))
    assert parse_target_words(" site:sjc1 role:core ") == TargetWords(site="sjc1", role="core")
    assert parse_target_words("all") == TargetWords(everything=True)
    with pytest.raises(ValueError, match="no devices"):
        parse_target_words("  ")
