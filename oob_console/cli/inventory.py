"""`oob inventory list|show|check|import|pin-hostkey`."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from oob_console.cli.base import Context, Output, command, group
from oob_console.core.counting import counted
from oob_console.core.devices.hostkeys import HostKey
from oob_console.core.devices.inventory import Device, Inventory
from oob_console.core.schema import SecretRef
from oob_console.errors import ConfigError, RefusedError, UsageError
from oob_console.render.devices import device_lines, inventory_header, inventory_row


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    inner = group(sub, "inventory", "the local device inventory: list, show, import, pin host keys")
    p = command(inner, "list", cmd_list, "list devices (name, platform, address, site, role, console, pins)")
    p.add_argument("--site", help="only devices at this site")
    p.add_argument("--role", help="only devices with this role")
    p.add_argument("--probe", action="store_true",
                   help="also show whether each device completes an SSH handshake with its pinned key (no login)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per probe (default 5)")
    p = command(inner, "show", cmd_show, "everything the inventory says about one device")
    p.add_argument("device")
    command(inner, "check", cmd_check, "validate the inventory and list what is not ready (exit 0 if valid)")

    imp = inner.add_parser("import", help="write the local inventory from NetBox or Nornir (explicit, one-off)",
                           description="Merge devices from another source into the local inventory. Fields the "
                           "source leaves empty keep their local values; host keys are united; devices the "
                           "source lacks are kept unless --prune. The previous file is kept as .prev.")
    imp_sub = imp.add_subparsers(dest="import_command", metavar="SOURCE", required=True)
    p = command(imp_sub, "netbox", cmd_import_netbox, "import from NetBox's REST API (httpx, paginated)")
    p.add_argument("--url", required=True, help="NetBox base URL, e.g. https://netbox.example.net")
    p.add_argument("--token-file", required=True, metavar="PATH", help="file holding the API token (mode 0600)")
    p.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                   help="NetBox device filter, repeatable (site=sjc1, role=backbone, status=active)")
    p.add_argument("--ca-file", metavar="PATH", help="CA bundle for NetBox's TLS certificate")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default 30)")
    _import_options(p)
    p = command(imp_sub, "nornir", cmd_import_nornir, "import a Nornir SimpleInventory (YAML files)")
    p.add_argument("hosts", type=Path, help="hosts.yaml")
    p.add_argument("groups", type=Path, nargs="?", help="groups.yaml")
    p.add_argument("defaults", type=Path, nargs="?", help="defaults.yaml")
    _import_options(p)

    p = command(inner, "pin-hostkey", cmd_pin, "fetch a device's SSH host key, show it, pin it once confirmed",
                "Fetch the host keys the device (or its console server, --console) offers and show their "
                "fingerprints. Nothing is trusted on first use: the key is pinned only when you confirm it, "
                "interactively or with --expect FINGERPRINT, after comparing it with a fingerprint obtained "
                "out of band (e.g. 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on its console). "
                "Without a terminal and without --expect nothing is pinned and it exits 2.")
    p.add_argument("device")
    p.add_argument("--console", action="store_true", help="the device's SSH console server instead")
    p.add_argument("--expect", metavar="SHA256:...", help="pin the offered key with exactly this fingerprint")
    p.add_argument("--replace", action="store_true", help="drop the endpoint's other pins (a legitimate re-key)")
    p.add_argument("--transport", default="asyncssh", choices=("asyncssh", "paramiko"), help=argparse.SUPPRESS)


def _import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform-map", action="append", default=[], metavar="NAME=PLATFORM",
                   help="map the source's platform name to frr|ios|iosxr|junos|eos|nxos, repeatable")
    p.add_argument("--prune", action="store_true",
                   help="remove local devices the source does not list: they are listed first and you are "
                   "asked (on a terminal; elsewhere --yes is needed)")
    p.add_argument("--yes", action="store_true", help="with --prune: remove without asking (scripts)")
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key or not val:
            raise UsageError(f"{flag} wants KEY=VALUE, got {value!r}", where=flag)
        out[key] = val
    return out


def _device_json(dev: Device) -> dict[str, Any]:
    data = dataclasses.asdict(dev)
    data["password"] = str(dev.password) if dev.password else None
    return data


def _pins(ctx: Context, dev: Device) -> list[HostKey]:
    return list(ctx.app.devices.pinned(dev))


def cmd_list(args: argparse.Namespace, ctx: Context) -> Output:
    access = ctx.app.devices
    inv = access.inventory()
    rows = [d for d in inv.devices if (not args.site or d.site == args.site) and (not args.role or d.role == args.role)]
    reach = asyncio.run(access.reachability(rows, timeout=args.timeout)) if args.probe and rows else {}
    data = []
    lines = [inventory_header(args.probe)]
    for dev in rows:
        pins = len(_pins(ctx, dev))
        entry = {**_device_json(dev), "pinned_keys": pins}
        if dev.name in reach:
            entry["reach"] = dataclasses.asdict(reach[dev.name])
        data.append(entry)
        lines.append(inventory_row(dev, pins, reach.get(dev.name)))
    if not rows:
        lines = [f"(no devices{' match' if inv.devices else ''} in {access.store.location})"]
    return Output(data, "\n".join(lines))


def cmd_show(args: argparse.Namespace, ctx: Context) -> Output:
    access = ctx.app.devices
    inv = access.inventory()
    dev = access.device(args.device, inv)
    pins = _pins(ctx, dev)
    data = {**_device_json(dev), "pinned_keys": [k.describe() for k in pins]}
    console = access.console_plan(dev, inv).describe() if dev.console else None
    if console is not None:
        data["console_via"] = console
    return Output(data, "\n".join(device_lines(dev, pins, console)))


def cmd_check(args: argparse.Namespace, ctx: Context) -> Output:
    access = ctx.app.devices
    inv = access.inventory()
    names = {d.name for d in inv.devices}
    notes = []
    for dev in inv.devices:
        try:
            unpinned = not _pins(ctx, dev)
        except ConfigError as exc:  # a known_hosts line naming it cannot be used: it is refused until fixed
            notes.append(f"{dev.name}: refused until fixed: {exc.one_line()}")
            unpinned = False
        if unpinned:
            notes.append(f"{dev.name}: no pinned host key (oob inventory pin-hostkey {dev.name})")
        notes += [f"{dev.name}: link {lk.interface} points at unknown device {lk.peer_device!r}"
                  for lk in dev.links if lk.peer_device and lk.peer_device not in names]
        if dev.password and dev.password.kind == "file" and not Path(dev.password.target).exists():
            notes.append(f"{dev.name}: password file {dev.password.target} does not exist")
    notes += [f"{access.pins.location}:{p.lineno}: this line cannot be used: {p.reason}"
              for p in access.pins.problems()]
    data = {"file": access.store.location, "devices": len(inv.devices),
            "console_servers": len(inv.console_servers), "notes": notes}
    text = [f"inventory ok: {access.store.location}: {counted(len(inv.devices), 'device')}, "
            f"{len(inv.console_servers)} console servers"] + [f"  note: {n}" for n in notes]
    return Output(data, "\n".join(text))


def _finish_import(args: argparse.Namespace, ctx: Context, imported: Inventory, warnings: list[str],
                   source: str) -> Output:
    from oob_console.core.devices.inventory_merge import merge_inventory

    access = ctx.app.devices
    if args.dry_run:
        _, summary = merge_inventory(access.inventory(), imported, prune=args.prune)
    else:
        if args.prune:
            _confirm_prune(args, merge_inventory(access.inventory(), imported, prune=True)[1].removed, source)
        summary = access.import_inventory(imported, source=source, prune=args.prune, warnings=warnings)
    data = {"source": source, "dry_run": args.dry_run, "file": access.store.location, **summary.to_json(),
            "warnings": warnings}
    verb = "would write" if args.dry_run else "wrote"
    lines = [f"{verb} {access.store.location}: {len(summary.added)} added, {len(summary.updated)} updated, "
             f"{len(summary.unchanged)} unchanged, {len(summary.kept)} kept (local only), "
             f"{len(summary.removed)} removed"]
    lines += [f"  warning: {w}" for w in warnings]
    return Output(data, "\n".join(lines))


def _confirm_prune(args: argparse.Namespace, removed: list[str], source: str) -> None:
    """--prune lists what it would remove and asks; without a terminal it needs --yes."""
    if not removed or args.yes:
        return
    listing = ", ".join(removed[:20]) + (f" and {len(removed) - 20} more" if len(removed) > 20 else "")
    if sys.stdin.isatty() and os.isatty(sys.stderr.fileno()):
        print(f"--prune would remove {len(removed)} device(s) {source} does not list: {listing}", file=sys.stderr)
        print(f"Remove these {len(removed)} device(s) from the local inventory? Type 'yes' to remove: ",
              end="", file=sys.stderr, flush=True)  # stderr: stdout stays the result (--json)
        answer = sys.stdin.readline()
        if answer.strip().lower() == "yes":
            return
        raise RefusedError("nothing written: the removal was not confirmed", where="--prune",
                           hint="run again without --prune to merge without removing")
    raise RefusedError(f"--prune would remove {len(removed)} device(s) {source} does not list ({listing}); "
                       "nothing written", where="--prune",
                       hint="check them with --dry-run, then confirm on a terminal or add --yes")


def cmd_import_netbox(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.config import read_secret
    from oob_console.wiring.devices import import_from_netbox

    token = read_secret(SecretRef("file", args.token_file), where="--token-file")
    imported, warnings = import_from_netbox(args.url, token, timeout=args.timeout, verify=args.ca_file or True,
                                            filters=_pairs(args.filter, "--filter"),
                                            platform_map=_pairs(args.platform_map, "--platform-map"))
    return _finish_import(args, ctx, imported, warnings, f"netbox {args.url}")


def cmd_import_nornir(args: argparse.Namespace, ctx: Context) -> Output:
    from oob_console.wiring.devices import import_from_nornir

    imported, warnings = import_from_nornir(args.hosts, args.groups, args.defaults,
                                            platform_map=_pairs(args.platform_map, "--platform-map"))
    return _finish_import(args, ctx, imported, warnings, f"nornir {args.hosts}")


def cmd_pin(args: argparse.Namespace, ctx: Context) -> Output:
    access = ctx.app.devices
    endpoint = access.endpoint(args.device, console=args.console)
    offered = asyncio.run(access.offered_keys(endpoint, transport=args.transport))
    if not offered:
        raise RefusedError(f"{endpoint.label} offered no host key we can pin", where=f"{endpoint.host}:{endpoint.port}")
    data: dict[str, Any] = {"endpoint": endpoint.label, "host": endpoint.host, "port": endpoint.port,
                            "offered": [{"key": k.openssh(), "fingerprint": k.fingerprint, "type": k.key_type}
                                        for k in offered],
                            "pinned_before": [k.describe() for k in endpoint.pinned], "pinned": None}
    lines = [f"{endpoint.label} at {endpoint.host}:{endpoint.port} offers:"]
    lines += [f"  {k.describe()}{'  (already pinned)' if k in endpoint.pinned else ''}" for k in offered]
    choice: HostKey | None = None
    confirmed_by = ""
    if args.expect:
        choice = next((k for k in offered if k.fingerprint == args.expect.strip()), None)
        if choice is None:
            raise RefusedError(
                f"no offered key has fingerprint {args.expect}; offered: "
                + ", ".join(k.describe() for k in offered),
                where=f"{endpoint.host}:{endpoint.port}",
                hint="nothing was pinned; if this is not the device you expect, treat it as an attack",
            )
        confirmed_by = "--expect"
    elif not ctx.json and sys.stdin.isatty() and os.isatty(sys.stdout.fileno()):
        print("\n".join(lines))
        lines = []
        candidate = offered[0]
        answer = input(f"Pin {candidate.describe()} for {endpoint.label}? Compare it with the fingerprint "
                       "you got out of band. Type 'yes' to pin: ")
        if answer.strip().lower() == "yes":
            choice, confirmed_by = candidate, "interactive"
        else:
            raise RefusedError(f"not pinned: {answer.strip()!r} is not 'yes'", where=endpoint.label,
                               hint=f"run it again, or '... --expect {candidate.fingerprint}' once confirmed")
    if choice is None:  # nobody to ask and nothing to compare with: pinning would be trust on first use
        raise UsageError(
            f"not pinned: nothing confirms the key; {endpoint.label} offers "
            + ", ".join(k.describe() for k in offered),
            where=f"{endpoint.host}:{endpoint.port}",
            hint="compare the fingerprint out of band (e.g. on its console), then add --expect SHA256:...",
            details={"offered": data["offered"]})
    added = access.pin(endpoint, choice, replace=args.replace, confirmed_by=confirmed_by)
    data["pinned"] = choice.describe()
    lines.append(f"pinned {choice.describe()} for {endpoint.label} in {access.pins.location}"
                 if added else f"{choice.describe()} was already pinned for {endpoint.label}")
    return Output(data, "\n".join(lines))
