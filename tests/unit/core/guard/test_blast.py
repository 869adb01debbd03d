"""Checker 2 on its own: effects read from the text, measured on the corpus inventory."""

from __future__ import annotations

import pytest

from oob_console.core.devices.inventory import BgpSession, Device, Inventory, Link
from oob_console.core.guard import GuardPolicy, GuardRequest, Verdict
from oob_console.core.guard.blast import BlastChecker, is_bundle, same_interface, spec_matcher
from oob_console.core.guard.effects import Extractor
from tests.guard_support import inventory

BLAST = BlastChecker()
R, C, D = Verdict.READ_ONLY, Verdict.CHANGE, Verdict.DANGEROUS


def blast(platform: str, text: str, *devices: str, policy: GuardPolicy | None = None,
          inv: Inventory | None = None) -> tuple[Verdict, tuple[str, ...]]:
    inv = inv or inventory()
    targets = tuple(d for d in (inv.get(n) for n in devices) if d is not None)
    report = BLAST.check(GuardRequest(platform, text, targets, inv), policy or GuardPolicy())
    return report.verdict, report.reasons


class TestNames:
    @pytest.mark.parametrize(("typed", "known"), [
        ("Gi0/1", "GigabitEthernet0/1"), ("gi 0/1", "GigabitEthernet0/1"), ("GIGABITETHERNET0/1", "GigabitEthernet0/1"),
        ("et1", "Ethernet1"), ("Ethernet1", "Et1"), ("xe-0/1/0.0", "xe-0/1/0"), ("te0/0/0/4", "TenGigE0/0/0/4"),
        ("po1", "Port-channel1"), ("be1", "Bundle-Ether1"), ("ETH1", "eth1"),
    ])
    def test_same(self, typed: str, known: str) -> None:
        assert same_interface(typed, known)

    @pytest.mark.parametrize(("typed", "known"), [
        ("Gi0/1", "GigabitEthernet0/10"), ("Gi0/1", "TenGigE0/1"), ("eth1", "eth10"), ("xe-0/1/0", "et-0/1/0"),
    ])
    def test_different(self, typed: str, known: str) -> None:
        assert not same_interface(typed, known)

    def test_bundles(self) -> None:
        assert all(is_bundle(n) for n in ("Port-channel1", "po1", "Bundle-Ether1", "be1", "ae0", "bond0"))
        assert not any(is_bundle(n) for n in ("GigabitEthernet0/1", "pos0/0", "eth1", "et-0/0/0"))

    @pytest.mark.parametrize(("spec", "hits", "misses"), [
        ("Gi0/1 - 3", ["GigabitEthernet0/2"], ["GigabitEthernet0/4"]),
        ("Ethernet1-4,7", ["Ethernet7", "Ethernet3"], ["Ethernet5"]),
        ("ethernet 1,3", ["Ethernet3"], ["Ethernet2"]),
        ("<et-*>", ["et-0/0/3"], ["xe-0/1/0"]),
        ("et-0/0/[0-2]", ["et-0/0/2"], ["et-0/0/3"]),
        ("<*>", ["anything0"], []),
        ("et-0/0/0 to et-0/0/3", ["et-0/0/2"], ["et-0/0/4"]),
    ])
    def test_specs(self, spec: str, hits: list[str], misses: list[str]) -> None:
        matches = spec_matcher(spec)
        assert all(matches(h) for h in hits) and not any(matches(m) for m in misses)


