"""Wiring of doctor: the live host's probe, production as declared, every target and file the site names."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from oob_console.core.doctor import DataItem, Stamp
    from oob_console.services.doctor import DoctorService
    from oob_console.wiring.services import Services

ROOT_ENV = "OOB_DOCTOR_ROOT"  # tests: read the host's configuration (/etc, /run) below this directory instead


def build_doctor(services: Services, root: Path | None = None) -> DoctorService:
    from oob_console.adapters.host_linux import HostProbe
    from oob_console.core.doctor import Production
    from oob_console.services.doctor.ports import Target
    from oob_console.services.doctor.service import (
        DoctorService,
        comms_targets,
        hostport_targets,
        inventory_targets,
    )
    from oob_console.wiring.bgp import doctor_targets

    cfg = services.loaded.config
    prod = Production.parse(cfg.production.prefixes, cfg.production.asns, cfg.production.interfaces)
    extra = [Target(e.name, e.kind if e.kind != "other" else "endpoints", e.host, e.port, e.critical, e.asn,
                    source=f"doctor.endpoints {e.name}") for e in cfg.doctor.endpoints]
    root = root or Path(os.environ.get(ROOT_ENV) or "/")
    return DoctorService(
        probe=HostProbe(root=root), production=prod,
        sources=[lambda: comms_targets(services.notify.channels),
                 lambda: hostport_targets("uplink", cfg.drill.uplink, "drill.uplink"), lambda: extra,
                 lambda: inventory_targets(_inventory(services)), lambda: doctor_targets(cfg.bgp)],
        data_sources=[lambda: local_data(services)],
        state_paths=run_time_files(services),
        file_sources=[lambda: inventory_files(services)],
        stamp_sources=[lambda: stamps(services)],
        listen=(cfg.server.listen, cfg.server.port, "[server] listen"),
        serial_ttys=cfg.doctor.serial_ttys,
        console_commands=(*cfg.server.console[:1], *cfg.server.line_console[:1]),
        resolve_timeout=cfg.doctor.resolve_timeout.seconds,
    )


def _risky(path: Path) -> bool:
    from oob_console.adapters.files_deadline import locate

    return locate(path).risky


def _inventory(services: Services) -> Any:
    """The inventory, unless it is on a network or FUSE mount (reading a dead one would hang doctor)."""
    from oob_console.core.devices.inventory import Inventory

    if _risky(services.path(services.loaded.config.paths.inventory)):
        return Inventory()  # its file is flagged critical under "filesystems"
    return services.devices.inventory()


def secret_files(value: Any, where: str) -> dict[str, Path]:
    """Every ``file:`` secret reference anywhere below a config value, by where it is set."""
    from oob_console.core.schema import SecretRef

    out: dict[str, Path] = {}
    if isinstance(value, SecretRef):
        if value.kind == "file":
            out[f"secret {where}"] = Path(value.target).expanduser()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            out.update(secret_files(getattr(value, f.name), f"{where}.{f.name}" if where else f.name))
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            name = getattr(item, "name", None)
            out.update(secret_files(item, f"{where}[{name if isinstance(name, str) else i}]"))
    return out


def run_time_files(services: Services) -> dict[str, Path]:
    """What the console reads or writes at run time, named in the config (purpose -> path)."""
    cfg = services.loaded.config
    p = cfg.paths
    named = {"store": p.store, "audit log": p.audit_log, "recordings": p.recordings, "reports": p.reports,
             "runbooks": p.runbooks, "outbox": cfg.comms.outbox, "inventory": p.inventory,
             "known hosts": p.known_hosts, "backups": p.backups, "audit signing key": cfg.audit.signing_key,
             "server host key": cfg.server.host_key, "guard corpus": cfg.guard.corpus}
    if cfg.drill.plan:
        named["drill plan"] = cfg.drill.plan
    if cfg.bgp.upstreams:
        named.update({"VRP export": cfg.bgp.rpki.vrp_file, "BGP journal": cfg.bgp.journal,
                      "BGP runtime": cfg.bgp.speaker.runtime_dir})
    out = {purpose: services.path(value) for purpose, value in named.items()}
    out["config"] = Path(services.loaded.path)
    out.update(secret_files(cfg, ""))
    return out


def inventory_files(services: Services) -> dict[str, Path]:
    """Key files and secret files the inventory names."""
    inv = _inventory(services)
    out: dict[str, Path] = {}
    for kind, items in (("device", inv.devices), ("console server", inv.console_servers)):
        for item in items:
            if item.key_file:
                out[f"key_file of {kind} {item.name}"] = services.path(item.key_file)
            out.update(secret_files(item, f"{kind} {item.name}"))
    return out


def stamps(services: Services) -> list[Stamp]:
    """The newest times the console holds: the VRP export, the imported bundle, the last audit entry."""
    import json
    from datetime import datetime

    from oob_console.core.doctor import Stamp
    from oob_console.services.doctor.service import UNIX_TIME_2001

    cfg = services.loaded.config
    out = []
    vrp_path = services.path(cfg.bgp.rpki.vrp_file)
    if cfg.bgp.upstreams and not _risky(vrp_path):
        snap = services.bgp.vrps.load(services.doctor.clock())
        if snap.vrps is not None and snap.vrps.generated is not None:
            out.append(Stamp("the VRP export", snap.vrps.generated.timestamp(), str(vrp_path)))
    if cfg.fleet.bundle_signers and not _risky(services.path(cfg.paths.store)):
        serial = services.store_sync.status()["imported_serial"]
        if serial > UNIX_TIME_2001:
            out.append(Stamp("the imported store bundle", float(serial), "its serial (its export time)"))
    log = services.path(cfg.paths.audit_log)
    if not _risky(log):
        try:
            with open(log, "rb") as f:
                f.seek(max(0, os.fstat(f.fileno()).st_size - 65536))
                lines = f.read().splitlines()
        except OSError:
            lines = []
        for raw in reversed(lines):
            try:
                ts = datetime.strptime(str(json.loads(raw)["time"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=UTC).timestamp()
            except (ValueError, KeyError, TypeError):
                continue
            out.append(Stamp("the last audit entry", ts, str(log)))
            break
    return out


def local_data(services: Services) -> list[DataItem]:
    """The local data the console trusts (store, runbooks, VRPs, bundle, last drill) with its age."""
    from oob_console.services.doctor.service import VrpAge
    from oob_console.services.doctor.service import local_data as judge_local_data

    cfg = services.loaded.config
    # nothing on a network or FUSE mount is opened here: a dead one would hang doctor (it is flagged critical)
    store_ok = not _risky(services.path(cfg.paths.store))
    bundle = services.store_sync.status()["imported_serial"] if cfg.fleet.bundle_signers and store_ok else None
    reports_ok = not _risky(services.path(cfg.paths.reports))
    vrps = None
    if cfg.bgp.upstreams:
        now = services.doctor.clock()
        vrp_path = services.path(cfg.bgp.rpki.vrp_file)
        if _risky(vrp_path):
            vrps = VrpAge(str(vrp_path), None, cfg.bgp.rpki.max_age.seconds,
                          "not read: it is on a network or FUSE mount (see filesystems)")
        else:
            snap = services.bgp.vrps.load(now)
            vrps = VrpAge(snap.source, None if snap.age_seconds is None else now - snap.age_seconds,
                          cfg.bgp.rpki.max_age.seconds,
                          snap.error or f"{snap.vrps.count if snap.vrps else 0} VRPs, dated by {snap.age_from}")
    return judge_local_data(
        services.doctor.probe, store=services.path(cfg.paths.store), runbooks=services.path(cfg.paths.runbooks),
        reports=services.path(cfg.paths.reports), max_age=cfg.doctor.data_max_age.seconds,
        drill_max_age=cfg.doctor.drill_max_age.seconds,
        last_drill=services.drill.last_passing() if reports_ok else None,
        bundle_serial=bundle, inventory=services.path(cfg.paths.inventory), vrps=vrps,
    )
