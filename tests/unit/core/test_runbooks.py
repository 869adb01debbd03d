from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from oob_console.core.runbooks import Runbook, make_runbook, search, title_of


def test_title_prefers_the_first_level_one_heading() -> None:
    assert title_of("intro\n## Steps\n# Withdraw a prefix ##\n", "x") == "Withdraw a prefix"
    assert title_of("text\n### Only a sub heading\n", "x") == "Only a sub heading"
    assert title_of("no headings here\n", "fallback") == "fallback"
    assert title_of("#not a heading\n", "fallback") == "fallback"


def test_search_needs_every_word_and_ranks_titles_first() -> None:
    books = [
        make_runbook("bgp/withdraw", "# Withdraw an emergency prefix\n\nRun oob bgp withdraw.\n"),
        make_runbook("console", "# Reach a router console\n\nIf BGP is down, use the console server.\n"),
        make_runbook("drill", "# Quarterly drill\n\nNothing about routing.\n"),
    ]
    hits = search(books, "BGP")
    assert [h.runbook.name for h in hits] == ["bgp/withdraw", "console"]
    assert hits[1].line == 3 and hits[1].excerpt.startswith("If BGP is down")
    assert [h.runbook.name for h in search(books, "bgp console")] == ["console"]
    assert search(books, "nowhere") == []
    assert [h.runbook.title for h in search(books, "  ")] == sorted(b.title for b in books)


def test_excerpt_is_one_short_line() -> None:
    rb = make_runbook("long", "# T\n\n" + "word " * 40 + "needle\n")
    (hit,) = search([rb], "word")
    assert len(hit.excerpt) <= 72 and hit.excerpt.endswith("...") and "\n" not in hit.excerpt


@given(st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=30), min_size=1, max_size=5),
       st.text(alphabet="abcdefgh", min_size=1, max_size=4))
def test_a_runbook_is_found_exactly_when_it_holds_the_word(texts: list[str], word: str) -> None:
    books = [Runbook(f"rb{i}", f"rb{i}", t) for i, t in enumerate(texts)]
    found = {h.runbook.name for h in search(books, word)}
    assert found == {b.name for b in books if word in b.text or word in b.name}
