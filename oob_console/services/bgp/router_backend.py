"""The management-router backend: our own edge router announces the prefix, configured over SSH.

Device access (inventory, pinned host keys, the SSH engines, the CLI driver)
does the talking; this module decides what to send (``core.bgp.router_config``)
and how to commit it safely:

- where the platform has commit-confirmed (IOS-XR, Junos, EOS sessions, the IOS
  revert timer), the change is committed with it, then confirmed **from a new
  SSH session**. If the change cut the console off, that session fails, nothing
  is confirmed, and the router rolls the change back by itself;
- FRR applies line by line and has no rollback: the stage says so.

"Advertised" is read from the router itself: its advertised-routes toward the
upstream neighbour (``router.neighbor``) list the prefix, or no longer do.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from oob_console.core.bgp.desired import Key, RouteRow
from oob_console.core.bgp.intent import format_seconds
from oob_console.core.bgp.router_config import advertised_command, advertised_in, router_lines
from oob_console.core.bgp.stages import Stage, StageState
from oob_console.core.devices.inventory import Device
from oob_console.core.devices.platforms import PlatformSpec, spec
from oob_console.errors import OobError
from oob_console.services.bgp.ports import SessionInfo
from oob_console.services.devices.access import DeviceAccess
from oob_console.services.devices.cli_driver import CliDriver
from oob_console.services.devices.ports import SshSession


@dataclass(frozen=True)
class RouterUpstream:
    name: str
    device: str  # inventory name of the router that announces
    neighbor: str  # the upstream's address as that router knows it
    bgp_group: str = ""  # Junos: the group whose export policy carries it
    commit_confirm: float = 300.0  # seconds before an unconfirmed commit rolls back


class RouterBackend:
    kind = "router"

    def __init__(self, access: DeviceAccess, upstreams: Mapping[str, RouterUpstream], local_as: int, *,
                 timeout: float = 60.0) -> None:
        self.access = access
        self.upstreams = upstreams
        self.local_as = local_as
        self.timeout = timeout

    async def _shell(self, dev: Device, platform: PlatformSpec) -> tuple[SshSession, CliDriver]:
        engine = self.access.engine(dev.transport)
        target = self.access.ssh_target(dev)
        session = await engine.connect(target)
        try:
            channel = await session.shell(term="vt100", cols=511, rows=24)
            driver = CliDriver(channel, platform, label=dev.name)
            await driver.open(self.timeout, enable_secret=target.enable_secret)
        except BaseException:
            await session.close()
            raise
        return session, driver

    async def _apply_one(self, row: RouteRow) -> Stage:
        up = self.upstreams[row.upstream]
        try:
            dev = self.access.device(up.device)
            platform = spec(dev.platform)
            lines = router_lines(dev.platform, local_as=self.local_as, route=row.route,
                                 announce=row.desired == "announced", bgp_group=up.bgp_group)
        except (OobError, KeyError, ValueError) as exc:
            return Stage("accepted", "failed", at=time.time(), detail=str(exc))
        minutes = max(1, round(up.commit_confirm / 60)) if platform.commit_confirmed else None
        session, driver = await self._shell(dev, platform)
        try:
            replies = await driver.configure(lines, self.timeout, confirmed_minutes=minutes)
        finally:
            await session.close()
        bad = next((r for r in replies if not r.ok), None)
        if bad is not None:
            kept = "nothing was committed" if platform.commit else "lines before it were applied"
            return Stage("accepted", "failed", at=time.time(),
                         detail=f"{dev.name} rejected {bad.command.strip()!r}: {bad.error} ({kept})")
        if minutes is None:
            return Stage("accepted", "done", at=time.time(),
                         detail=f"{dev.name}: applied line by line ({platform.label} has no commit-confirmed)")
        try:
            await self._confirm(dev, platform)
        except OobError as exc:
            return Stage("accepted", "failed", at=time.time(),
                         detail=f"{dev.name} could not be reached again to confirm ({exc.message}): the change is "
                         f"rolled back by the router within {format_seconds(minutes * 60)}")
        return Stage("accepted", "done", at=time.time(), detail=f"{dev.name}: committed with commit-confirmed "
                     f"({minutes} min) and confirmed from a new session")

    async def _confirm(self, dev: Device, platform: PlatformSpec) -> None:
        """Confirm a pending commit-confirmed over a fresh session (proof the console still gets in)."""
        confirm = (platform.confirm_commit or "").format(session="oob")
        session, driver = await self._shell(dev, platform)
        try:
            in_config = not confirm.startswith("configure")  # IOS/EOS confirm from exec mode
            if in_config:
                await driver.send(platform.config_enter, self.timeout)
            reply = await driver.send(confirm, self.timeout)
            if in_config:
                await driver.send(platform.config_exit, self.timeout)
        finally:
            await session.close()
        if not reply.ok:
            raise OobError(f"{dev.name} refused {confirm!r}: {reply.error}")

    async def _advertised_one(self, row: RouteRow) -> Stage:
        up = self.upstreams[row.upstream]
        dev = self.access.device(up.device)
        platform = spec(dev.platform)
        session, driver = await self._shell(dev, platform)
        try:
            reply = await driver.send(advertised_command(dev.platform, up.neighbor, row.prefix), self.timeout)
        finally:
            await session.close()
        if not reply.ok:
            return Stage("advertised", "pending", detail=f"{dev.name}: {reply.error}")
        listed = advertised_in(reply.output, row.prefix)
        if listed == (row.desired == "announced"):
            what = "advertises it to" if listed else "no longer advertises it to"
            return Stage("advertised", "done", at=time.time(), detail=f"{dev.name} {what} {up.neighbor}")
        return Stage("advertised", "pending", detail=f"{dev.name}: {'not yet' if not listed else 'still'} in its "
                     f"advertised routes to {up.neighbor}")

    @staticmethod
    async def _each(rows: Sequence[RouteRow], name: str, one: Callable[[RouteRow], Awaitable[Stage]],
                    on_error: StageState) -> dict[Key, Stage]:
        out: dict[Key, Stage] = {}
        for row in rows:  # one change at a time: configuration sessions on one router must not interleave
            try:
                out[row.key] = await one(row)
            except OobError as exc:
                out[row.key] = Stage(name, on_error, at=time.time(), detail=exc.one_line())
        return out

    def apply(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        return asyncio.run(self._each(rows, "accepted", self._apply_one, "failed"))

    def advertised(self, rows: Sequence[RouteRow]) -> dict[Key, Stage]:
        return asyncio.run(self._each(rows, "advertised", self._advertised_one, "pending"))

    def sessions(self) -> list[SessionInfo]:
        # Reaching the router costs an SSH login: status stays offline and fast, stages do the checking.
        return [SessionInfo(up.name, f"{up.device} -> {up.neighbor}", "router", None, "announced by our router")
                for up in self.upstreams.values()]
