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
  platform: nxos
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
    assert any(w.startswith("r3: skipped, platform 'nxos'") for w in warnings)
    assert any(w.startswith("r4: skipped, port") for w in warnings)
    mapped, _ = import_nornir(tmp_path / "hosts.yaml", tmp_path / "groups.yaml", platform_map={"nxos": "eos"})
    assert mapped.get("r3") is not None and mapped.get("r3").host == "r3"  # type: ignore[union-attr]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "hosts.yaml").write_text("r1:\n  hostname: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        import_nornir(tmp_path / "hosts.yaml")
    assert str(tmp_path / "hosts.yaml") in (info.value.where or "")
