"""Counts in words: one of a thing is singular everywhere text says how many."""

from oob_console.core.counting import counted


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert counted(1, "device") == "1 device"
    assert counted(0, "device") == "0 devices"
    assert counted(2, "warning") == "2 warnings"
    assert counted(1, "entry") == "1 entry" and counted(3, "entry") == "3 entries"
    assert counted(2, "BGP session") == "2 BGP sessions"
    assert counted(2, "person", "people") == "2 people"
