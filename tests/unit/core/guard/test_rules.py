"""Checker 1 on its own: grammars, abbreviations, modes, pipes, separators, Junos paths and braces."""

from __future__ import annotations

import pytest

from oob_console.core.guard import GuardPolicy, GuardRequest, Verdict
from oob_console.core.guard.dialect import clean
from oob_console.core.guard.grammar import Grammar, match
from oob_console.core.guard.rules import RuleChecker, interfaces_named
from tests.guard_support import inventory

RULES = RuleChecker()
R, C, D = Verdict.READ_ONLY, Verdict.CHANGE, Verdict.DANGEROUS


def verdict(platform: str, text: str, *devices: str, policy: GuardPolicy | None = None) -> Verdict:
    inv = inventory()
    targets = tuple(d for d in (inv.get(n) for n in devices) if d is not None)
    return RULES.check(GuardRequest(platform, text, targets, inv), policy or GuardPolicy()).verdict


@pytest.mark.parametrize(("platform", "text", "expected"), [
    ("ios", "sh run", R),
    ("ios", "sho ip int br", R),
    ("ios", "conf t", R),
    ("ios", "conf t\nint Gi0/8\nshut", C),
    ("ios", "conf t\nint gi 0/8\nsh", C),  # 'sh' under an interface is shutdown
    ("ios", "cl ip bgp *", D),
    ("ios", "clear ip bgp * s", C),  # 's' = soft
    ("iosxr", "conf\nrou bgp 1\nsh", D),
    ("frr", "wr mem", C),
    ("junos", "req sys reb", D),
    ("junos", "sh int ters", R),
    ("junos", "conf\ndel prot bgp", D),
    ("junos", "conf\ndeact int et-0/0/0", C),
])
def test_abbreviations(platform: str, text: str, expected: Verdict) -> None:
    assert verdict(platform, text) is expected


def test_an_ambiguous_abbreviation_takes_the_strictest_reading() -> None:
    grammar = Grammar.compile("@exec\nreload ... = D | r1\nresume ... = R | r2\n")
    found = match(grammar.roots["exec"], ("re",))
    assert {m.rule.verdict for m in found} == {R, D}
    assert verdict("ios", "re") is D  # reload or resume: the device would refuse; we fail closed


@pytest.mark.parametrize("text", ["RELOAD", "Reload", "\treload  ", "re\x08\x08reload", "reloax\x08d"])
def test_case_whitespace_and_backspaces(text: str) -> None:
    assert verdict("ios", text) is D


def test_clean_applies_backspaces_and_blanks_control_characters() -> None:
    assert clean("reloax\x08d") == "reload"
    assert clean("show\x07 run") == "show  run"


def test_a_keyword_typed_in_full_beats_an_argument() -> None:
    assert verdict("junos", "configure\nrollback 0") is C
    assert verdict("junos", "configure\nrollback 1") is D


class TestModes:
    def test_a_block_without_configure_is_judged_in_every_mode_it_could_be_in(self) -> None:
        assert verdict("ios", "shutdown") is D  # interface? BGP? an IGP? unknown: strictest
        assert verdict("ios", "neighbor 10.0.0.1 shutdown") is C

    def test_an_interface_line_sets_the_context(self) -> None:
        assert verdict("ios", "interface Gi0/8\n shutdown") is C
        assert verdict("ios", "router bgp 1\n shutdown") is D
        assert verdict("ios", "router ospf 1\n shutdown") is D

    def test_a_line_unknown_in_a_sub_mode_falls_through_to_global_config(self) -> None:
        assert verdict("ios", "conf t\ninterface Gi0/8\n no router bgp 1") is D
        assert verdict("ios", "conf t\ninterface Gi0/8\n router bgp 1\n shutdown") is D

    def test_exit_and_end_leave_the_context(self) -> None:
        assert verdict("iosxr", "configure\nrouter bgp 1\n neighbor 10.0.0.1\n  shutdown\n exit\n"
                                "commit confirmed") is C
        assert verdict("iosxr", "configure\nrouter bgp 1\n neighbor 10.0.0.1\n exit\n shutdown\n"
                                "commit confirmed") is D

    def test_do_runs_an_exec_command_from_config(self) -> None:
        assert verdict("ios", "conf t\ndo show run") is R
        assert verdict("ios", "conf t\ninterface Gi0/8\ndo reload") is D
        assert verdict("iosxr", "admin reload location all") is D

    def test_exec_commands_typed_in_config_mode_are_still_judged(self) -> None:
        assert verdict("ios", "conf t\nreload") is D

    def test_unknown_commands_are_changes_never_reads(self) -> None:
        assert verdict("ios", "frobnicate the backbone") is C
        assert verdict("junos", "frobnicate") is C


