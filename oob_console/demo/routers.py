"""Demo routers: in-process SSH servers on 127.0.0.1 that answer like FRR's vtysh.

Each router has its own Ed25519 host key (pinned in the demo inventory, never
trusted on first use) and accepts one client key, the demo site's. A command
given on the SSH command line is answered and the session exits 0, or 1 for
an unknown command, as ``vtysh -c`` does; without one the session is
interactive, with the prompt ``<name># ``. The routers tell the story of the
demo: a backbone link is down and the upstream BGP sessions with it.

The servers run in a thread with its own event loop so that any front end
(Textual has its own loop) can use them; ``stop()`` closes every listener and
connection and joins the thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncssh

from oob_console.errors import UnavailableError

# Listening and shutting down are local; a demo that cannot do them in this time is broken.
START_TIMEOUT = 10.0


@dataclass(frozen=True)
class Interface:
    name: str
    address: str
    up: bool
    description: str
    peer: str = ""  # the device at the other end, when it is one of the demo routers


@dataclass(frozen=True)
class Neighbor:
    address: str
    remote_as: int
    up: bool
    description: str
    prefixes: int = 0


@dataclass(frozen=True)
class DemoRouter:
    name: str
    router_id: str
    local_as: int
    interfaces: tuple[Interface, ...]
    neighbors: tuple[Neighbor, ...]


ROUTERS: tuple[DemoRouter, ...] = (
    DemoRouter("bb1.sjc1", "10.255.0.1", 64500,
               (Interface("eth0", "10.0.12.1/30", False, "backbone to bb2.sjc1 (DOWN since 15:39)", "bb2.sjc1"),
                Interface("eth1", "192.0.2.1/30", True, "upstream transit-a"),
                Interface("mgmt0", "10.99.0.1/24", True, "out-of-band management")),
               (Neighbor("10.0.12.2", 64500, False, "bb2.sjc1"),
                Neighbor("192.0.2.2", 64501, True, "transit-a", 912_004))),
    DemoRouter("bb2.sjc1", "10.255.0.2", 64500,
               (Interface("eth0", "10.0.12.2/30", False, "backbone to bb1.sjc1 (DOWN since 15:39)", "bb1.sjc1"),
                Interface("eth1", "198.51.100.1/30", False, "upstream transit-b"),
                Interface("mgmt0", "10.99.0.2/24", True, "out-of-band management")),
               (Neighbor("10.0.12.1", 64500, False, "bb1.sjc1"),
                Neighbor("198.51.100.2", 64502, False, "transit-b"))),
    DemoRouter("edge1.sjc1", "10.255.0.3", 64500,
               (Interface("eth0", "10.0.13.1/30", True, "to bb1.sjc1", "bb1.sjc1"),
                Interface("mgmt0", "10.99.0.3/24", True, "out-of-band management")),
               (Neighbor("10.0.13.2", 64500, True, "bb1.sjc1", 23),)),
)


def _show_version(r: DemoRouter) -> str:
    return (f"FRRouting 8.4.4 (oob-console DEMO router {r.name}).\n"
            "This is a simulated router for `oob demo`; nothing here is real.\n")


def _show_interfaces(r: DemoRouter) -> str:
    rows = [f"{'Interface':<10} {'Status':<6} {'Address':<18} Description"]
    rows += [f"{i.name:<10} {'up' if i.up else 'down':<6} {i.address:<18} {i.description}" for i in r.interfaces]
    return "\n".join(rows) + "\n"


def _show_bgp(r: DemoRouter) -> str:
    rows = [f"BGP router identifier {r.router_id}, local AS number {r.local_as}",
            f"{'Neighbor':<16} {'AS':>6} {'State/PfxRcd':>14}  Desc"]
    rows += [f"{n.address:<16} {n.remote_as:>6} {(str(n.prefixes) if n.up else 'Active'):>14}  {n.description}"
             for n in r.neighbors]
    return "\n".join(rows) + "\n"


def _running_config(r: DemoRouter) -> str:
    lines = [f"hostname {r.name}", "!"]
    for i in r.interfaces:
        lines += [f"interface {i.name}", f" description {i.description}", f" ip address {i.address}",
                  *([] if i.up else [" shutdown"]), "!"]
    lines.append(f"router bgp {r.local_as}")
    lines += [f" neighbor {n.address} remote-as {n.remote_as}" for n in r.neighbors]
    return "\n".join([*lines, "!", "end"]) + "\n"


# (words of the command, shortest accepted abbreviation of each word, answer)
_COMMANDS: tuple[tuple[tuple[str, ...], Callable[[DemoRouter], str]], ...] = (
    (("show", "version"), _show_version),
    (("show", "interface", "brief"), _show_interfaces),
    (("show", "ip", "bgp", "summary"), _show_bgp),
    (("show", "bgp", "summary"), _show_bgp),
    (("show", "running-config"), _running_config),
    (("terminal", "length", "0"), lambda r: ""),
)


def answer(router: DemoRouter, command: str) -> tuple[str, int]:
    """What ``router`` prints for ``command``, and its exit status (1: unknown or refused)."""
    words = command.split()
    if not words:
        return "", 0
    for pattern, reply in _COMMANDS:
        if len(words) == len(pattern) and all(p.startswith(w.lower()) and len(w) >= min(2, len(p))
                                              for w, p in zip(words, pattern, strict=True)):
            return reply(router), 0
    if words[0].lower() in ("configure", "conf", "write", "reload", "clear"):
        return "% This demo router is read-only: nothing can be changed here.\n", 1
    return f"% Unknown command: {command.strip()}\n", 1


class _Server(asyncssh.SSHServer):
    """Public-key login only, with the one authorized client key; connections are tracked for stop()."""

    def __init__(self, connections: set[asyncssh.SSHServerConnection]) -> None:
        self.connections = connections
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.conn is not None:
            self.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False


class RouterFleet:
    """The demo routers, listening on 127.0.0.1 ports chosen by the kernel."""

    def __init__(self, client_key: str, routers: tuple[DemoRouter, ...] = ROUTERS) -> None:
        """``client_key``: the OpenSSH public key the routers accept."""
        self.routers = routers
        self.client_key = client_key
        self.host_keys = {r.name: asyncssh.generate_private_key("ssh-ed25519") for r in routers}
        self.ports: dict[str, int] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="oob-demo-routers", daemon=True)
        self._servers: list[asyncssh.SSHAcceptor] = []
        self._connections: set[asyncssh.SSHServerConnection] = set()

    def host_key(self, name: str) -> str:
        """The router's public host key, one OpenSSH line (to pin in the inventory)."""
        return self.host_keys[name].export_public_key().decode().strip()

    def start(self) -> dict[str, int]:
        """Start listening; returns each router's port.

        Raises:
            UnavailableError: a listener could not be opened on loopback.
        """
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        try:
            future.result(START_TIMEOUT)
        except (OSError, asyncssh.Error, TimeoutError) as exc:
            self.stop()
            raise UnavailableError(f"cannot start the demo routers: {exc}", where="127.0.0.1") from exc
        return dict(self.ports)

    async def _listen(self) -> None:
        authorized = asyncssh.import_authorized_keys(self.client_key + "\n")
        for router in self.routers:
            server = await asyncssh.create_server(
                lambda: _Server(self._connections), "127.0.0.1", 0, server_host_keys=[self.host_keys[router.name]],
                authorized_client_keys=authorized, process_factory=self._session(router),
                login_timeout=30,
            )
            self._servers.append(server)
            self.ports[router.name] = server.sockets[0].getsockname()[1]

    def _session(self, router: DemoRouter) -> Callable[[asyncssh.SSHServerProcess[Any]], Any]:
        async def session(process: asyncssh.SSHServerProcess[str]) -> None:
            if process.command:
                out, status = answer(router, process.command)
                process.stdout.write(out)
                process.exit(status)
                return
            process.stdout.write(f"\n{router.name}: oob-console DEMO router (simulated)\n\n{router.name}# ")
            try:
                while True:
                    line = await process.stdin.readline()
                    if not line or line.strip() in ("exit", "quit", "end", "logout"):
                        break
                    out, _ = answer(router, line)
                    process.stdout.write(out + f"{router.name}# ")
            except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, asyncssh.SignalReceived):
                pass
            process.exit(0)

        return session

    def stop(self) -> None:
        """Close every listener and connection and end the thread (idempotent)."""
        if not self._thread.is_alive():
            return

        async def close() -> None:
            for server in self._servers:
                server.close()
                await server.wait_closed()
            for conn in list(self._connections):
                conn.close()
                await conn.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(START_TIMEOUT)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(START_TIMEOUT)
            self._loop.close()
