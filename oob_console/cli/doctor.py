"""`oob doctor`: does anything the console needs share fate with production?"""

from __future__ import annotations

import argparse
from pathlib import Path

from oob_console.cli.base import Context, Output, command
from oob_console.render.doctor import doctor_text

EXIT_CRITICAL = 20
EXIT_STRICT = 21

DESCRIPTION = """\
Build the console's dependency graph on this host and judge it against the
production network declared in [production]: resolvers (a local stub such as
systemd-resolved, dnsmasq or unbound is followed to its upstreams), the default
route, the route to every configured endpoint (comms channels, drill uplink
targets, doctor.endpoints, devices, console servers, BGP peers, the NTP
servers of chrony/ntpd/timesyncd), proxies in the environment, names that need
DNS at run time; the filesystem of every file the console reads at run time
(store, audit log and signing key, server host key, key and secret files,
journals, VRP export, runbooks, recordings): a network, FUSE or automounted
one is critical; the clock against the newest timestamps the console holds;
the front door ([server] listen, sshd's ListenAddress when sshd runs
'oob ssh-entry', the serial gettys of doctor.serial_ttys); the age of local
data and of the last passing drill. With nothing declared as production it
says it could not judge shared fate.

Each finding has a level, the path the kernel would take, the problem and the fix.
Exit codes: 0 nothing critical (warnings are printed); 20 a critical dependency
crosses production or cannot be reached; 21 (only with --strict) a warning,
such as "could not judge shared fate"; 3 config invalid.

--root DIR (or OOB_DOCTOR_ROOT=DIR) reads the host's configuration files
(/etc, /run) below DIR instead of /: for tests and for checking a host image.
Routes, addresses and the mount table always come from the live kernel.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "doctor", cmd_doctor, "check that nothing the console needs crosses production", DESCRIPTION)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--strict", action="store_true", help="exit 21 on any warning (nothing critical)")
    p.add_argument("--root", metavar="DIR", help="read /etc and /run below DIR (tests, host images)")


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> Output:
    if getattr(args, "root", None):
        from oob_console.wiring.doctor import build_doctor

        doctor = build_doctor(ctx.app, root=Path(args.root))
    else:
        doctor = ctx.app.doctor
    report = doctor.run()
    site = ctx.app.loaded.config.site.name
    data = {"site": site, **report.to_json()}
    code = EXIT_CRITICAL if report.critical else 0
    if not code and getattr(args, "strict", False) and report.counts.get("warning", 0):
        code = EXIT_STRICT
    return Output(data, doctor_text(report, site), code)
