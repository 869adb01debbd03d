"""`oob drill run`, `oob drill report`."""

from __future__ import annotations

import argparse
import sys

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.key_prompt import TerminalPrompt, add_pin_option
from oob_console.core.drill import KINDS, StepResult, duration, render_markdown

EXIT_FAILED = 1
EXIT_INCOMPLETE = 10

RUN_DESCRIPTION = f"""\
Run the break-glass drill: every recovery path end to end, each step timed.
Steps, in the default plan's order: {', '.join(KINDS)}.
A kind this build cannot drill is reported as missing, never skipped silently.
The report (Markdown and JSON) goes to paths.reports; every step is audited.

Exit codes: 0 every step passed; 1 a step failed; 10 nothing failed but some
steps are missing or were skipped (nothing configured); 3 bad plan or config;
11 the audit log or the report could not be written.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "drill", "break-glass drills: run one, read the reports")
    p = command(inner, "run", cmd_run, "run the drill (or plan it with --dry-run)", RUN_DESCRIPTION)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--plan", metavar="PATH", help="a drill plan (TOML; default: drill.plan, else every step)")
    p.add_argument("--dry-run", action="store_true", help="list the steps it would run; touch nothing")
    p.add_argument("--unattended", action="store_true",
                   help="nobody is at the console: steps that need a person (touching keys) report untested")
    add_pin_option(p)
    p = command(inner, "report", cmd_report, "list drill reports, or show one",
                "Without arguments: every drill report, newest first. --last or NAME: that report "
                "(Markdown; the JSON with --json). Exit 6 when there is none.")
    p.add_argument("name", nargs="?", metavar="NAME", help="a report name (drill-YYYYMMDDTHHMMSSZ)")
    p.add_argument("--last", action="store_true", help="the newest report")


class TerminalOperator(TerminalPrompt):
    """The drill lead at this terminal."""

    def say(self, text: str) -> None:
        print(f"  >> {text}", file=sys.stderr, flush=True)


def _progress(result: StepResult) -> None:
    target = f" {result.target}" if result.target else ""
    line = f"  {result.status:<8} {duration(result.seconds):>9}  {result.kind}{target}: {result.detail}"
    print(line, file=sys.stderr)


def cmd_run(args: argparse.Namespace, ctx: Context) -> Output:
    app = ctx.app
    plan, source = app.drill_plan(args.plan)
    if args.dry_run:
        report = app.drill.dry_run(plan, source)
        lines = [f"drill plan: {plan.name} ({source}); nothing was run"]
        for i, s in enumerate(report["steps"], start=1):
            lines.append(f"  {i:>2}. {s['kind']:<17} {s['target'] or '-':<24} {s['status']}: {s['detail']}")
        if report["not_in_plan"]:
            lines.append(f"not in this plan: {', '.join(report['not_in_plan'])}")
        return Output(report, "\n".join(lines))
    if not ctx.json:
        print(f"drill: {plan.name} ({source})", file=sys.stderr)
    operator = None if args.unattended else TerminalOperator(args.pin)
    report = app.drill.run(plan, source, on_step=None if ctx.json else _progress, operator=operator)
    code = {"pass": 0, "fail": EXIT_FAILED}.get(report["verdict"], EXIT_INCOMPLETE)
    text = render_markdown(report) + f"\nreport: {', '.join(report['files'])}"
    return Output(report, text, code)


def cmd_report(args: argparse.Namespace, ctx: Context) -> Output:
    drill = ctx.app.drill
    if args.name or args.last:
        markdown, data = drill.report(args.name)
        return Output(data, markdown.rstrip("\n"))
    reports = drill.list_reports()
    if not reports:
        return Output(reports, "no drill has been run on this site")
    lines = []
    for r in reports:
        c = r.get("counts") or {}
        lines.append(f"{r['id']}  {r['verdict']:<10} {c.get('pass', 0)} passed, {c.get('fail', 0)} failed, "
                     f"{c.get('missing', 0)} missing, {c.get('skipped', 0)} skipped")
    last = drill.last_passing()
    lines.append(f"last passing drill: {last['id']}, {last['days_ago']} days ago" if last else
                 "no passing drill on record")
    return Output({"reports": reports, "last_passing": last}, "\n".join(lines))
