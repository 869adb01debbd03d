"""NX-OS in each checker: its grammar (rules), its running config (model), its links (blast), its protected parts.

The NX-OS corpus (test_corpus_nxos) measures the whole; these pin each class rule on its own, on small configs
and inventories built here, so a rule that stops working fails here by name.
"""

from __future__ import annotations

import pytest

from oob_console.core.devices.inventory import Device, Inventory, Link
from oob_console.core.guard import GuardPolicy, GuardRequest, Verdict
from oob_console.core.guard.blast import BlastChecker
from oob_console.core.guard.candidate import statements
from oob_console.core.guard.config_model import build_model
from oob_console.core.guard.model import ModelChecker
from oob_console.core.guard.model_acl import first_match
from oob_console.core.guard.protected import protected_part
from oob_console.core.guard.rules import RuleChecker
from tests.guard_support import nxos_inventory

R, C, D = Verdict.READ_ONLY, Verdict.CHANGE, Verdict.DANGEROUS
POLICY = GuardPolicy(oob_addresses=("192.0.2.250",))

NXOS = """hostname n1
feature nxapi
feature lacp
cli alias name sbs show ip bgp summary
cli alias name clr clear ip bgp *
username oob password 5 x role network-admin
username other password 5 y role network-admin
ip access-list MGMT
  10 permit tcp 192.0.2.250/32 any eq 22
  20 permit icmp any any
  30 permit tcp any eq 22 any established
  100 deny ip any any
vrf context management
  ip route 0.0.0.0/0 192.0.2.1
interface port-channel10
  lacp min-links 2
interface Ethernet1/3
  channel-group 10 mode active
interface Ethernet1/4
  channel-group 10 mode active
interface Ethernet1/5
  channel-group 10 mode active
interface mgmt0
  vrf member management
  ip access-group MGMT in
  ip address 192.0.2.31/26
boot nxos bootflash:/nxos64-cs.10.3.4a.M.bin
nxapi use-vrf management
"""
DEVICE = Device("n1", "nxos", "192.0.2.31", links=(Link("mgmt0", "mgmt"),))


def rules(text: str) -> Verdict:
    return RuleChecker().check(GuardRequest("nxos", text), POLICY).verdict


def model(text: str, config: str | None = NXOS) -> tuple[Verdict, tuple[str, ...]]:
    configs = {"n1": config} if config else {}
    report = ModelChecker().check(GuardRequest("nxos", text, (DEVICE,), Inventory((DEVICE,)), configs), POLICY)
    return report.verdict, report.reasons


@pytest.mark.parametrize(("text", "verdict"), [
    ("show running-config | include shutdown", R), ("show diff rollback-patch checkpoint c1 running-config", R),
    ("dir bootflash:", R), ("checkpoint before-change", C), ("copy running-config startup-config", C),
    ("rollback running-config checkpoint before-change", D), ("run bash ls", D), ("run-script bootflash:x", D),
    ("install all nxos bootflash:n.bin", D), ("write erase", D), ("conf t\nfeature bash-shell", D),
    ("conf t\nfeature bgp", C), ("conf t\nno feature tacacs+", C), ("conf t\nno feature bgp", D),
    ("conf t\nno feature lacp", D), ("conf t\nno feature nxapi", D), ("conf t\nssh key rsa 2048 force", D),
    ("conf t\nno boot nxos", D), ("conf t\nboot nxos bootflash:n.bin", C),
    ("conf t\nrouter bgp 1\n template peer UP\n  shutdown", D), ("conf t\nrouter bgp 1\n no template peer UP", D),
    ("conf t\nrouter bgp 1\n neighbor 203.0.113.1\n  shutdown", C),
])
def test_the_rules_know_nxos(text: str, verdict: Verdict) -> None:
    assert rules(text) is verdict


def test_the_model_reads_an_nxos_running_config() -> None:
    m = build_model("nxos", NXOS)
    assert m.aliases["sbs"] == "show ip bgp summary"
    assert m.bundles["port-channel10"].min_links == 2 and len(m.bundles["port-channel10"].members) == 3
    assert m.mgmt_vrf == "management" and "mgmt0" in m.mgmt_ifs
    assert "nxos64-cs.10.3.4a.m.bin" in {f.lower() for f in m.boot_files}


@pytest.mark.parametrize(("text", "verdict", "why"), [
    ("sbs", R, ""), ("clr", D, "alias"),
    ("conf t\ncli alias name zap write erase\nend\nzap", D, "alias"),
    ("conf t\ncli ali nam zap reload\nend\nzap", D, "alias"),
    ("conf t\ninterface Ethernet1/3\n no channel-group\ninterface Ethernet1/4\n no channel-group", D, "min-links"),
    ("conf t\ninterface Ethernet1/3\n no channel-group", C, ""),
    ("conf t\ninterface port-channel10\n lacp min-links 3", D, "min-links"),
    ("conf t\nno aaa authentication login default fallback error local", D, "fallback"),
    ("conf t\nnxapi use-vrf default", D, "VRF"), ("conf t\nnxapi use-vrf management", C, ""),
    ("conf t\nip access-list MGMT\n no 10", D, "OOB host"),
    ("conf t\nip acc MGMT\n no 10", D, "OOB host"),
    ("conf t\nip access-list MGMT\n 15 permit tcp 192.0.2.251/32 any eq 22", C, ""),
    ("delete bootflash:nxos64-cs.10.3.4a.M.bin", D, "boots from"),
    ("delete bootflash:old-image.bin", C, ""),
    ("copy bootflash:empty.cfg startup-config", D, "boots from"), ("copy run start", C, ""),
])
def test_the_model_judges_nxos_changes_on_the_backup(text: str, verdict: Verdict, why: str) -> None:
    got, reasons = model(text)
    assert got is verdict, reasons
    assert why in " ".join(reasons)


