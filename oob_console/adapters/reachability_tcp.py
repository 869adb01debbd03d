"""Is a device's SSH port answering? A TCP connect and the server's SSH banner, nothing more.

No login and no key exchange: cheap enough to ask every device at once over an
LTE uplink, and it says "the management network reaches it and sshd is up".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from oob_console.services.devices.ports import Reach


async def probe(host: str, port: int, *, timeout: float) -> Reach:
    """Connect, read the first line; an SSH banner (``SSH-2.0-...``) means reachable."""
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            line = await reader.readline()
    except TimeoutError:
        return Reach(False, None, "", f"no answer within {timeout:g}s")
    except OSError as exc:  # asyncio's strerror names the address; errno is what an operator reads
        return Reach(False, None, "", os.strerror(exc.errno) if exc.errno else str(exc) or type(exc).__name__)
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    banner = line.decode("ascii", "replace").strip()
    elapsed = time.monotonic() - started
    if not banner.startswith("SSH-"):
        return Reach(False, elapsed, banner[:80], "answered, but not with an SSH banner")
    return Reach(True, elapsed, banner[:80], "")
