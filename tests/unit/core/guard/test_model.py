"""The configuration model (checker 3): class rules resolved on a device's backup, and the no-backup rule."""

from __future__ import annotations

import pytest

from oob_console.core.devices.inventory import Device, Inventory, Link
from oob_console.core.guard import GuardPolicy, GuardRequest, Verdict
from oob_console.core.guard.candidate import statements
from oob_console.core.guard.config_model import build_model
from oob_console.core.guard.model import ModelChecker

IOS = """hostname r1
boot system bootflash:image-17.bin
username oob privilege 15 secret 9 x
username other privilege 15 secret 9 y
aaa new-model
aaa authentication login default group TAC local
alias exec sbs show ip bgp summary
alias exec clr clear ip bgp *
ip access-list standard VTY
 10 permit 192.0.2.250
 20 deny any
interface Port-channel1
 lacp min-bundle 2
interface Te0/0/0
 channel-group 1 mode active
interface Te0/0/1
 channel-group 1 mode active
interface Te0/0/2
 channel-group 1 mode active
interface Gi0
 vrf forwarding Mgmt
 ip address 192.0.2.11 255.255.255.192
router bgp 64510
 neighbor UP peer-group
 neighbor 203.0.113.1 remote-as 64496
 neighbor 203.0.113.1 peer-group UP
 address-family ipv4
  neighbor UP route-map UP-OUT out
  neighbor UP maximum-prefix 1200000 90
ip prefix-list OURS seq 5 permit 203.0.113.128/25
ip prefix-list SPARE seq 5 permit 10.0.0.0/8
route-map UP-OUT permit 10
 match ip address prefix-list OURS
route-map UNUSED permit 10
line vty 0 15
 access-class VTY in vrf-also
 transport input ssh
"""
JUNOS = """system {
    login {
        user oob { class super-user; }
        user other { class super-user; }
    }
}
protocols {
    bgp {
        group UP {
            export [ UP-OUT ];
            neighbor 203.0.113.57;
        }
    }
}
policy-options {
    policy-statement UP-OUT { term A { then accept; } }
    policy-statement SPARE { term A { then reject; } }
}
"""
DEV = Device("r1", "ios", "192.0.2.11", username="oob", role="backbone",
             links=(Link("Gi0", "mgmt"), Link("Gi0/0/0", "backbone", "r2", "Gi0/0/0"),
                    Link("Te0/0/0", "backbone", lag="Port-channel1"), Link("Te0/0/1", "backbone", lag="Port-channel1"),
                    Link("Te0/0/2", "backbone", lag="Port-channel1")))
R2 = Device("r2", "ios", "192.0.2.12", username="oob", links=(Link("Gi0/0/0", "backbone", "r1", "Gi0/0/0"),))
MX = Device("mx1", "junos", "192.0.2.141", username="oob")
INV = Inventory((DEV, R2, MX))
POLICY = GuardPolicy(oob_addresses=("192.0.2.250",))


def judge(text: str, *, config: str | None = IOS, device: Device = DEV, platform: str = "ios"):  # type: ignore[no-untyped-def]
    configs = {device.name: config} if config else {}
    return ModelChecker().check(GuardRequest(platform, text, (device,), INV, configs), POLICY)