class TestPipesAndSeparators:
    @pytest.mark.parametrize(("platform", "text", "expected"), [
        ("ios", "show run | include shutdown", R),
        ("ios", "show run | redirect flash:x", C),
        ("ios", "show run | append flash:x", C),
        ("eos", "show run | tee flash:x", C),
        ("iosxr", "show run | file disk0:x", C),
        ("junos", "show configuration | display set | save /tmp/x", C),
        ("junos", "show configuration | match disable", R),
        ("ios", "reload | include x", D),
    ])
    def test_pipes(self, platform: str, text: str, expected: Verdict) -> None:
        assert verdict(platform, text) is expected

    def test_semicolons_are_judged_both_ways_outside_free_text(self) -> None:
        assert verdict("ios", "show version; reload") is D
        assert verdict("ios", "interface Gi0/8\n description down; reload") is C
        assert verdict("junos", "configure; delete protocols bgp") is D
        assert verdict("junos", 'configure\nset interfaces ge-0/2/0 description "a; reload"') is C

    def test_comments_are_skipped(self) -> None:
        assert verdict("ios", "! reload\nshow clock") is R
        assert verdict("junos", "# request system reboot\nshow version") is R


class TestInterfaces:
    @pytest.mark.parametrize(("kind", "text", "count"), [
        ("ifs", "gi0/1 - 4", 4),
        ("ifs", "gi0/1-4, gi0/7", 5),
        ("ifs", "ethernet1-4,7", 5),
        ("ifs", "ge-0/0/[0-23]", 24),
        ("if", "gi 0/1", 1),
        ("lag", "po1", 1),
    ])
    def test_counting(self, kind: str, text: str, count: int) -> None:
        names = interfaces_named(kind, text)
        assert names is not None and len(names) == count

    @pytest.mark.parametrize("text", ["<*>", "et-*", "macro BACKBONE", ""])
    def test_wildcards_are_unbounded(self, text: str) -> None:
        assert interfaces_named("ifs", text) is None

    def test_more_interfaces_down_than_allowed_is_dangerous(self) -> None:
        text = "conf t\n" + "".join(f"interface Gi0/{n}\n shutdown\n" for n in range(1, 5))
        assert verdict("ios", text) is D
        assert verdict("ios", text, policy=GuardPolicy(max_interfaces_down=4)) is C

    def test_the_same_interface_twice_counts_once(self) -> None:
        assert verdict("ios", "conf t\n" + "interface Gi0/1\n shutdown\n" * 5) is C

    def test_bundles_and_ranges(self) -> None:
        assert verdict("ios", "conf t\ninterface Port-channel1\n shutdown") is D
        assert verdict("iosxr", "configure\ninterface Bundle-Ether1\n shutdown") is D
        assert verdict("junos", "configure\nset interfaces ae0 disable") is D
        assert verdict("ios", "conf t\ninterface range Gi0/1 - 2\n shutdown") is C
        assert verdict("ios", "conf t\ninterface range Gi0/1 - 8\n shutdown") is D
        assert verdict("ios", "conf t\ninterface range macro UPLINKS\n shutdown") is D
        assert verdict("ios", "conf t\ninterface Port-channel1\n no shutdown") is C