class TestEffects:
    def kinds(self, platform: str, text: str) -> list[tuple[str, str]]:
        extractor = Extractor(platform)
        effects = extractor.junos(text) if platform == "junos" else extractor.cisco(text)
        return [(e.kind, e.target) for e in effects]

    def test_reads_have_no_effect(self) -> None:
        assert self.kinds("ios", "show interfaces | include shutdown\nsh run\nterminal length 0") == []
        assert self.kinds("junos", "show configuration | display set | match disable") == []

    def test_context_lines_say_what_shutdown_shuts(self) -> None:
        assert self.kinds("ios", "interface Gi0/1\n shutdown") == [("links", "gi0/1")]
        assert self.kinds("iosxr", "router bgp 1\n neighbor 10.0.0.1\n  shutdown") == [("session", "10.0.0.1")]
        assert self.kinds("iosxr", "router bgp 1\n shutdown") == [("bgp", "")]
        assert self.kinds("ios", "router ospf 1\n shutdown") == [("igp", "")]
        assert self.kinds("ios", "shutdown") == [("device", "")]

    def test_no_shutdown_and_delete_disable_bring_things_up(self) -> None:
        assert self.kinds("ios", "interface Gi0/1\n no shutdown") == [("change", "")]
        assert self.kinds("junos", "delete interfaces ae0 disable") == [("change", "")]

    def test_junos_paths(self) -> None:
        assert self.kinds("junos", "edit protocols bgp\ndelete") == [("bgp", "")]
        assert self.kinds("junos", "set groups G interfaces <*> disable")[0] == ("links", "<*>")
        assert self.kinds("junos", "delete routing-instances CUST-B") == [("instance", "cust-b")]
        assert self.kinds("junos", "interfaces {\n ae0 {\n  disable;\n }\n}") == [("links", "ae0")]
        assert self.kinds("junos", "protocols {\n inactive: bgp {\n  group X;\n }\n}")[0] == ("bgp", "")

    def test_junos_interface_ranges_defined_in_the_block(self) -> None:
        text = "set interfaces interface-range BB member-range et-0/0/0 to et-0/0/3\n" \
               "set interfaces interface-range BB disable"
        assert ("links", "et-0/0/0 to et-0/0/3") in self.kinds("junos", text)

    def test_free_text_is_not_split_on_semicolons(self) -> None:
        assert self.kinds("ios", "interface Gi0/8\n description down; reload") == [("change", "")]
        assert self.kinds("ios", "show version; reload") == [("device", "")]


