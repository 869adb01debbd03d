"""Wiring of emergency BGP: config -> policy and settings, adapters -> service and supervisor.

Called only from :class:`oob_console.wiring.Services` (the one place adapters are
wired); kept in its own module so the BGP wiring does not crowd ``bootstrap``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from oob_console.config import BgpConfig, LoadedConfig, read_secret
from oob_console.core.bgp.preflight import BgpPolicy, OwnedBlock, UpstreamPolicy
from oob_console.core.bgp.stages import DEADLINE, EXPECTED
from oob_console.errors import ConfigError
from oob_console.services.bgp.ports import ConfirmSource, LookingGlass, ReceivedRoutes, RouteBackend
from oob_console.services.bgp.service import BgpService, BgpSettings, UpstreamSettings

if TYPE_CHECKING:
    from oob_console.adapters.bgp.control_socket import ControlServer
    from oob_console.adapters.bgp.speaker_exabgp import ExabgpSpeaker
    from oob_console.services.bgp.supervisor import BgpSupervisor
    from oob_console.services.doctor.ports import Target
    from oob_console.wiring import Services


def bgp_settings(cfg: BgpConfig) -> BgpSettings:
    owned = tuple(OwnedBlock(o.prefix, o.max_length or ipaddress.ip_network(o.prefix).prefixlen,
                             o.origin_as or cfg.local_as) for o in cfg.owned)
    policies: dict[str, UpstreamPolicy] = {}
    upstreams: dict[str, UpstreamSettings] = {}
    for name, up in cfg.upstreams.items():
        families = up.session.families if up.session else ("ipv4", "ipv6")
        version = ipaddress.ip_address(up.session.local_address).version if up.session else None
        policies[name] = UpstreamPolicy(
            name, up.backend, up.max_length_v4, up.max_length_v6, up.allow_bogons, up.max_prepend,
            tuple(up.provisioned), up.min_interval.seconds, tuple(families), up.origin_as or None, version,
            up.session.local_address if up.session else "", up.session.peer_address if up.session else "",
            up.session.subnet if up.session else "")
        deadline = dict(DEADLINE[up.backend])
        if up.advertise_timeout is not None:
            deadline["advertised"] = up.advertise_timeout.seconds
        if up.visible_timeout is not None:
            deadline["visible"] = up.visible_timeout.seconds
        expected = dict(EXPECTED[up.backend])
        if up.visible_expected is not None:
            expected["visible"] = up.visible_expected.seconds
        upstreams[name] = UpstreamSettings(name, up.backend, expected, deadline, up.description)
    policy = BgpPolicy(cfg.local_as, owned, policies, cfg.rpki.required, cfg.rpki.allow_not_found,
                       cfg.rpki.max_age.seconds, cfg.max_lease.seconds)
    return BgpSettings(policy, upstreams, tuple(cfg.default_upstreams), cfg.default_lease.seconds,
                       cfg.approval_window.seconds, cfg.approvals_required, cfg.drill_prefix,
                       cfg.withdraw_approvals_required)


def provider_backends(app: Services) -> dict[str, RouteBackend]:
    """Backends of the upstreams that are not our own BGP sessions: provider APIs and routers."""
    from oob_console.adapters.providers.aws import AwsByoipBackend
    from oob_console.adapters.providers.cloudflare import CloudflareBackend
    from oob_console.services.bgp.router_backend import RouterBackend, RouterUpstream

    cfg = app.loaded.config.bgp
    out: dict[str, RouteBackend] = {}
    for name, up in cfg.upstreams.items():
        key = f"bgp.upstreams.{name}"
        if up.cloudflare is not None:
            cf = up.cloudflare
            out[name] = CloudflareBackend(name, account_id=cf.account_id, api_url=cf.api_url,
                                          timeout=cf.timeout.seconds,
                                          token=partial(read_secret, cf.api_token, where=f"{key}.cloudflare"))
        elif up.aws is not None:
            aws = up.aws
            out[name] = AwsByoipBackend(
                name, region=aws.region, endpoint=aws.endpoint, timeout=aws.timeout.seconds,
                access_key_id=partial(read_secret, aws.access_key_id, where=f"{key}.aws.access_key_id"),
                secret_access_key=partial(read_secret, aws.secret_access_key, where=f"{key}.aws.secret_access_key"),
                session_token=None if aws.session_token is None else partial(
                    read_secret, aws.session_token, where=f"{key}.aws.session_token"))
    routers = {name: RouterUpstream(name, up.router.device, up.router.neighbor, up.router.bgp_group,
                                    up.router.commit_confirm.seconds)
               for name, up in cfg.upstreams.items() if up.router is not None}
    if routers:
        backend = RouterBackend(app.devices, routers, cfg.local_as)
        out.update({name: backend for name in routers})
    return out


def confirm_sources(cfg: BgpConfig, received: ReceivedRoutes | None = None) -> dict[str, list[ConfirmSource]]:
    """Per upstream, where evidence that it took our route comes from, strongest first.

    ``received``: who knows what our feed sessions received (the supervisor, or the CLI's client of it).
    """
    from oob_console.adapters.bgp.looking_glass_http import JsonPathLookingGlass, RipestatLookingGlass
    from oob_console.services.bgp.feed import FeedSource

    made: dict[str, LookingGlass] = {}
    for name, lg in cfg.looking_glasses.items():
        if lg.kind == "json":
            made[name] = JsonPathLookingGlass(lg.url, routes=lg.routes, prefix_field=lg.prefix_field,
                                              origin_field=lg.origin_field, timeout=lg.timeout.seconds)
        else:
            made[name] = RipestatLookingGlass(lg.url, timeout=lg.timeout.seconds, look_back=lg.look_back.seconds)
    out: dict[str, list[ConfirmSource]] = {}
    for name, up in cfg.upstreams.items():
        found = [ConfirmSource(up.looking_glass, "upstream", made[up.looking_glass])] if up.looking_glass else []
        found += [ConfirmSource(c, "collector", made[c]) for c in up.collectors]
        if received is not None and up.session is not None:
            found += [ConfirmSource(f, "feed", FeedSource(received, f, up.session.peer_as)) for f in up.feeds]
        out[name] = found
    return out


def doctor_targets(cfg: BgpConfig) -> list[Target]:
    """What emergency BGP must reach: each session's peer, each provider API, each looking glass."""
    from urllib.parse import urlsplit

    from oob_console.services.doctor.ports import Target

    def url_target(name: str, url: str, source: str, *, critical: bool = True) -> Target:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return Target(name, "bgp", parts.hostname or "", port, critical, source=source)

    out = []
    for name, up in cfg.upstreams.items():
        key = f"bgp.upstreams.{name}"
        if up.session is not None:
            out.append(Target(name, "bgp", up.session.peer_address, up.session.port, True, up.session.peer_as,
                              source=f"{key}.session"))
        elif up.cloudflare is not None:
            out.append(url_target(name, up.cloudflare.api_url, f"{key}.cloudflare.api_url"))
        elif up.aws is not None:
            out.append(url_target(name, up.aws.endpoint or f"https://ec2.{up.aws.region}.amazonaws.com",
                                  f"{key}.aws.endpoint"))
    for name, lg in cfg.looking_glasses.items():  # a check, not the path itself: not critical
        out.append(url_target(f"looking glass {name}", lg.url, f"bgp.looking_glasses.{name}.url", critical=False))
    return out


def runtime_dir(loaded: LoadedConfig) -> str:
    return str(loaded.resolve(loaded.config.bgp.speaker.runtime_dir))


def _service(app: Services, backends: Mapping[str, RouteBackend], received: ReceivedRoutes | None) -> BgpService:
    from oob_console.adapters.bgp.journal_sqlite import SqliteJournal
    from oob_console.adapters.rpki_json import VrpFile
    from oob_console.services.bgp.approvals import QuorumApprovals

    cfg = app.loaded.config.bgp
    approvals = QuorumApprovals(app.approvals, app.identity) if cfg.approvals_required else None
    return BgpService(bgp_settings(cfg), SqliteJournal(app.path(cfg.journal)), app.audit,
                      VrpFile(app.path(cfg.rpki.vrp_file), app.path(cfg.rpki.index_file)), backends,
                      confirm_sources(cfg, received), approvals, app.identity.actor, notice=app.notify.auto)


def build_service(app: Services) -> BgpService:
    """The service the CLI and TUI use: ExaBGP upstreams go through the supervisor's socket."""
    from pathlib import Path

    from oob_console.adapters.bgp.control_socket import SpeakerClient

    cfg = app.loaded.config.bgp
    peers = {n: u.session.peer_address for n, u in cfg.upstreams.items() if u.session is not None}
    client = SpeakerClient(Path(runtime_dir(app.loaded)) / "control.sock", peers)
    backends: dict[str, RouteBackend] = {name: client for name in peers}
    backends.update(provider_backends(app))
    return _service(app, backends, client)


def build_speaker(app: Services) -> ExabgpSpeaker:
    from pathlib import Path

    from oob_console.adapters.bgp.speaker_exabgp import ExabgpSpeaker, Neighbor, find_exabgp

    cfg = app.loaded.config.bgp
    neighbors = []
    feeds = set(cfg.feed_sessions())
    for name, up in cfg.upstreams.items():
        s = up.session
        if s is None:
            continue
        md5 = read_secret(s.md5_password, where=f"bgp.upstreams.{name}.session.md5_password") \
            if s.md5_password else None
        neighbors.append(Neighbor(name, s.peer_address, s.peer_as, s.local_address, s.port, tuple(s.families),
                                  s.hold_time, md5, receive=name in feeds))
    v4 = [n.local_address for n in neighbors if ipaddress.ip_address(n.local_address).version == 4]
    router_id = cfg.speaker.router_id or (v4[0] if v4 else "")
    if neighbors and not router_id:
        raise ConfigError("no IPv4 router id", where="bgp.speaker.router_id", hint="set bgp.speaker.router_id")
    exabgp = find_exabgp(cfg.speaker.exabgp)
    if exabgp is None:
        raise ConfigError("exabgp is not installed", where="bgp.speaker.exabgp",
                          hint="pip install 'oob-console[bgp]', or set bgp.speaker.exabgp to its path")
    return ExabgpSpeaker(runtime_dir=Path(runtime_dir(app.loaded)), exabgp=exabgp, neighbors=neighbors,
                         local_as=cfg.local_as, router_id=router_id,
                         restart_delay=cfg.speaker.restart_delay.seconds,
                         keep=[o.prefix for o in cfg.owned] + ([cfg.drill_prefix] if cfg.drill_prefix else []))


def build_supervisor(app: Services) -> tuple[BgpSupervisor, ControlServer]:
    """The long-running supervisor, its own service instance, and its control socket."""
    from pathlib import Path

    from oob_console.adapters.bgp.control_socket import ControlServer
    from oob_console.services.bgp.supervisor import BgpSupervisor, SupervisorBackend

    cfg = app.loaded.config.bgp
    exabgp_names = [n for n, u in cfg.upstreams.items() if u.backend == "exabgp"]
    supervisor = BgpSupervisor(build_speaker(app), exabgp_names)
    backend = SupervisorBackend(supervisor)
    backends: dict[str, RouteBackend] = {name: backend for name in exabgp_names}
    backends.update(provider_backends(app))
    supervisor.service = _service(app, backends, supervisor)
    server = ControlServer(Path(runtime_dir(app.loaded)) / "control.sock", supervisor.handle)
    return supervisor, server
