"""Wiring of the dashboard overview: each feature's quick probe, built on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.services.runbooks import RunbookService
    from oob_console.services.status import StatusService
    from oob_console.wiring.services import Services


def build_runbooks(services: Services) -> RunbookService:
    from oob_console.adapters.runbooks_markdown import RunbookFolder
    from oob_console.services.runbooks import RunbookService

    configured = services.loaded.config.paths.runbooks
    return RunbookService(RunbookFolder(services.path(configured), shown_as=configured))


def build_status(services: Services) -> StatusService:
    from oob_console.adapters.host_linux import TcpProbe
    from oob_console.services.status import service as status

    # Each feature adds its overview probe here (see services.status.service.OVERVIEW).
    cfg = services.loaded.config
    probes = {
        "audit": status.lazy(lambda: status.audit_probe(services.audit)),
        "runbooks": status.lazy(lambda: status.runbooks_probe(services.runbooks)),
        "login": status.lazy(lambda: status.login_probe(services.credentials)),
        "approvals": status.lazy(lambda: status.approvals_probe(services.approvals)),
        "devices": status.lazy(lambda: status.devices_probe(services.devices, shown_as=cfg.paths.inventory)),
        "uplink": status.lazy(lambda: status.uplink_probe(TcpProbe(), cfg.drill.uplink)),
        "doctor": status.lazy(lambda: status.doctor_probe(services.doctor)),
        "bgp": status.lazy(lambda: status.bgp_probe(lambda: services.bgp)),
        "drill": status.lazy(lambda: status.drill_probe(
            services.drill, max_age_days=cfg.doctor.drill_max_age.seconds / 86400)),
    }
    return status.StatusService(probes, slow=frozenset({"devices", "uplink", "doctor", "drill", "bgp"}))