@pytest.mark.parametrize(("text", "verdict", "why"), [
    ("conf t\nroute-map UP-OUT deny 5\nend", "dangerous", "BGP group up"),
    ("conf t\nroute-map UNUSED deny 5\nend", "change", "no BGP session uses"),
    ("conf t\nip prefix-list OURS seq 5 deny 203.0.113.128/25\nend", "dangerous", "BGP group up"),  # through UP-OUT
    ("conf t\nip prefix-list SPARE seq 9 permit 10.1.0.0/16\nend", "change", ""),
    ("conf t\nroute-map UP-OUT permit 10\n set as-path prepend 64510\nend", "change", "only what a permit"),
    ("conf t\nrouter bgp 64510\n neighbor UP remote-as 64999\nend", "dangerous", "group up"),
    ("conf t\nrouter bgp 64510\n address-family ipv4\n  neighbor UP maximum-prefix 1000\nend", "dangerous",
     "1000"),
    ("conf t\nrouter bgp 64510\n address-family ipv4\n  neighbor UP maximum-prefix 1500000 90\nend", "change",
     "raises"),
    ("conf t\nrouter bgp 64510\n neighbor 198.51.100.9 remote-as 65001\nend", "change", "new BGP neighbour"),
    ("conf t\nno username oob\nend", "dangerous", "logs in with"),
    ("conf t\nno username other\nend", "change", ""),
    ("conf t\naaa authentication login default group TAC\nend", "dangerous", "local"),
    ("conf t\nline vty 0 15\n transport input telnet\nend", "dangerous", "SSH"),
    ("conf t\nip access-list standard VTY\n no 10\nend", "dangerous", "OOB host"),
    ("conf t\nip access-list standard VTY\n 5 deny 192.0.2.192 0.0.0.63\nend", "dangerous", "OOB host"),
    ("conf t\nip access-list standard VTY\n 15 permit 192.0.2.252\nend", "change", "still permits"),
    ("conf t\nline vty 0 15\n access-class VTY in\nend", "dangerous", "vrf-also"),
    ("conf t\nint gi0\n shut\nend", "dangerous", "management interface"),
    ("conf t\nip route 0.0.0.0 0.0.0.0 Null0 250\nend", "dangerous", "blackholes"),
    ("conf t\nip route 10.9.0.0 255.255.0.0 Null0\nend", "change", ""),
    ("conf t\ninterface range Te0/0/0 - 1\n shutdown\nend", "dangerous", "below its min-links 2"),
    ("conf t\ninterface Te0/0/0\n shutdown\nend", "change", ""),
    ("conf t\ninterface Port-channel1\n lacp min-bundle 3\nend", "dangerous", "min-links 3"),
    ("sbs", "read-only", ""),
    ("clr", "dangerous", "alias"),
    ("conf t\nalias exec wipe write erase\nend\nwipe", "dangerous", "alias"),
    ("conf t\nevent manager applet X\n action 1.0 cli command \"reload\"\nend", "dangerous", "event handler"),
    ("delete bootflash:image-17.bin", "dangerous", "boots from"),
    ("delete bootflash:old-capture.pcap", "change", ""),
    ("show running-config | include shutdown", "read-only", ""),
])
def test_class_rules_on_the_backup(text: str, verdict: str, why: str) -> None:
    report = judge(text)
    assert report.verdict.label == verdict, report.reasons
    assert why.lower() in " ".join(report.reasons).lower(), report.reasons


def test_without_a_backup_a_protected_part_is_dangerous_and_says_so() -> None:
    unused = judge("conf t\nroute-map UNUSED deny 5\nend", config=None)
    assert unused.verdict is Verdict.DANGEROUS and "not modelled: no backup" in unused.reasons[0]
    assert "routing policy" in unused.reasons[0]
    plain = judge("conf t\ninterface Gi0/0/9\n description spare\nend", config=None)
    assert plain.verdict is Verdict.CHANGE and any("not modelled: no backup" in r for r in plain.reasons)


def test_junos_paths_resolve_too() -> None:
    assert judge("configure\ndelete system login user oob\ncommit", config=JUNOS, device=MX,
                 platform="junos").verdict is Verdict.DANGEROUS
    assert judge("configure\ndelete system login user other\ncommit", config=JUNOS, device=MX,
                 platform="junos").verdict is Verdict.CHANGE
    used = judge("configure\nset policy-options policy-statement UP-OUT term A then reject\ncommit", config=JUNOS,
                 device=MX, platform="junos")
    assert used.verdict is Verdict.DANGEROUS and "bgp group up" in used.reasons[0].lower()


def test_a_fan_out_that_cuts_the_backbone_is_dangerous() -> None:
    both = ModelChecker().check(GuardRequest("ios", "conf t\ninterface Gi0/0/0\n shutdown\nend", (DEV, R2), INV),
                                POLICY)
    assert both.verdict is Verdict.DANGEROUS and "cut the backbone" in both.reasons[-1]


def test_the_model_is_built_once_per_backup() -> None:
    assert build_model("ios", IOS) is build_model("ios", IOS)
    assert build_model("ios", IOS + "\nhostname r1b\n") is not build_model("ios", IOS)


