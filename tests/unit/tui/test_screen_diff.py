"""ScreenDiff against an independent terminal model: what a person sees must not change."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from oob_console.render.text import to_ascii
from oob_console.tui.screen_diff import PLAIN, ScreenDiff, Style, apply_sgr, sgr_transition
from tests.tui.terminal_model import Terminal

W, H = 20, 6
SGRS = ["0", "", "1", "7", "4", "1;31", "0;1;31", "38;5;12", "48;2;10;20;30", "2;3", "22", "27", "39;49", "92;44"]


def textual_frame(ops: list[tuple[int, int, str, str]]) -> str:
    """Frames shaped like Textual's: move, then styled segments each followed by a reset."""
    parts = []
    for y, x, sgr, text in ops:
        text = text[: W - x]
        parts.append(f"\x1b[{y + 1};{x + 1}H\x1b[{sgr}m{text}\x1b[0m")
    return "".join(parts)


op = st.tuples(
    st.integers(0, H - 1), st.integers(0, W - 1), st.sampled_from(SGRS),
    st.text(alphabet="ab  -|xyz─", min_size=0, max_size=W),
)


@settings(max_examples=300, deadline=None)
@given(frames=st.lists(st.lists(op, max_size=12), min_size=1, max_size=6))
def test_the_terminal_shows_what_textual_drew(frames: list[list[tuple[int, int, str, str]]]) -> None:
    textual_view = Terminal(W, H, fill="#")  # a terminal with old content on it
    filtered_view = Terminal(W, H, fill="#")
    diff = ScreenDiff(W, H)
    # Textual's first frame paints every line of the screen
    first = "".join(f"\x1b[{y + 1};1H\x1b[0m{' ' * W}" for y in range(H))
    for frame in [first] + [textual_frame(ops) for ops in frames]:
        textual_view.feed(frame)
        filtered_view.feed(diff.feed(frame))
        assert filtered_view.screen() == textual_view.screen()


def test_an_unchanged_frame_sends_nothing() -> None:
    diff = ScreenDiff(W, H)
    frame = "\x1b[1;1H\x1b[1;31mhello\x1b[0m\x1b[2;1H\x1b[7m row \x1b[0m"
    assert diff.feed(frame)
    assert diff.feed(frame) == ""
    assert diff.feed("\x1b[?2026h" + frame + "\x1b[?2026l") == ""


def test_a_style_is_not_restated_between_segments() -> None:
    diff = ScreenDiff(W, H)
    out = diff.feed("\x1b[1;1H\x1b[1mab\x1b[0m\x1b[1mcd\x1b[0m\x1b[1mef\x1b[0m")
    assert out.count("\x1b[") == 4  # reset, home+clear, bold once
    assert "abcdef" in out


def test_one_changed_cell_costs_a_move_a_style_and_the_cell() -> None:
    diff = ScreenDiff(80, 24)
    diff.feed("\x1b[?25l\x1b[5;1H" + "x" * 80)
    assert diff.feed("\x1b[5;1H" + "x" * 40 + "Y" + "x" * 39) == "\x1b[5;41HY"


def test_a_cleared_line_tail_is_erased_not_overwritten() -> None:
    diff = ScreenDiff(80, 24)
    diff.feed("\x1b[?25l\x1b[3;1H" + "word " * 16)
    out = diff.feed("\x1b[3;1H" + "word" + " " * 76)
    assert out == "\x1b[3;5H\x1b[K"


def test_a_blank_cell_ignores_styles_that_cannot_be_seen() -> None:
    diff = ScreenDiff(W, H)
    diff.feed("\x1b[1;1Ha b")
    assert diff.feed("\x1b[1;1Ha\x1b[1;31m \x1b[0mb") == ""
    assert diff.feed("\x1b[1;1Ha\x1b[7m \x1b[0mb") != ""


def test_dropped_and_passed_sequences() -> None:
    diff = ScreenDiff(W, H)
    for seq in ("\x1b[?2026h", "\x1b[?1004h", "\x1b[>25u", "\x1b[<u", "\x1b[?2026$p", "\x1b]22;pointer\x07",
                "\x1b]8;id=1;https://example.com\x1b\\"):
        assert diff.feed(seq) == "", seq
    for seq in ("\x1b[?1049h", "\x1b[?2004h", "\x1b[?7l", "\x1b[?25l"):
        assert diff.feed(seq) == seq


def test_nothing_is_drawn_before_the_alternate_screen() -> None:
    diff = ScreenDiff(W, H)
    assert diff.feed("\x1b[?1049h") == "\x1b[?1049h"  # the operator's shell screen is not cleared


def test_a_sequence_split_across_writes() -> None:
    diff = ScreenDiff(W, H)
    out = diff.feed("\x1b[1;1H\x1b[1") + diff.feed(";31mred\x1b[0m")
    view = Terminal(W, H)
    view.feed(out)
    assert view.cells[0][0] == ("r", frozenset({"bold"}), "31", "")


def test_leaving_resets_the_style_and_clears_for_terminals_without_an_alternate_screen() -> None:
    diff = ScreenDiff(W, H)
    diff.feed("\x1b[?25l\x1b[1;1H\x1b[7mX\x1b[0m")
    assert diff.feed("\x1b[?1049l") == "\x1b[m\x1b[H\x1b[2J\x1b[?1049l"


def test_no_colour_keeps_attributes() -> None:
    diff = ScreenDiff(W, H, colors=False)
    out = diff.feed("\x1b[1;1H\x1b[1;31;44mX\x1b[0m")
    assert "31" not in out and "44" not in out and "\x1b[1m" in out


def test_ascii_only_transliterates_and_keeps_columns() -> None:
    diff = ScreenDiff(W, H, ascii_only=True)
    view = Terminal(W, H)
    view.feed(diff.feed("\x1b[1;1H┌─┐ 中x ✓"))
    assert view.text().splitlines()[0] == "+-+ ??x v"
    assert to_ascii("é") == "?"


def test_wide_characters_keep_their_two_columns() -> None:
    diff = ScreenDiff(W, H)
    diff.feed("\x1b[?25l\x1b[1;1H中文ab")
    out = diff.feed("\x1b[1;1H中字ab")
    assert out == "\x1b[1;3H字"


def test_resize_forgets_the_screen() -> None:
    diff = ScreenDiff(W, H)
    diff.feed("\x1b[1;1Hab")
    diff.resize(30, 8)
    assert diff.feed("\x1b[1;1Hab") == "\x1b[m\x1b[H\x1b[2Jab"


def test_sgr_parsing_and_transitions() -> None:
    bold_red = apply_sgr(PLAIN, "1;31", colors=True)
    assert bold_red == Style(bold=True, fg="31")
    assert apply_sgr(bold_red, "22", colors=True) == Style(fg="31")
    assert apply_sgr(PLAIN, "38;2;1;2;3;4", colors=True) == Style(fg="38;2;1;2;3", underline=True)
    assert sgr_transition(PLAIN, bold_red) == "\x1b[1;31m"
    assert sgr_transition(bold_red, Style(bold=True, fg="32")) == "\x1b[32m"
    assert sgr_transition(bold_red, Style(fg="31")) == "\x1b[0;31m"
    assert sgr_transition(None, PLAIN) == "\x1b[m"