class TestMeasure:
    def test_one_backbone_link_is_a_change_with_its_shares(self) -> None:
        verdict, reasons = blast("ios", "interface Gi0/1\n shutdown", "ios-bb1")
        assert verdict is C
        assert any("1 of 7 critical links of ios-bb1" in r for r in reasons)
        assert any("backbone link ends" in r and "below backbone_share" in r for r in reasons)

    def test_a_links_far_end_goes_down_too(self) -> None:
        _, reasons = blast("ios", "interface Gi0/1\n shutdown", "ios-bb1")
        assert any("eos-bb1:Ethernet1" in r for r in reasons)

    def test_link_share_threshold_comes_from_policy(self) -> None:
        text = "interface range Gi0/1 - 2\n shutdown"
        assert blast("ios", text, "ios-bb1")[0] is C  # 2 of 7
        assert blast("ios", text, "ios-bb1", policy=GuardPolicy(link_share=0.25))[0] is D

    def test_access_links_do_not_count_as_critical(self) -> None:
        assert blast("ios", "interface range Gi0/8 - 10\n shutdown", "ios-bb1")[0] is C
        policy = GuardPolicy(critical_link_kinds=("access",))
        assert blast("ios", "interface range Gi0/8 - 10\n shutdown", "ios-bb1", policy=policy)[0] is D

    def test_every_member_of_a_bundle(self) -> None:
        assert blast("ios", "interface Gi0/5\n shutdown", "ios-bb1")[0] is C
        verdict, reasons = blast("ios", "interface Gi0/5\n shutdown\ninterface Gi0/6\n shutdown", "ios-bb1")
        assert verdict is D and any("members of bundle Port-channel1" in r for r in reasons)
        assert blast("ios", "interface Po1\n shutdown", "ios-bb1")[0] is D
        assert blast("ios", "interface Gi0/5\n shutdown", "ios-bb1",
                     policy=GuardPolicy(lag_member_share=0.5))[0] is D

    def test_backbone_share_over_a_fan_out(self) -> None:
        text = "interface range GigabitEthernet0/0/0/2 - 3\n shutdown"
        devices = ("xr-bb1", "xr-bb2", "xr-bb3", "xr-bb4")
        assert blast("iosxr", text, *devices[:2])[0] is C
        verdict, reasons = blast("iosxr", text, *devices)
        assert verdict is D and any("at or above backbone_share" in r for r in reasons)

    def test_sessions(self) -> None:
        assert blast("ios", "router bgp 1\n neighbor 203.0.113.1 shutdown", "ios-bb1")[0] is C
        assert blast("ios", "clear ip bgp *", "ios-bb1")[0] is D
        assert blast("ios", "clear ip bgp * soft", "ios-bb1")[0] is C
        two = "router bgp 1\n neighbor 203.0.113.1 shutdown\n neighbor 203.0.113.5 shutdown"
        verdict, reasons = blast("ios", two, "ios-bb1")
        assert verdict is D and any("kind upstream" in r for r in reasons)

    def test_bgp_filters(self) -> None:
        assert blast("ios", "clear ip bgp 64601", "ios-bb1")[0] is C  # one session to that AS
        assert blast("ios", "clear ip bgp vrf CUST-A *", "ios-bb1")[0] is D  # the whole instance
        assert blast("ios", "clear ip bgp internal", "ios-bb1")[0] is D  # all 4 ibgp sessions

    def test_ipv6_neighbours_are_compared_as_addresses(self) -> None:
        verdict, reasons = blast("frr", "router bgp 1\n neighbor 2001:DB8:0::1 shutdown", "frr-bb1")
        assert verdict is C and any("2001:db8::1" in r for r in reasons)

    def test_instances(self) -> None:
        verdict, reasons = blast("junos", "delete routing-instances CUST-B", "mx-bb1")
        assert verdict is D and any("all 2 BGP sessions" in r for r in reasons)
        assert blast("junos", "delete routing-instances NOPE", "mx-bb1")[0] is D  # unknown: cannot measure

    def test_whole_device_effects(self) -> None:
        for text in ("reload", "write erase", "configure replace flash:x", "tclsh", "no ip routing"):
            assert blast("ios", text, "ios-edge1")[0] is D, text

    def test_without_a_target_device(self) -> None:
        assert blast("ios", "interface Gi0/1\n shutdown")[0] is C
        assert blast("ios", "interface Po1\n shutdown")[0] is D
        assert blast("ios", "interface range Gi0/1 - 2\n shutdown")[0] is C
        assert blast("ios", "interface range macro X\n shutdown")[0] is D
        assert blast("ios", "clear ip bgp *")[0] is D
        assert blast("ios", "clear ip bgp 10.0.0.1")[0] is C

    def test_unknown_interfaces_are_noted_not_measured(self) -> None:
        verdict, reasons = blast("ios", "interface Gi9/9\n shutdown", "ios-bb1")
        assert verdict is C and any("not in the inventory" in r for r in reasons)

    def test_a_device_without_links_or_sessions_cannot_hide_a_whole_protocol(self) -> None:
        bare = Device("bare", "frr", "192.0.2.99", role="backbone")
        inv = Inventory((bare,))
        assert blast("frr", "no router ospf", "bare", inv=inv)[0] is D
        assert blast("frr", "clear bgp *", "bare", inv=inv)[0] is D

    def test_reads_and_plain_changes(self) -> None:
        assert blast("ios", "show run", "ios-bb1") == (R, ("takes nothing down and changes nothing",))
        verdict, reasons = blast("ios", "conf t\nip route 10.0.0.0 255.0.0.0 Null0", "ios-bb1")
        assert verdict is C and reasons


def test_a_small_inventory_built_in_code() -> None:
    bb = Device("r1", "eos", "192.0.2.1", role="backbone", site="x",
                links=(Link("Ethernet1"), Link("Ethernet2"), Link("Ethernet3", kind="access")),
                bgp=(BgpSession("10.0.0.1", 1), BgpSession("10.0.0.2", 2)))
    inv = Inventory((bb,))
    assert blast("eos", "interface Ethernet1\n shutdown", "r1", inv=inv)[0] is D  # 1 of 2 backbone = 50%
    assert blast("eos", "interface Ethernet3\n shutdown", "r1", inv=inv)[0] is C
