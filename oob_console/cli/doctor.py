"""`oob doctor`: does anything the console needs share fate with production?"""

from __future__ import annotations

import argparse

from oob_console.cli.base import Context, Output, command
from oob_console.render.doctor import doctor_text

EXIT_CRITICAL = 20

DESCRIPTION = """\
Build the console's dependency graph on this host and judge it against the
production network declared in [production]: resolvers, the default route, the
route to every configured endpoint (comms channels, drill uplink targets,
doctor.endpoints, NTP servers), proxies in the environment, the filesystems
holding the store, audit log, recordings, reports and outbox, names that need
DNS at run time, and the age of local data and of the last passing drill.

Each finding has a level, the path the kernel would take, the problem and the fix.
Exit codes: 0 nothing critical (warnings are printed); 20 a critical dependency
crosses production or cannot be reached; 3 config invalid.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "doctor", cmd_doctor, "check that nothing the console needs crosses production", DESCRIPTION)
    p.formatter_class = argparse.RawDescriptionHelpFormatter


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> Output:
    report = ctx.app.doctor.run()
    site = ctx.app.loaded.config.site.name
    data = {"site": site, **report.to_json()}
    return Output(data, doctor_text(report, site), EXIT_CRITICAL if report.critical else 0)
