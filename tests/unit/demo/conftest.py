"""Fixtures: the demo's people, keys and routers (shared with the TUI tests)."""

from tests.tui.people import people_site  # noqa: F401 - a fixture for this directory
