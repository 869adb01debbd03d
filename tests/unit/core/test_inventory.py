"""The inventory file: strict loading with file/key/line errors, validation, TOML round trip, merging."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.adapters.inventory_toml import InventoryFile, parse_inventory
from oob_console.core.devices.inventory import BgpSession, ConsolePort, Device, Inventory, Link
from oob_console.core.devices.inventory_merge import merge_inventory
from oob_console.core.schema import SecretRef, load_dataclass
from oob_console.core.toml_text import dump_toml
from oob_console.errors import ConfigError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
GOOD = f"""
[[console_servers]]
name = "cs1"
host = "10.0.9.1"
username = "oob"
host_keys = ["{KEY}"]

[[devices]]
name = "r1"
platform = "ios"
host = "10.0.0.1"
password = "file:/etc/oob/r1.pw"
site = "sjc1"

[devices.console]
kind = "ssh"
server = "cs1"
line = "port05"

[[devices.links]]
interface = "Te0/0/0"
peer_device = "r2"

[[devices.bgp]]
neighbor = "198.51.100.1"
peer_as = 65001
kind = "upstream"

[[devices]]
name = "r2"
platform = "junos"
host = "10.0.0.2"
"""


def test_a_good_inventory_loads() -> None:
    inv = parse_inventory(GOOD, "inv.toml")
    r1 = inv.get("r1")
    assert r1 is not None and r1.password == SecretRef("file", "/etc/oob/r1.pw")
    assert r1.console == ConsolePort(kind="ssh", server="cs1", line="port05")
    assert r1.links == (Link(interface="Te0/0/0", peer_device="r2"),)
    assert r1.bgp == (BgpSession(neighbor="198.51.100.1", peer_as=65001, kind="upstream"),)
    assert inv.console_server("cs1") is not None
    assert inv.console_server("cs1").ssh_user(r1.console) == "oob:port05"  # type: ignore[union-attr]
    assert [d.name for d in inv.at_site("sjc1")] == ["r1"]


@pytest.mark.parametrize(("change", "message", "key"), [
    (('platform = "junos"', 'platform = "vyos"'), "expected one of", "devices[1].platform"),
    (('host = "10.0.0.2"', 'host = "10.0.0.2"\nhostname = "x"'), "unknown key", "devices[1].hostname"),
    (('password = "file:/etc/oob/r1.pw"', 'password = "hunter2"'), "never written inline", "devices[0].password"),
    (('name = "r2"', 'name = "r1"'), "duplicate device name", "devices[1].name"),
    (('server = "cs1"', 'server = "cs9"'), "no [[console_servers]] entry", "devices[0].console.server"),
    (('peer_as = 65001', 'peer_as = "65001"'), "expected an integer", "devices[0].bgp[0].peer_as"),
    ((f'host_keys = ["{KEY}"]', 'host_keys = ["ssh-ed25519 AAAA"]'), "truncated", "console_servers[0].host_keys"),
])
def test_errors_name_file_key_and_line(change: tuple[str, str], message: str, key: str) -> None:
    text = GOOD.replace(*change, 1)
    lines = text.splitlines()
    line = max(i for i, x in enumerate(lines, start=1) if x == change[1].splitlines()[-1])
    with pytest.raises(ConfigError) as info:
        parse_inventory(text, "inv.toml")
    assert message in info.value.message
    assert (info.value.where or "").startswith(f"inv.toml:{line} key {key}")


def test_missing_file_is_empty_and_syntax_errors_are_config_errors(tmp_path: Path) -> None:
    assert InventoryFile(tmp_path / "none.toml").load() == Inventory()
    bad = tmp_path / "bad.toml"
    bad.write_text("[[devices]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        InventoryFile(bad).load()


def test_save_is_atomic_0600_and_keeps_the_previous_file(tmp_path: Path) -> None:
    store = InventoryFile(tmp_path / "inventory.toml")
    first = parse_inventory(GOOD, "x")
    store.save(first, header="first")
    store.save(Inventory(devices=first.devices[:1], console_servers=first.console_servers), header="second")
    assert (tmp_path / "inventory.toml").stat().st_mode & 0o777 == 0o600
    assert store.load().devices == first.devices[:1]
    assert parse_inventory((tmp_path / "inventory.toml.prev").read_text(), "prev") == first
    assert not list(tmp_path.glob(".*.tmp"))


names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@st.composite
def devices(draw: st.DrawFn) -> Device:
    return Device(
        name=draw(names), platform=draw(st.sampled_from(["frr", "ios", "iosxr", "junos", "eos"])),
        host=draw(names), port=draw(st.integers(1, 65535)), username=draw(texts), site=draw(texts),
        password=draw(st.none() | st.builds(SecretRef, st.just("env"), st.from_regex(r"[A-Z_]{1,8}", fullmatch=True))),
        tags=tuple(draw(st.lists(texts, max_size=3))),
        links=tuple(draw(st.lists(st.builds(Link, interface=texts, peer_device=st.none() | names), max_size=2))),
        bgp=tuple(draw(st.lists(st.builds(BgpSession, neighbor=texts, peer_as=st.integers(1, 2**32 - 1)),
                                max_size=2))),
        console=draw(st.none() | st.builds(ConsolePort, kind=st.just("serial"), line=st.just("/dev/ttyUSB0"))),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(devices(), max_size=4, unique_by=lambda d: d.name))
def test_toml_round_trip(devs: list[Device]) -> None:
    inv = Inventory(devices=tuple(devs))
    text = dump_toml(inv, "header\nline two")
    assert load_dataclass(Inventory, tomllib.loads(text)) == inv


def test_merge_keeps_local_knowledge() -> None:
    local = parse_inventory(GOOD, "x")
    imported = Inventory(devices=(
        Device(name="r1", platform="ios", host="10.9.9.1", host_keys=(KEY.replace("Jl", "Jm"),), role="core"),
        Device(name="r3", platform="eos", host="10.0.0.3"),
    ))
    merged, summary = merge_inventory(local, imported)
    r1 = merged.get("r1")
    assert r1 is not None and r1.host == "10.9.9.1" and r1.role == "core"
    assert r1.password == SecretRef("file", "/etc/oob/r1.pw") and r1.site == "sjc1" and r1.bgp
    assert len(r1.host_keys) == 1 + len(local.get("r1").host_keys)  # type: ignore[union-attr]
    assert (summary.added, summary.updated, summary.kept) == (["r3"], ["r1"], ["r2"])
    pruned, summary = merge_inventory(local, imported, prune=True)
    assert [d.name for d in pruned.devices] == ["r1", "r3"] and summary.removed == ["r2"]
    assert pruned.console_servers == local.console_servers
    same, summary = merge_inventory(merged, imported)
    assert same == merged and summary.unchanged == ["r1", "r3"]
