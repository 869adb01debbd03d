"""`oob init`, `oob config check`, `oob note` (`oob demo` is in ``cli.demo``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oob_console.cli.base import Context, Output, command, group
from oob_console.config import default_home, load_config
from oob_console.errors import UsageError
from oob_console.render.audit import noted_line


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = command(sub, "init", cmd_init, "create a site directory (config, sealed audit log, sealing key)",
                "Create an OOB_HOME: a 0700 directory with a starter config.toml (0600), state folders, "
                "the audit sealing key and the sealed genesis of the audit log. Prints the audit "
                "VERIFICATION KEY once: keep it off the host. Refuses to touch an existing site. "
                "--production (with --production-asn, --production-interface) records what production is, "
                "so `oob doctor` can judge shared fate; without them, and only when stdin is a terminal, "
                "it asks; otherwise [production] stays empty and doctor warns that it could not judge.")
    p.add_argument("--home", metavar="DIR", help="where (default: $OOB_HOME, else ~/.config/oob-console)")
    p.add_argument("--name", default="oob", help="site name (default: oob)")
    p.add_argument("--checkpoint-every", type=int, default=1000, metavar="N",
                   help="seal the audit log at least every N entries (default 1000; [audit] checkpoint_every)")
    p.add_argument("--production", metavar="PREFIX", nargs="+", action="extend", default=[],
                   help="production's prefixes (10.0.0.0/8 2001:db8::/32 ...)")
    p.add_argument("--production-asn", metavar="ASN", type=int, nargs="+", action="extend", default=[],
                   help="production's own AS numbers")
    p.add_argument("--production-interface", metavar="IF", nargs="+", action="extend", default=[],
                   help="this host's interfaces into production")

    cfg_sub = group(sub, "config", "check the config")
    command(cfg_sub, "check", cmd_config_check, "validate the config and print a summary (exit 0 only if valid)")

    p = command(sub, "note", cmd_note, "append an operator note to the audit log (incident timeline)")
    p.add_argument("text", nargs="+", help='e.g. "15:52 starting backbone recovery at SJC1"')


def cmd_init(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring import init_site

    home = Path(args.home) if args.home else default_home()
    if args.checkpoint_every < 1:
        raise UsageError("--checkpoint-every must be at least 1", where="--checkpoint-every")
    prefixes, asns, ifaces = list(args.production), list(args.production_asn), list(args.production_interface)
    if not (prefixes or asns or ifaces) and sys.stdin.isatty() and sys.stderr.isatty():
        prefixes, asns, ifaces = _ask_production()
    result = init_site(home, name=args.name, production=(prefixes, asns, ifaces),
                       checkpoint_every=args.checkpoint_every)
    declared = ", ".join(prefixes + [f"AS{a}" for a in asns] + ifaces)
    text = (f"created site {result['site']!r} in {result['home']}\n"
            f"  config     {result['config']}\n  audit log  {result['audit_log']}\n"
            + (f"  production {declared}\n" if declared else
               "  production not declared: oob doctor cannot judge shared fate (re-run with --production, or edit "
               "[production])\n")
            + "AUDIT VERIFICATION KEY (shown once; write it down, keep it OFF this host):\n"
            + f"  {result['verify_key']}\n"
            + f"  it proves the audit log: oob audit verify --verify-key {result['verify_key']}\n"
            + f"next: OOB_HOME={result['home']} oob config check")
    return Output(result, text)


def _ask_production() -> tuple[list[str], list[int], list[str]]:
    """Ask on the terminal what production is (empty answers: not declared)."""
    from oob_console.errors import UsageError

    def ask(what: str) -> list[str]:
        try:
            return input(f"{what} (space-separated, empty to skip): ").split()
        except EOFError:
            return []

    print("What is production? oob doctor checks that nothing the console needs crosses it.", file=sys.stderr)
    prefixes = ask("production prefixes, like 10.0.0.0/8")
    asns_text = ask("production AS numbers")
    ifaces = ask("this host's interfaces into production")
    try:
        asns = [int(a.upper().removeprefix("AS")) for a in asns_text]
    except ValueError:
        raise UsageError(f"not an AS number: {' '.join(asns_text)}", hint="digits, like 64500") from None
    return prefixes, asns, ifaces


def cmd_config_check(args: argparse.Namespace, ctx: Context) -> Output:
    loaded = load_config(getattr(args, "config", None))
    cfg = loaded.config
    paths = {name: str(loaded.resolve(getattr(cfg.paths, name))) for name in cfg.paths.__dataclass_fields__}
    warnings: list[str] = []
    if cfg.auth.allow_software_keys:
        warnings.append("[auth] allow_software_keys = true: SOFTWARE keys (no hardware, copyable files) can log in "
                        "and approve on this site. Demo and test sites only; set it to false in production.")
    for name in cfg.bgp.unconfirmable():
        warnings.append(f"[bgp.upstreams.{name}] has no confirmation source: 'oob bgp announce' through it can only "
                        "end UNCONFIRMED (exit 10). Set its looking_glass (the upstream's own looking glass or "
                        "route-server API) and/or collectors (e.g. RIPEstat) from [bgp.looking_glasses], and/or feeds "
                        "(another of our ExaBGP upstreams whose received routes carry our prefix back).")
    data = {"file": str(loaded.path), "site": cfg.site.name, "paths": paths,
            "audit": {"checkpoint_every": cfg.audit.checkpoint_every,
                      "checkpoint_interval": cfg.audit.checkpoint_interval.seconds,
                      "sealing_key": str(loaded.resolve(cfg.audit.sealing_key)),
                      "signing_key": str(loaded.resolve(cfg.audit.signing_key))},
            "warnings": warnings}
    lines = [f"config ok: {loaded.path}", f"  site       {cfg.site.name}"]
    lines += [f"  {name:<10} {value}" for name, value in paths.items()]
    lines += [f"WARNING: {w}" for w in warnings]
    return Output(data, "\n".join(lines))


def cmd_note(args: argparse.Namespace, ctx: Context) -> Output:
    entry = ctx.app.audit.note(" ".join(args.text))
    return Output(entry, noted_line(entry))
