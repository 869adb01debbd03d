"""`oob guard check|drill`: judge a command before it is sent; drill the guard on a corpus.

Both work without a site (built-in thresholds) so the guard can be tried and
drilled anywhere; with a site (OOB_HOME, --config, /etc, XDG) its ``[guard]``
thresholds and inventory are used.
"""

from __future__ import annotations

import argparse
import os

from oob_console.cli.base import Context, Output, command, group
from oob_console.cli.input_files import read_stdin_text
from oob_console.config import ApprovalsConfig, find_config, load_config, with_guard_classes
from oob_console.errors import ConfigError, UsageError
from oob_console.render.guard import decision_text, drill_lines
from oob_console.services.guard import GuardService, requirement
from oob_console.wiring import build_guard


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "guard", "judge commands before they are sent; drill the guard on a corpus")
    p = command(inner, "check", cmd_check, "judge a command or config block (exit 0 read-only, 10 change, "
                "20 dangerous)",
                "Judge a command, or a config block read from stdin with '-', with the three independent "
                "checkers (per-platform rules, blast radius over the inventory, the configuration model over "
                "each device's latest backup). Prints the verdict, which checker decided, and each checker's "
                "reasons. Exit 0 read-only, 10 change, 20 dangerous; other codes are errors.")
    p.add_argument("--platform", "-p", metavar="P", help="frr, ios, iosxr, junos, eos or nxos (implied by --device)")
    p.add_argument("--device", "-d", action="append", default=[], metavar="D",
                   help="a target device in the inventory; repeat for a fan-out")
    p.add_argument("--inventory", metavar="FILE", help="inventory TOML (default: inventory.toml in the site)")
    p.add_argument("text", nargs="*", metavar="COMMAND", help="the command (after --); '-' reads a block from stdin")
    p = command(inner, "drill", cmd_drill, "judge a labelled corpus; exit 1 if any case is judged less strict "
                "than its label",
                "Run every case of a labelled corpus (a directory of TOML case files and their inventory.toml) "
                "through the guard. Fails (exit 1) on any case judged less strict than its label; cases "
                "judged stricter are listed but do not fail the drill.")
    p.add_argument("corpus", nargs="?", metavar="CORPUS", help="corpus directory (default: [guard] corpus)")
    p.add_argument("--all", action="store_true", help="list every case, not only failures and stricter ones")
    p.set_defaults(inventory=None)


def _service(args: argparse.Namespace) -> tuple[GuardService, ApprovalsConfig]:
    explicit = getattr(args, "config", None)
    try:
        path = find_config(explicit)
    except ConfigError:
        if explicit or os.environ.get("OOB_HOME"):
            raise
        # no site anywhere: built-in thresholds and approval classes
        return build_guard(None, inventory=args.inventory), with_guard_classes(ApprovalsConfig())
    loaded = load_config(str(path))
    return build_guard(loaded, inventory=args.inventory), with_guard_classes(loaded.config.approvals)


def _text(args: argparse.Namespace) -> str:
    if args.text == ["-"]:
        return read_stdin_text("command")
    if not args.text:
        raise UsageError("no command given", where="oob guard check",
                         hint="oob guard check --platform ios -- 'show running-config' (or '-' to read stdin)")
    return " ".join(args.text)


def cmd_check(args: argparse.Namespace, ctx: Context) -> Output:
    service, approvals = _service(args)
    decision = service.check(_text(args), platform=args.platform, devices=args.device)
    needs = requirement(decision.verdict, approvals)
    return Output({**decision.to_json(), "needs": needs}, decision_text(decision, needs), decision.verdict.exit_code)


def cmd_drill(args: argparse.Namespace, ctx: Context) -> Output:
    report = _service(args)[0].drill(args.corpus)
    lines = drill_lines(report, every_case=args.all)
    return Output(report.to_json(), "\n".join(lines), 1 if report.failed else 0)
