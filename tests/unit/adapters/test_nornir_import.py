"""Nornir SimpleInventory import: inheritance, platform names, secrets never inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from oob_console.adapters.importers.nornir import import_nornir
from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError


def test_hosts_groups_defaults(tmp_path: Path) -> None:
    (tmp_path / "hosts.yaml").write_text("""
r1:
  hostname: 10.0.0.1
  groups: [core, sjc1]
  data: {role: spine}
r2:
  hostname: 10.0.0.2
  platform: juniper_junos
  password: hunter2
  groups: [sjc1]
r3:
  groups: [sjc1]
  platform: vyos
r4:
  hostname: 10.0.0.4
  platform: eos
  port: 70000
""")
    (tmp_path / "groups.yaml").write_text("""
core:
  platform: cisco_xe
  groups: [vault]
  data: {role: core, tags: [backbone]}
sjc1:
  data: {site: sjc1}
  platform: frr
vault:
  password: "env:CORE_PW"
""")
    (tmp_path / "defaults.yaml").write_text("username: netops\nport: 22\ndata: {site: default}\n")
    inv, warnings = import_nornir(tmp_path / "hosts.yaml", tmp_path / "groups.yaml", tmp_path / "defaults.yaml")
    r1, r2 = inv.get("r1"), inv.get("r2")
    assert r1 is not None and r2 is not None
    assert (r1.platform, r1.host, r1.username, r1.site, r1.role) == ("ios", "10.0.0.1", "netops", "sjc1", "spine")
    assert r1.tags == ("backbone",) and r1.password == SecretRef("env", "CORE_PW")
    assert r2.platform == "junos" and r2.password is None
    assert [d.name for d in inv.devices] == ["r1", "r2"]
    assert any(w.startswith("r2: inline password not imported") for w in warnings)
    assert any(w.startswith("r3: skipped, platform 'vyos'") for w in warnings)
    assert any(w.startswith("r4: skipped, port") for w in warnings)
    mapped, _ = import_nornir(tmp_path / "hosts.yaml", tmp_path / "groups.yaml", platform_map={"vyos": "eos"})
    assert mapped.get("r3") is not None and mapped.get("r3").host == "r3"  # type: ignore[union-attr]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "hosts.yaml").write_text("r1:\n  hostname: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        import_nornir(tmp_path / "hosts.yaml")
    assert str(tmp_path / "hosts.yaml") in (info.value.where or "")


_SHARED_HOSTS = """
edge1:
  groups: [group_a, group_b]
  data: {site: null, role: edge, tags: [border]}
edge2:
  hostname: 10.0.1.2
  groups: [group_b]
  connection_options:
    netmiko: {port: 2222}
edge3:
  hostname: 10.0.1.3
  platform: linux
  groups: [group_a]
  data: {console: null}
edge4:
  hostname: 10.0.1.4
  port: 830
  username: ops
"""
_SHARED_GROUPS = """
group_a:
  groups: [group_1, group_2]
  data: {role: leaf}
group_1:
  groups: [group_x]
  username: from_g1
group_x:
  hostname: 10.0.9.9
  data: {site: lon1, tags: [from_x]}
group_2:
  connection_options:
    scrapli: {platform: cisco_iosxe}
group_b:
  groups: [group_2, group_3]
  port: 22022
  data: {site: ams1}
  connection_options:
    netmiko: {platform: cisco_ios, username: netmiko_user}
group_3:
  platform: eos
"""
_SHARED_DEFAULTS = """
username: default_user
data: {site: fra1, transport: asyncssh}
connection_options:
  netmiko: {platform: arista_eos, port: 2200}
  napalm: {platform: junos}
"""


def _shared(tmp_path: Path) -> tuple[Path, Path, Path]:
    files = (tmp_path / "hosts.yaml", tmp_path / "groups.yaml", tmp_path / "defaults.yaml")
    for path, text in zip(files, (_SHARED_HOSTS, _SHARED_GROUPS, _SHARED_DEFAULTS), strict=True):
        path.write_text(text)
    return files


def test_inheritance_is_nornirs_own(tmp_path: Path) -> None:
    """Every attribute, every data key and every connection's parameters, compared with nornir itself."""
    import yaml
    from nornir.plugins.inventory.simple import SimpleInventory

    from oob_console.adapters.importers.nornir import NornirResolver

    hosts, groups, defaults = _shared(tmp_path)
    theirs = SimpleInventory(str(hosts), str(groups), str(defaults)).load()
    ours = NornirResolver(yaml.safe_load(groups.read_text()), yaml.safe_load(defaults.read_text()), "groups.yaml")
    compared = 0
    for name, entry in yaml.safe_load(hosts.read_text()).items():
        host = theirs.hosts[name]
        for attr in ("hostname", "port", "username", "password", "platform"):
            assert ours.attr(entry, attr) == getattr(host, attr), (name, attr)
            compared += 1
        assert ours.data(entry) == dict(host.extended_data()), name
        for connection in ("netmiko", "scrapli", "napalm", "netconf"):
            params = host.get_connection_parameters(connection)
            assert ours.connection(entry, connection) == {
                "hostname": params.hostname, "port": params.port, "username": params.username,
                "password": params.password, "platform": params.platform}, (name, connection)
            compared += 1
    assert compared == 4 * (5 + 4)
    # the inheritance the files exercise really differs between hosts (the comparison is not vacuous)
    assert theirs.hosts["edge1"].hostname == "10.0.9.9" and theirs.hosts["edge1"].username == "from_g1"
    assert theirs.hosts["edge1"].get_connection_parameters("netmiko").platform == "arista_eos"


def test_connection_platform_and_null_data_as_nornir_means_them(tmp_path: Path) -> None:
    hosts, groups, defaults = _shared(tmp_path)
    inv, warnings = import_nornir(hosts, groups, defaults)
    got = {d.name: d for d in inv.devices}
    # edge1: no platform of its own or its groups' but netmiko's (defaults: arista_eos); site: null is "not set"
    assert got["edge1"].platform == "eos" and got["edge1"].site == "" and got["edge1"].role == "edge"
    assert (got["edge1"].host, got["edge1"].port, got["edge1"].username) == ("10.0.9.9", 2200, "netmiko_user")
    # edge2: netmiko's platform from group_b, its own netmiko port
    assert (got["edge2"].platform, got["edge2"].port) == ("ios", 2222)
    # edge3: its own 'linux' is what netmiko would NOT use: netmiko's (defaults: arista_eos) decides,
    # as it is how we log in; a null console is no console (the host is not skipped)
    assert got["edge3"].platform == "eos" and got["edge3"].console is None
    # edge4: netmiko from the defaults only (arista_eos, port 2200 as nornir would connect)
    assert (got["edge4"].platform, got["edge4"].port, got["edge4"].username) == ("eos", 2200, "ops")
    assert warnings == []


def test_undefined_group_or_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "hosts.yaml").write_text("r1: {platform: eos, groups: [missing]}\n")
    (tmp_path / "groups.yaml").write_text("a: {groups: [b]}\nb: {groups: [a]}\n")
    with pytest.raises(ConfigError, match="'missing' is used but not defined"):
        import_nornir(tmp_path / "hosts.yaml", tmp_path / "groups.yaml")
    (tmp_path / "hosts.yaml").write_text("r1: {platform: eos, groups: [a]}\n")
    with pytest.raises(ConfigError, match="loop"):
        import_nornir(tmp_path / "hosts.yaml", tmp_path / "groups.yaml")