# Abbreviations at every keyword position, read as the device reads them (issue 16): (platform, as typed,
# the same block in full). With no backup both are judged alike and name the same protected part. (``ip rou``
# is no example: it is ambiguous on the device too, ``route`` or ``routing``.)
ABBREVIATED = [
    ("ios", "conf t\nip pre OURS seq 5 permit 203.0.113.0/24\nend",
     "configure terminal\nip prefix-list OURS seq 5 permit 203.0.113.0/24\nend"),
    ("ios", "conf t\nno ip pre OURS\nend", "configure terminal\nno ip prefix-list OURS\nend"),
    ("ios", "conf t\nrouter bg 64510\n neighbor 10.0.0.1 remote-as 65001\nend",
     "configure terminal\nrouter bgp 64510\n neighbor 10.0.0.1 remote-as 65001\nend"),
    ("ios", "conf t\nint lo0\n shut\nend", "configure terminal\ninterface lo0\n shutdown\nend"),
    ("frr", "CONF T\nip PRE OURS SEQ 5 PERMIT 203.0.113.0/24\nend",
     "configure terminal\nip prefix-list OURS seq 5 permit 203.0.113.0/24\nend"),
    ("eos", "conf\nip pref OURS seq 5 permit 10.0.0.0/8\nend",
     "configure\nip prefix-list OURS seq 5 permit 10.0.0.0/8\nend"),
    ("nxos", "conf t\nip pre OURS seq 5 permit 10.0.0.0/8\nend",
     "configure terminal\nip prefix-list OURS seq 5 permit 10.0.0.0/8\nend"),
    ("iosxr", "conf\nrouter bg 65000\n neighbor 10.0.0.1\n  remote-as 65001\ncommit",
     "configure\nrouter bgp 65000\n neighbor 10.0.0.1\n  remote-as 65001\ncommit"),
    ("junos", "configure\nset pol policy-st X term Y then rej\ncommit",
     "configure\nset policy-options policy-statement X term Y then reject\ncommit"),
    ("junos", "configure\nset pro bg group G neighbor 10.0.0.1\ncommit",
     "configure\nset protocols bgp group G neighbor 10.0.0.1\ncommit"),
    ("junos", "configure\nedit pol\nset policy-st X then rej\ncommit",
     "configure\nset policy-options policy-statement X then reject\ncommit"),
]


@pytest.mark.parametrize(("platform", "typed", "full"), ABBREVIATED)
def test_abbreviations_at_every_keyword_position_are_read_in_full(platform: str, typed: str, full: str) -> None:
    device = Device("r9", platform, "192.0.2.19", username="oob", links=(Link("Lo0", "mgmt"),))
    short = judge(typed, config=None, device=device, platform=platform)
    whole = judge(full, config=None, device=device, platform=platform)
    assert whole.verdict is Verdict.DANGEROUS, whole.reasons  # every example changes a protected part
    assert (short.verdict, short.reasons[0].split("`")[-1]) == (whole.verdict, whole.reasons[0].split("`")[-1])
    typed_texts = [s.text for s in statements(platform, typed) if s.mode == "config"]
    assert typed_texts == [s.text for s in statements(platform, full) if s.mode == "config"]


def test_an_abbreviation_is_read_against_its_own_context() -> None:
    """``set`` inside a route-map is ``set``, not IS-IS's ``set-overload-bit``; ``sh /x`` is still a shell."""
    assert judge("conf t\nroute-map UP-OUT permit 10\n set as-path prepend 64510\nend").verdict is Verdict.CHANGE
    assert [s.text for s in statements("ios", "conf t\nroute-map X permit 10\n set as-path prepend 1\nend")][-1] \
        == "set as-path prepend 1"
    assert statements("eos", "sh /tmp/x.sh")[0].text == "sh /tmp/x.sh"
    used = judge("configure\nset pol policy-st UP-OUT term A then rej\ncommit", config=JUNOS, device=MX,
                 platform="junos")
    assert used.verdict is Verdict.DANGEROUS and "bgp group up" in used.reasons[0].lower()
