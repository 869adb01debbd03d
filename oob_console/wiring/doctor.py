"""Wiring of doctor: the live host's probe, production as declared, every target the site names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.core.doctor import DataItem
    from oob_console.services.doctor import DoctorService
    from oob_console.wiring.services import Services


def build_doctor(services: Services) -> DoctorService:
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
    p = cfg.paths
    state = {"store": p.store, "audit log": p.audit_log, "recordings": p.recordings, "reports": p.reports,
             "runbooks": p.runbooks, "outbox": cfg.comms.outbox, "inventory": p.inventory,
             "known hosts": p.known_hosts}
    return DoctorService(
        probe=HostProbe(), production=prod,
        sources=[lambda: comms_targets(services.notify.channels),
                 lambda: hostport_targets("uplink", cfg.drill.uplink, "drill.uplink"), lambda: extra,
                 lambda: inventory_targets(services.devices.inventory()), lambda: doctor_targets(cfg.bgp)],
        data_sources=[lambda: local_data(services)],
        state_paths={purpose: services.path(value) for purpose, value in state.items()},
        resolve_timeout=cfg.doctor.resolve_timeout.seconds,
    )


def local_data(services: Services) -> list[DataItem]:
    """The local data the console trusts (store, runbooks, VRPs, bundle, last drill) with its age."""
    from oob_console.services.doctor.service import VrpAge
    from oob_console.services.doctor.service import local_data as judge_local_data

    cfg = services.loaded.config
    bundle = services.store_sync.status()["imported_serial"] if cfg.fleet.bundle_signers else None
    vrps = None
    if cfg.bgp.upstreams:
        now = services.doctor.clock()
        snap = services.bgp.vrps.load(now)
        vrps = VrpAge(snap.source, None if snap.age_seconds is None else now - snap.age_seconds,
                      cfg.bgp.rpki.max_age.seconds,
                      snap.error or f"{snap.vrps.count if snap.vrps else 0} VRPs, dated by {snap.age_from}")
    return judge_local_data(
        services.doctor.probe, store=services.path(cfg.paths.store), runbooks=services.path(cfg.paths.runbooks),
        reports=services.path(cfg.paths.reports), max_age=cfg.doctor.data_max_age.seconds,
        drill_max_age=cfg.doctor.drill_max_age.seconds, last_drill=services.drill.last_passing(),
        bundle_serial=bundle, inventory=services.path(cfg.paths.inventory), vrps=vrps,
    )
