"""`oob host files | setup | check`: put oob-console on its OOB host, and verify it later."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.cli.base import Context, Output, command, group
from oob_console.errors import RefusedError, UsageError

if TYPE_CHECKING:
    from oob_console.services.host import HostLayout

SETUP_DESCRIPTION = """\
Make this host an oob-console host, as root: the system account `oob` (in group
dialout for serial lines), the site in /var/lib/oob-console (oob init; 0700, owned
by oob), /etc/oob-console/site.env (the one place that names the site for every
unit), the units (oob-serve, oob-notify-flush and its timer, oob-bgp-speaker),
enabled; the udev rule that gives oob the FIDO security keys (hidraw); with
--openssh the sshd snippet; with --serial TTY the serial-getty drop-in.

Every file comes from this installation (`oob host files --list`), with the
path of this `oob` written in. Idempotent: a second run changes nothing.
Refuses, changing nothing, when something needs a person (a different site is
already there, oob installed under a home directory). --dry-run prints every
change and makes none. --root DIR works on DIR instead of / (useradd --prefix,
systemctl --root). Exit codes: 0 done; 7 refused; 11 a change failed.
"""

CHECK_DESCRIPTION = """\
Compare this host with what `oob host setup` makes of it: the account and its
groups, the site's owner and modes, every installed file against this
installation's, the units enabled. Exit codes: 0 as it should be (warnings are
printed); 1 something differs (each finding says how to fix it).
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    host = group(sub, "host", "install oob-console on this OOB host and check it")
    p = command(host, "files", cmd_files, "the files this installation ships for the host",
                "List (--list) or print (--show NAME) the files `oob host setup` installs from.")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--list", action="store_true", help="name, size and path in the installed package")
    how.add_argument("--show", metavar="NAME", help="print one file, e.g. systemd/oob-serve.service")

    p = command(host, "setup", cmd_setup, "set this host up (account, site, units, udev rule), as root",
                SETUP_DESCRIPTION)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--site", required=True, metavar="NAME", help="the site's name, e.g. sjc1")
    _layout_options(p)
    p.add_argument("--dry-run", action="store_true", help="print every change, make none")

    p = command(host, "check", cmd_check, "verify what host setup made (owners, modes, units, udev rule)",
                CHECK_DESCRIPTION)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--site", metavar="NAME", help="the site's name (default: the one found there)")
    _layout_options(p)


def _layout_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default="/", metavar="DIR", help="work on DIR instead of / (default: /)")
    p.add_argument("--openssh", action="store_true", help="also the sshd snippet (the OpenSSH login path)")
    p.add_argument("--bgp", action="store_true", help="also enable oob-bgp-speaker (needs oob-console[bgp])")
    p.add_argument("--serial", action="append", default=[], metavar="TTY",
                   help="put the console on this serial line's getty (ttyS0, ttyUSB0; repeatable)")


def _layout(args: argparse.Namespace, site: str | None) -> HostLayout:
    from oob_console.wiring.host import detected_layout

    root = str(Path(args.root).absolute())
    if root != "/" and not Path(root).is_dir():
        raise UsageError("--root is not a directory", where=args.root, hint="make it first, or omit --root")
    for tty in args.serial:
        if not tty or "/" in tty or tty.startswith("."):
            raise UsageError("--serial takes a line name such as ttyS0", where=tty, hint="no /dev/ prefix")
    return detected_layout(root, site=site, openssh=args.openssh, bgp=args.bgp, serial=tuple(args.serial))


def cmd_files(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.host import build_host

    files = build_host().files()
    if args.show:
        match = next((f for f in files if f.name == args.show), None)
        if match is None:
            raise UsageError("no such host file", where=args.show, hint="see 'oob host files --list'")
        return Output({"name": match.name, "source": match.source, "text": match.data.decode()},
                      match.data.decode().rstrip("\n"))
    data = [{"name": f.name, "bytes": len(f.data), "source": f.source} for f in files]
    return Output(data, "\n".join(f"{f.name:<50} {len(f.data):>6}  {f.source}" for f in files))


def cmd_setup(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.render.host import setup_text
    from oob_console.wiring.host import build_host

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}", args.site):  # the rule of [site] name
        raise UsageError("--site takes a name of letters, digits, '.', '_' and '-' (at most 63)",
                         where=args.site or "''", hint="e.g. --site sjc1")
    if not args.dry_run and os.geteuid() != 0:
        raise RefusedError("host setup needs root", where="oob host setup",
                           hint="run it with sudo, or try --dry-run first")
    layout = _layout(args, args.site)
    report = build_host(layout.root).setup(layout, dry_run=args.dry_run)
    return Output(report.to_json(), setup_text(report))


def cmd_check(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.render.host import check_text
    from oob_console.wiring.host import build_host

    layout = _layout(args, args.site)
    report = build_host(layout.root).check(layout)
    return Output(report.to_json(), check_text(report), 0 if report.ok else 1)
