"""Runbook search hits as lines: the TUI's and the shell's list, the CLI's table."""

from __future__ import annotations

from oob_console.core.runbooks import Hit, Runbook
from oob_console.render.text import printable


def runbook_line(hit: Hit) -> str:
    """``Title (name)``, or the name alone when it is the title."""
    rb = hit.runbook
    return printable(rb.title if rb.title == rb.name else f"{rb.title} ({rb.name})")


def excerpt_line(hit: Hit) -> str:
    """``line: excerpt`` where the words were found ("" when the hit has no excerpt)."""
    return printable(f"{hit.line}: {hit.excerpt}") if hit.excerpt else ""


def search_lines(hits: list[Hit]) -> list[str]:
    """`oob runbooks search`: ``name  title``, names aligned, each excerpt under its title."""
    width = max((len(h.runbook.name) for h in hits), default=0)
    return [printable(f"{h.runbook.name:<{width}}  {h.runbook.title}") + (f"\n{'':<{width}}  {excerpt_line(h)}"
                                                                 if h.excerpt else "") for h in hits]


def runbook_heading(rb: Runbook) -> str:
    return printable(f"== {rb.title} ({rb.name}.md) ==")
