"""Running ``oob serve`` in the foreground until SIGTERM/SIGINT (systemd's stop)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TYPE_CHECKING, Any

import asyncssh

from oob_console.server.host_key import load_host_key
from oob_console.server.listener import ServerContext, serve_forever, start_server

if TYPE_CHECKING:
    from oob_console.wiring import Services


def run_server(app: Services, *, listen: str | None, port: int | None, json_mode: bool,
               parser: argparse.ArgumentParser | None) -> dict[str, Any]:
    """Serve until stopped; return a summary for the way out. ``parser``: the CLI's, for exec requests.

    Raises:
        ConfigError: no host key, or one readable by others.
        UnavailableError: cannot listen.
        AuditWriteError: the start cannot be audited (nothing is served).
    """
    cfg = app.loaded.config.server
    host_key = load_host_key(app.path(cfg.host_key))
    ctx = ServerContext(cfg, app.loaded.path, app.ssh_login, parser=parser)
    address = listen if listen is not None else cfg.listen
    wanted_port = port if port is not None else cfg.port
    return asyncio.run(_serve(app, ctx, host_key, address, wanted_port, json_mode))


async def _serve(
    app: Services, ctx: ServerContext, host_key: asyncssh.SSHKey, address: str, port: int, json_mode: bool
) -> dict[str, Any]:
    acceptor = await start_server(ctx, host_key, listen=address, port=port)
    bound = acceptor.sockets[0].getsockname()[1] if acceptor.sockets else port
    fingerprint = host_key.get_fingerprint("sha256")
    details = {"listen": address, "port": bound, "host_key": fingerprint, "compression": ctx.config.compression}
    try:
        app.audit.record("ssh.serve.start", target=f"{address}:{bound}", details=details)
    except BaseException:
        acceptor.close()
        raise
    # The one line a supervisor or a test waits for (stdout, flushed; JSON with --json).
    line = (f'{{"listening": "{address}", "port": {bound}, "host_key": "{fingerprint}"}}' if json_mode
            else f"oob serve: listening on {address}:{bound} (host key {fingerprint})")
    print(line, flush=True)
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[None] = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: None if stop.done() else stop.set_result(None))
    connections = await serve_forever(ctx, acceptor, stop)
    app.audit.record("ssh.serve.stop", target=f"{address}:{bound}", details={"open_connections": connections})
    print("oob serve: stopped", file=sys.stderr, flush=True)
    return {**details, "stopped": True}
