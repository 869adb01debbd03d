"""Wiring of the break-glass drill: every step kind over the services it exercises, and the plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oob_console.core.drill import Plan
    from oob_console.services.drill import DrillService
    from oob_console.wiring.services import Services

# What the drill cannot exercise in this build, and why (removed as each capability lands).
MISSING_DRILLS: dict[str, str] = {}


def build_drill(services: Services) -> DrillService:
    from oob_console.adapters.drill_reports_files import ReportFiles
    from oob_console.adapters.host_linux import TcpProbe
    from oob_console.adapters.signatures_cryptography import verify_signature
    from oob_console.services.drill import DrillService
    from oob_console.services.drill.bgp_steps import BgpDrillPrefixStep, BgpSessionsStep
    from oob_console.services.drill.device_steps import ConsolePortsStep, SshDevicesStep
    from oob_console.services.drill.key_steps import KeysStep
    from oob_console.services.drill.ports import StepKind
    from oob_console.services.drill.steps import CommsStep, DoctorStep, FreshnessStep, UplinkStep
    from oob_console.wiring.doctor import local_data

    cfg = services.loaded.config
    uplink = list(cfg.drill.uplink)

    def uplink_targets() -> list[str]:
        if uplink:
            return uplink
        return list(dict.fromkeys(f"{t.host}:{t.port}" for t in services.doctor.sources[0]() if not t.problem))

    steps: list[StepKind] = [DoctorStep(services.doctor), UplinkStep(TcpProbe(), uplink_targets),
                             CommsStep(services.notify),
                             FreshnessStep(lambda: local_data(services), services.doctor.clock),
                             KeysStep(services.credential_repo, services.key_device, verify_signature, cfg.auth,
                                      services.clock,
                                      drill_approvals=lambda: services.approvals.list(include_closed=True),
                                      sk_window=cfg.drill.sk_window.seconds),
                             ConsolePortsStep(services.sessions), SshDevicesStep(services.runs),
                             BgpSessionsStep(lambda: services.bgp), BgpDrillPrefixStep(lambda: services.bgp)]
    return DrillService(
        kinds={k.kind: k for k in steps}, needs=MISSING_DRILLS,
        reports=ReportFiles(services.path(cfg.paths.reports)),
        audit=services.audit, notify=services.notify, site=cfg.site.name, step_timeout=cfg.drill.step_timeout.seconds,
    )


def drill_plan(services: Services, path: str | None) -> tuple[Plan, str]:
    """The plan to run: ``path``, else ``drill.plan``, else every kind; and where it came from."""
    from oob_console.adapters.drill_plan_toml import load_plan
    from oob_console.core.drill import default_plan

    chosen = path or services.loaded.config.drill.plan
    if not chosen:
        return default_plan(), "built in"
    resolved = Path(chosen) if path else services.path(chosen)
    return load_plan(resolved), str(resolved)
