"""Properties of the guard over open-ended input (hypothesis).

1. It never crashes on arbitrary text: every checker returns a real report (a crash would
   be hidden by failing closed, so "no checker failed" is asserted, not just "a verdict came back").
2. Embedding a dangerous line anywhere in a block never lowers the verdict.
3. Re-casing, abbreviating or re-spacing a command never lowers its verdict.
"""

from __future__ import annotations

import os
from functools import cache
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oob_console.core.guard import Decision, GuardPolicy, GuardRequest, Verdict
from oob_console.core.guard.corpus import Case
from oob_console.core.guard.grammar import Node
from oob_console.core.guard.rules import RuleChecker
from tests.guard_support import corpus, judge_nxos, nxos_corpus
from tests.guard_support import judge as judge_old

PLATFORMS = ("frr", "ios", "iosxr", "junos", "eos", "nxos")
RULES = RuleChecker()
# GUARD_EXAMPLES=5000 for a deeper run than CI's
SETTINGS = settings(max_examples=int(os.environ.get("GUARD_EXAMPLES", "300")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Lines that are dangerous whatever mode the device is in when they arrive.
DANGEROUS_LINES = {
    "ios": ["reload", "clear ip bgp *", "write erase", "configure replace flash:golden.cfg force", "tclsh"],
    "eos": ["reload now", "clear ip bgp *", "bash", "configure replace flash:old", "reload power"],
    "iosxr": ["reload location all", "clear bgp ipv4 unicast *", "run /tmp/x.sh", "process restart bgp"],
    "frr": ["clear bgp *", "clear ip bgp *", "start-shell", "clear ip ospf process"],
    "junos": ["request system reboot", "clear bgp neighbor", "restart routing", "start shell", "op assess"],
    "nxos": ["reload", "clear ip bgp *", "write erase", "run bash", "rollback running-config checkpoint c1",
             "install all nxos bootflash:n.bin"],
}
TARGETS = {"ios": [(), ("ios-bb1",), ("ios-edge1",)], "eos": [(), ("eos-bb1",), ("eos-leaf1",)],
           "iosxr": [(), ("xr-bb1",), ("xr-bb1", "xr-bb2")], "frr": [(), ("frr-bb1",), ("frr-edge1",)],
           "junos": [(), ("mx-bb1",), ("mx-edge1",)],
           "nxos": [(), ("fra-nx-bb1",), ("fra-nx-bb3",), ("fra-nx-bb1", "fra-nx-bb2")]}


def judge(platform: str, text: str, *devices: str) -> Decision:
    """NX-OS on the NX-OS corpus's devices (with their backups), the others on the old corpus's."""
    return judge_nxos(text, *devices) if platform == "nxos" else judge_old(platform, text, *devices)


@cache
def cases() -> tuple[Case, ...]:
    """The old corpus's cases and the NX-OS corpus's NX-OS cases (the properties hold for every platform)."""
    return (*corpus().cases, *(c for c in nxos_corpus().cases if c.platform == "nxos"))


@cache
def vocabulary(platform: str) -> tuple[str, ...]:
    words: set[str] = set()

    def walk(node: Node) -> None:
        for word, child in node.lits.items():
            words.add(word)
            walk(child)
        for _, child in node.args:
            walk(child)

    for root in RULES.dialects[platform].grammar.roots.values():
        walk(root)
    return tuple(sorted(words))


@cache
def corpus_lines(platform: str) -> tuple[str, ...]:
    return tuple(sorted({line for c in cases() if c.platform == platform for line in c.text.splitlines()}))


@cache
def judged() -> dict[str, Verdict]:
    return {c.id: judge(c.platform, c.text, *c.devices).verdict for c in cases()}


def shortest_unique(word: str, platform: str) -> int | None:
    """Length of the shortest prefix of ``word`` no other keyword starts with (None: there is none)."""
    others = [w for w in vocabulary(platform) if w != word]
    for n in range(1, len(word)):
        if not any(o.startswith(word[:n]) for o in others):
            return n
    return None


def lines(platform: str) -> st.SearchStrategy[str]:
    soup = st.lists(st.sampled_from([*vocabulary(platform), "*", "10.0.0.1", "Gi0/1", "et-0/0/0", "ae0", "{",
                                     "}", ";", "|", "65000", '"x', "<*>"]), max_size=8).map(" ".join)
    noise = st.text(max_size=30).map(lambda s: s.replace("\n", " "))
    return st.one_of(st.sampled_from(corpus_lines(platform)), soup, noise)


@SETTINGS
@given(platform=st.sampled_from((*PLATFORMS, "nx-os", "")), text=st.text(max_size=300),
       with_device=st.booleans())
def test_never_crashes_on_arbitrary_text(platform: str, text: str, with_device: bool) -> None:
    devices = TARGETS[platform][1] if with_device and platform in TARGETS else ()
    decision = judge(platform, text, *devices)
    assert isinstance(decision.verdict, Verdict)
    if platform in PLATFORMS:
        assert not [r.reasons for r in decision.reports if r.failed]
    else:
        assert decision.verdict is Verdict.DANGEROUS


@st.composite
def blocks(draw: st.DrawFn) -> tuple[str, list[str], tuple[str, ...]]:
    """(platform, lines of a command-shaped block, target devices)."""
    platform = draw(st.sampled_from(PLATFORMS))
    return platform, draw(st.lists(lines(platform), max_size=12)), draw(st.sampled_from(TARGETS[platform]))


@SETTINGS
@given(block=blocks())
def test_never_crashes_on_command_shaped_text(block: tuple[str, list[str], tuple[str, ...]]) -> None:
    platform, text, devices = block
    decision = judge(platform, "\n".join(text), *devices)
    assert not [r.reasons for r in decision.reports if r.failed]


@SETTINGS
@given(block=blocks(), data=st.data())
def test_a_dangerous_line_anywhere_in_a_block_keeps_it_dangerous(block: tuple[str, list[str], tuple[str, ...]],
                                                                   data: st.DataObject) -> None:
    platform, lines_, devices = block
    line = data.draw(st.sampled_from(DANGEROUS_LINES[platform]))
    at = data.draw(st.integers(0, len(lines_)))
    text = "\n".join([*lines_[:at], line, *lines_[at:]])
    decision = judge(platform, text, *devices)
    assert decision.verdict is Verdict.DANGEROUS, text
    rules = next(r for r in decision.reports if r.checker == "rules")
    assert rules.verdict is Verdict.DANGEROUS, text  # and the rule checker alone sees it too


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_dangerous_line_alone_is_dangerous(platform: str) -> None:
    for line in DANGEROUS_LINES[platform]:
        assert judge(platform, line).verdict is Verdict.DANGEROUS, line


def _reshape(text: str, platform: str, rnd: Random) -> str:
    """Abbreviate keywords (never below what the device accepts), re-case and re-space every line."""
    out = []
    for line in text.splitlines():
        words = []
        for word in line.split():
            low = word.lower()
            shortest = shortest_unique(low, platform) if low in vocabulary(platform) else None
            if shortest is not None and rnd.random() < 0.5:
                word = word[:rnd.randint(max(3, shortest), len(word))]
            if rnd.random() < 0.5:
                word = "".join(ch.upper() if rnd.random() < 0.5 else ch.lower() for ch in word)
            words.append(word)
        space = rnd.choice([" ", "  ", "\t", " \t ", "   "])
        out.append(rnd.choice(["", " ", "   ", "\t"]) + space.join(words) + rnd.choice(["", " ", "\t", "\r"]))
    return rnd.choice(["\n", "\r\n"]).join(out)


@SETTINGS
@given(case=st.sampled_from(cases()), rnd=st.randoms(use_true_random=False))
def test_recasing_abbreviating_or_respacing_never_lowers(case: Case, rnd: Random) -> None:
    text = _reshape(case.text, case.platform, rnd)
    before = judged()[case.id]
    after = judge(case.platform, text, *case.devices).verdict
    assert after >= before, (case.id, text, before.label, after.label)


def test_reshaping_really_abbreviates() -> None:
    """The abbreviation the property uses is the device's: the shortest prefix nothing else starts with."""
    assert shortest_unique("reload", "ios") == 3
    assert shortest_unique("interface", "ios") is not None
    assert judge("ios", "rel").verdict is Verdict.DANGEROUS
    assert judge("junos", "del prot bgp").verdict is Verdict.DANGEROUS


def test_policy_does_not_change_what_crashes() -> None:
    strict = GuardPolicy(link_share=0.01, backbone_share=0.01, session_share=0.01, max_interfaces_down=0)
    report = RULES.check(GuardRequest("ios", "interface Gi0/1\n shutdown"), strict)
    assert report.verdict is Verdict.DANGEROUS and not report.failed