def test_without_a_backup_nxos_protected_parts_are_dangerous() -> None:
    got, reasons = model("conf t\nrouter bgp 1\n template peer UP\n  remote-as 5", config=None)
    assert got is D and "not modelled: no backup" in " ".join(reasons)
    assert model("conf t\nhostname n2", config=None)[0] is C


@pytest.mark.parametrize(("line", "part"), [
    ("feature lacp", "bundles"), ("cli alias name x show ver", "commands the guard cannot see into"),
    ("copp profile lenient", "the management plane"), ("boot nxos bootflash:n.bin", "what the switch boots from"),
    ("vrf context management", "the management plane"), ("hostname n2", ""),
])
def test_nxos_protected_parts(line: str, part: str) -> None:
    stmt = statements("nxos", f"conf t\n{line}")[-1]
    assert protected_part("nxos", stmt, frozenset({"mgmt0"})) == part


@pytest.mark.parametrize(("entry", "action"), [
    ("permit tcp 192.0.2.250/32 any eq 22", "permit"), ("permit icmp any any", "deny"),
    ("permit tcp any eq 22 any established", "deny"), ("permit tcp 192.0.2.250/32 any eq 443", "deny"),
    ("permit tcp any any range 20 25", "permit"), ("permit tcp any gt 1023 any eq 22", "deny"),
    ("deny tcp any gt 1023 any eq 22", "deny"), ("permit ip 192.0.2.0/24 any", "permit"),
    ("permit ip 192.0.2.0/26 any", "deny"), ("deny udp any any", "deny"),
])
def test_the_acl_reader_asks_for_the_consoles_ssh(entry: str, action: str) -> None:
    """A permit saves the console only if it surely takes its new SSH connection; a deny counts if it may."""
    words = entry.split()
    got = first_match([(10, words[0], words[1:])], "192.0.2.250")
    assert got == action
    if action == "deny" and words[0] == "permit":  # and a later permit of the SSH still saves it
        later = [(10, words[0], words[1:]), (20, "permit", ["ip", "any", "any"])]
        assert first_match(later, "192.0.2.250") == "permit"


def test_blast_a_device_cut_off_by_links_of_any_kind() -> None:
    """The 2021 shape: one harmless-looking shut on each neighbour of a device isolates it."""
    def link(name: str, peer: str, far: str) -> Link:
        return Link(name, "other", peer_device=peer, peer_interface=far)

    edge = Device("e1", "ios", "192.0.2.40", links=(link("Gi0/0/0", "n1", "Ethernet1/11"),
                                                    link("Gi0/0/1", "n2", "Ethernet1/11")))
    n1 = Device("n1", "nxos", "192.0.2.31", links=(link("Ethernet1/11", "e1", "Gi0/0/0"),))
    n2 = Device("n2", "nxos", "192.0.2.32", links=(link("Ethernet1/11", "e1", "Gi0/0/1"),))
    inv = Inventory((edge, n1, n2))
    text = "conf t\ninterface Ethernet1/11\n shutdown\nend"
    both = BlastChecker().check(GuardRequest("nxos", text, (n1, n2), inv), POLICY)
    assert both.verdict is D and any("e1 is cut off" in r for r in both.reasons)
    one = BlastChecker().check(GuardRequest("nxos", text, (n1,), inv), POLICY)
    assert one.verdict is C


@pytest.mark.parametrize(("text", "why"), [
    ("conf t\nno feature bgp", "BGP sessions"), ("conf t\nno feature ospf", "critical links"),
    ("conf t\nno feature lacp", "members of bundle port-channel10"), ("install all nxos bootflash:n.bin", "reloads"),
])
def test_blast_measures_nxos_features_and_installs(text: str, why: str) -> None:
    inv = nxos_inventory()
    bb1 = inv.get("fra-nx-bb1")
    assert bb1 is not None
    report = BlastChecker().check(GuardRequest("nxos", text, (bb1,), inv), POLICY)
    assert report.verdict is D and why in " ".join(report.reasons)
    assert BlastChecker().check(GuardRequest("nxos", "conf t\nno feature tacacs+", (), inv), POLICY).verdict is C


def test_the_model_knows_which_sessions_inherit_a_template() -> None:
    config = NXOS + """router bgp 64510
  template peer UPSTREAM
    address-family ipv4 unicast
      route-map UP-OUT out
  neighbor 203.0.113.1
    inherit peer UPSTREAM
    remote-as 64496
route-map UP-OUT permit 10
"""
    m = build_model("nxos", config)
    assert "upstream" in m.groups and m.group_of["203.0.113.1"] == "upstream"
    assert m.used_by["up-out"] == {"BGP group upstream"}
    got, reasons = model("conf t\nrouter bgp 64510\n template peer UPSTREAM\n  update-source loopback9", config)
    assert got is D and "BGP group upstream" in " ".join(reasons)
    assert model("conf t\nrouter bgp 64510\n template peer SPARE\n  remote-as 5", config)[0] is C
