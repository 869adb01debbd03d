"""Offline runbooks as values: titles and search over Markdown text.

Runbooks are plain Markdown files kept on the console host, because the wiki
is on the network that is down. Loading them lives in an adapter; this module
only decides what a runbook is called and which ones match a query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
EXCERPT_WIDTH = 72


@dataclass(frozen=True)
class Runbook:
    """One Markdown file; ``name`` is its path under the runbooks folder, without ``.md``."""

    name: str
    title: str
    text: str

    @property
    def lines(self) -> int:
        return self.text.count("\n") + (0 if self.text.endswith("\n") or not self.text else 1)


@dataclass(frozen=True)
class Hit:
    """A runbook matching a query: the first line where a term occurs (0: only its title/name)."""

    runbook: Runbook
    score: int
    line: int = 0
    excerpt: str = ""


def title_of(text: str, fallback: str) -> str:
    """The first level-1 heading, else the first heading, else ``fallback``."""
    headings = [(len(m.group(1)), m.group(2).strip()) for m in _HEADING.finditer(text)]
    for level, title in headings:
        if level == 1:
            return title
    return headings[0][1] if headings else fallback


def make_runbook(name: str, text: str) -> Runbook:
    return Runbook(name=name, title=title_of(text, name), text=text)


def _excerpt(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= EXCERPT_WIDTH else line[: EXCERPT_WIDTH - 3] + "..."


def search(runbooks: Iterable[Runbook], query: str) -> list[Hit]:
    """Runbooks containing every word of ``query`` (case-insensitive), best first.

    A word in the title counts most, in the name next, each occurrence in the
    text once (at most 20). An empty query matches everything, by title.
    """
    terms = query.lower().split()
    hits: list[Hit] = []
    for rb in runbooks:
        if not terms:
            hits.append(Hit(rb, 0))
            continue
        title, name, text = rb.title.lower(), rb.name.lower(), rb.text.lower()
        if not all(t in title or t in name or t in text for t in terms):
            continue
        score = sum(10 * (t in title) + 5 * (t in name) + min(text.count(t), 20) for t in terms)
        line_no, excerpt = 0, ""
        for i, line in enumerate(rb.text.splitlines(), 1):
            low = line.lower()
            if any(t in low for t in terms) and not _HEADING.match(line):
                line_no, excerpt = i, _excerpt(line)
                break
        hits.append(Hit(rb, score, line_no, excerpt))
    hits.sort(key=lambda h: (-h.score, h.runbook.title.lower(), h.runbook.name))
    return hits