class TestJunos:
    def test_edit_paths_are_joined(self) -> None:
        assert verdict("junos", "configure\nedit protocols bgp\ndelete") is D
        assert verdict("junos", "configure\nedit interfaces ge-0/2/0\ndelete") is C
        assert verdict("junos", "configure\nedit interfaces ge-0/2/0\ntop\ndelete protocols bgp") is D
        assert verdict("junos", "configure\nedit interfaces ge-0/2/0\ntop delete protocols bgp") is D

    def test_up_keeps_every_level_it_could_mean(self) -> None:
        assert verdict("junos", "configure\nedit protocols bgp group X\nup\ndelete") is D

    def test_braces_become_paths(self) -> None:
        text = "interfaces {\n  ae0 {\n    disable;\n  }\n}"
        assert verdict("junos", text) is D
        assert verdict("junos", "protocols {\n  delete: bgp;\n}") is D
        assert verdict("junos", "protocols {\n  inactive: isis {\n    level 2 wide-metrics-only;\n  }\n}") is D
        assert verdict("junos", "system {\n  host-name r1;\n}") is C

    def test_an_unbalanced_brace_or_quote_does_not_hide_later_lines(self) -> None:
        assert verdict("junos", 'interfaces {\n  ge-0/0/0 {\n request system reboot') is D
        assert verdict("junos", 'set interfaces ge-0/0/0 description "open\nrequest system reboot') is D

    def test_groups_are_judged_as_if_applied(self) -> None:
        assert verdict("junos", "configure\nset groups G protocols bgp disable") is D
        assert verdict("junos", "configure\nset groups G interfaces <*> disable") is D
        assert verdict("junos", "configure\nset groups G system ntp server 192.0.2.1") is C

    def test_run_in_configuration_mode(self) -> None:
        assert verdict("junos", "configure\nrun request system reboot") is D
        assert verdict("junos", "configure\nrun show version") is R


class TestCommit:
    def test_a_commit_without_a_timer_on_a_backbone_router_is_dangerous(self) -> None:
        assert verdict("junos", "configure\nset system host-name x\ncommit", "mx-bb1") is D
        assert verdict("junos", "configure\nset system host-name x\ncommit", "mx-edge1") is C
        assert verdict("junos", "configure\nset system host-name x\ncommit confirmed 5", "mx-bb1") is C
        assert verdict("junos", "configure\nset system host-name x\ncommit comment x confirmed 5", "mx-bb1") is C

    def test_without_a_target_device_a_commit_counts_as_on_a_backbone_router(self) -> None:
        assert verdict("iosxr", "configure\nhostname x\ncommit") is D

    def test_backbone_is_the_role_or_any_backbone_link(self) -> None:
        policy = GuardPolicy(backbone_roles=())
        assert verdict("iosxr", "configure\nhostname x\ncommit", "xr-bb1", policy=policy) is D  # has backbone links
        assert verdict("iosxr", "configure\nhostname x\ncommit", "xr-edge1",
                       policy=GuardPolicy(backbone_roles=("edge",))) is D

    def test_xr_end_with_pending_changes_may_commit(self) -> None:
        assert verdict("iosxr", "configure\nhostname x\nend", "xr-bb1") is D
        assert verdict("iosxr", "configure\nhostname x\ncommit confirmed 60\nend", "xr-bb1") is C
        assert verdict("iosxr", "configure\nhostname x\nabort", "xr-bb1") is C

    def test_eos_sessions(self) -> None:
        assert verdict("eos", "configure session s\nhostname x\ncommit", "eos-bb1") is D
        assert verdict("eos", "configure session s\nhostname x\ncommit timer 00:05:00", "eos-bb1") is C


def test_reasons_name_the_line() -> None:
    report = RULES.check(GuardRequest("ios", "show clock\nshow version\nclear ip bgp *"), GuardPolicy())
    assert report.verdict is D
    assert report.reasons == ("line 3 `clear ip bgp *`: hard-resets every BGP session",)


def test_a_read_only_block_says_so() -> None:
    report = RULES.check(GuardRequest("frr", "show version\n\nshow bgp summary\n"), GuardPolicy())
    assert report.reasons == ("every statement only reads (2 checked)",)
    assert RULES.check(GuardRequest("frr", "  \n\n"), GuardPolicy()).verdict is R
