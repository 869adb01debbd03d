"""`oob runbooks [words]` and `oob runbooks show NAME`: the offline runbooks from the command line."""

from __future__ import annotations

import argparse

from oob_console.cli.base import Context, Output, command, group
from oob_console.render.runbooks import search_lines


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "runbooks", "search and read the offline Markdown runbooks (paths.runbooks)")
    p = command(inner, "search", cmd_search, "list runbooks containing every word, best first (all without words)")
    p.add_argument("words", nargs="*", help="words to look for in titles, names and text")
    p = command(inner, "show", cmd_show, "print one runbook's Markdown (exit 6 if there is no such runbook)")
    p.add_argument("name", help="its path under the runbooks folder, without .md (as `search` lists it)")


def cmd_search(args: argparse.Namespace, ctx: Context) -> Output:
    hits = ctx.app.runbooks.search(" ".join(args.words))
    data = [{"name": h.runbook.name, "title": h.runbook.title, "score": h.score, "line": h.line,
             "excerpt": h.excerpt} for h in hits]
    return Output(data, "\n".join(search_lines(hits)) or "(no runbook matches)")


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    rb = ctx.app.runbooks.get(args.name)
    return Output({"name": rb.name, "title": rb.title, "text": rb.text}, rb.text.rstrip("\n"))
