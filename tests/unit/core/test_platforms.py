"""Platform data: read-only classification, error lines, prompts, output cleaning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.devices.platforms import (
    PLATFORM_SPECS,
    clean_output,
    ends_with_prompt,
    first_error,
    platform_from_alias,
    read_only_reason,
    spec,
)

READ_ONLY = {
    "frr": ["show version", "sh ip bgp summary", "show running-config | include bgp", "SHOW bgp neighbors"],
    "ios": ["show version", "sh run | i router bgp", "sho ip int brief | e unassigned", "show run | section bgp"],
    "iosxr": ["show bgp summary", "show run router bgp | begin neighbor"],
    "junos": ["show configuration | display set", "show bgp summary | match Estab | count",
              "show route | no-more"],
    "eos": ["show ip bgp summary | json", "show running-config | section router bgp"],
}
NOT_READ_ONLY = {
    "frr": ["configure terminal", "write memory", "clear ip bgp *", "s version", "show run | redirect x",
            "show version\nconfigure terminal", "show version\rconf t", "show run > /tmp/x", "", "   ",
            "show run |", "show run | grep x"],
    "ios": ["reload", "copy run start", "show run | redirect flash:x", "show run | tee flash:x",
            "show run | append flash:x", "show tech | re flash:x", "clear bgp all *", "debug all"],
    "iosxr": ["show run | file harddisk:/x", "show run | utility cat", "commit"],
    "junos": ["show configuration | save /var/tmp/x", "request system reboot", "configure",
              "show log messages | request message all"],
    "eos": ["show run > flash:x", "show run | redirect flash:x", "bash", "show run | tee flash:x"],
}


@pytest.mark.parametrize(("platform", "command"), [(p, c) for p, cs in READ_ONLY.items() for c in cs])
def test_read_only_commands_pass(platform: str, command: str) -> None:
    assert read_only_reason(spec(platform), command) is None


@pytest.mark.parametrize(("platform", "command"), [(p, c) for p, cs in NOT_READ_ONLY.items() for c in cs])
def test_other_commands_are_not_read_only(platform: str, command: str) -> None:
    assert read_only_reason(spec(platform), command)


@given(st.sampled_from(sorted(PLATFORM_SPECS)), st.text(), st.sampled_from(["\n", "\r", "\x00", "\x1b", "\x7f"]),
       st.text())
def test_a_control_character_anywhere_is_never_read_only(platform: str, a: str, ctl: str, b: str) -> None:
    assert read_only_reason(spec(platform), f"show {a}{ctl}{b}") is not None


@pytest.mark.parametrize(("platform", "prompt"), [
    ("frr", "r1# "), ("frr", "r1(config)# "), ("frr", "r1(config-router)# "), ("frr", "edge-1.sjc> "),
    ("ios", "core1#"), ("ios", "core1>"), ("ios", "core1(config-if)#"), ("ios", "core1(config-router-af)#"),
    ("iosxr", "RP/0/RSP0/CPU0:core2#"), ("iosxr", "RP/0/RP0/CPU0:xr9k(config-bgp-nbr)#"),
    ("junos", "netops@mx1> "), ("junos", "netops@mx1# "),
    ("eos", "leaf1>"), ("eos", "leaf1#"), ("eos", "leaf1(config-s-oob)#"), ("eos", "leaf1(config-if-Et1)#"),
])
def test_prompts_are_recognised(platform: str, prompt: str) -> None:
    assert ends_with_prompt(spec(platform), f"some output\n{prompt}")


@pytest.mark.parametrize(("platform", "line"), [
    ("frr", "interface eth0"), ("ios", "  neighbor 10.0.0.1 remote-as 65000"), ("junos", "Last login: today"),
    ("eos", "Et1 is up, line protocol is up"), ("iosxr", "Mon Nov 21 08:00:00.123 UTC"),
])
def test_output_lines_are_not_prompts(platform: str, line: str) -> None:
    assert not ends_with_prompt(spec(platform), line)


@pytest.mark.parametrize(("platform", "output", "error"), [
    ("frr", "% Unknown command: show bogus\n", "% Unknown command: show bogus"),
    ("ios", "show ip bgp sum\n        ^\n% Invalid input detected at '^' marker.\n",
     "% Invalid input detected at '^' marker."),
    ("iosxr", "% Failed to commit one or more items.", "% Failed to commit one or more items."),
    ("junos", "                   ^\nsyntax error, expecting <command>.\n", "syntax error, expecting <command>."),
    ("eos", "% Incomplete command\n", "% Incomplete command"),
    ("frr", "BGP router identifier 10.0.0.1\n", None),
])
def test_first_error(platform: str, output: str, error: str | None) -> None:
    assert first_error(spec(platform), output) == error


def test_clean_output_strips_terminal_noise() -> None:
    raw = "\x1b[1mr1\x1b[0m# sh\x08\x08show\r\nline one\r\nprogress 10%\rprogress 100%\r\n\x07done"
    assert clean_output(raw) == "r1# show\nline one\nprogress 100%\ndone"


@pytest.mark.parametrize(("alias", "platform"), [
    ("cisco-ios-xe", "ios"), ("cisco_xr", "iosxr"), ("Juniper Junos", "junos"), ("arista_eos", "eos"),
    ("FRRouting", "frr"), ("opengear", None),
])
def test_platform_aliases(alias: str, platform: str | None) -> None:
    assert platform_from_alias(alias) == platform


def test_every_platform_has_what_drivers_need() -> None:
    for p in PLATFORM_SPECS.values():
        assert p.running_config.startswith("show") and read_only_reason(p, p.running_config) is None
        assert p.paging_off and p.config_enter and p.config_exit and p.errors
        if p.commit_confirmed:
            assert p.confirm_commit
