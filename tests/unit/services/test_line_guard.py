"""The session guard's judgement of typed lines, with the real command guard (every checker)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.core.devices.platforms import spec
from oob_console.core.devices.typed_lines import ModeBook
from oob_console.core.guard import Verdict
from oob_console.wiring import build_guard

# Detours inside configuration mode: each enters a sub-mode and leaves it again.
DETOURS = {
    "frr": [["interface lo", "exit"], ["router ospf", "exit"], ["ip prefix-list A seq 5 permit 192.0.2.0/24"],
            ["route-map RM permit 10", "exit"], ["line vty", "exit"]],
    "ios": [["interface Loopback0", "exit"], ["router ospf 1", "exit"], ["line vty 0 4", "exit"],
            ["ip prefix-list A seq 5 permit 192.0.2.0/24"], ["route-map RM permit 10", "exit"]],
}
DANGEROUS = "no router bgp 64512"


GUARD = build_guard(None)


def _verdict(platform: str, lines: list[str]) -> Verdict:
    """The whole guard's verdict (every checker, the strictest wins), as the session asks for it."""
    return GUARD.check("\n".join(lines), platform=platform).verdict


@settings(max_examples=60, deadline=None)
@given(platform=st.sampled_from(["frr", "ios"]), data=st.data())
def test_splitting_or_reordering_the_way_to_a_mode_never_lowers_the_verdict(platform: str,
                                                                            data: st.DataObject) -> None:
    # Typed one line at a time, a line in config mode is judged as the block of the lines before it in
    # that mode plus itself: whatever detours reached the mode, in whatever order, the line that removes
    # BGP is judged at least as strictly as when typed straight after `configure terminal`.
    detours = data.draw(st.lists(st.sampled_from(DETOURS[platform]), max_size=5))
    cli = spec(platform)
    book = ModeBook(cli)
    book.accept([cli.config_enter], in_config=False)
    for line in [line for detour in detours for line in detour]:
        book.accept([line], in_config=True)
    typed = _verdict(platform, book.block([DANGEROUS], in_config=True))
    straight = _verdict(platform, [cli.config_enter, DANGEROUS])
    assert straight is Verdict.DANGEROUS
    assert typed >= straight
    # and the same block typed whole (a paste) is judged the same as typed line by line
    assert _verdict(platform, book.block([DANGEROUS], in_config=True)) == typed
