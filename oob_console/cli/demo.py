"""`oob demo`: the product on a throw-away site on this machine, with the console UI on top."""

from __future__ import annotations

import argparse

from oob_console.cli.base import Context, Output, command
from oob_console.cli.ui import add_profile_options, on_a_terminal, run_tui
from oob_console.core.counting import counted


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "demo", cmd_demo, "run the console on a throw-away demo site (nothing left behind)",
                "Build a temporary site (runbooks, an incident timeline in the audit log) and open the "
                "console UI on it; quitting removes everything. Without a terminal (or with --no-tui), "
                "print what the demo did instead.")
    p.add_argument("--keep", action="store_true", help="keep the demo site's directory and print its path")
    p.add_argument("--no-tui", action="store_true", help="do not open the console UI; print a summary")
    add_profile_options(p)


def cmd_demo(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.demo.people import attached, drill_waiting_for_bob, scripted
    from oob_console.demo.site import DemoSite

    with DemoSite(keep=args.keep) as demo:
        app = demo.services
        shown, story = None, []
        if on_a_terminal() and not args.no_tui and not ctx.json:
            drill_waiting_for_bob(app, demo.people)
            with attached(*demo.people.at_the_host):
                shown = run_tui(app, args)
        else:
            story = scripted(app, demo.people)
        report = app.audit.verify()
        lines = [f"demo site in {demo.home} (a throw-away OOB_HOME)"]
        if demo.stale_removed:
            lines.append(f"removed {counted(len(demo.stale_removed), 'demo site')} left by a demo that was killed")
        if shown is None:
            for e in app.audit.show(action="note"):
                lines.append(f"  #{e['seq']} {e['time'][:19]} {e['actor']:<12} {e['details']['text']}")
            lines += ["hardware-key login and a quorum-approved drill:", *story]
        lines.append(f"audit chain intact: {counted(report.entries, 'entry')}")
        lines.append(f"kept: {demo.home}" if args.keep else "demo site removed; nothing is left running")
        data = {"home": str(demo.home), "entries": report.entries, "kept": args.keep, "tui": shown}
    return Output(data, "\n".join(lines))
