"""A slow link in user space: a TCP relay on loopback that adds one-way delay and a rate limit.

This kernel has no netem (docs/development.md, "Slow links"), so impaired links are emulated here.
Bytes keep their order and are not serialised behind each other's delay: a
chunk read at time t leaves at ``t + delay`` (later if the rate limit says
so), like packets on a long pipe::

    with SlowLink("127.0.0.1", router.port, delay=0.150, rate=64_000 / 8) as link:
        ...connect to 127.0.0.1:link.port: 300 ms RTT, 64 kbit/s each way...
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time


class SlowLink:
    def __init__(self, host: str, port: int, *, delay: float, rate: float | None = None) -> None:
        """``delay``: seconds each way; ``rate``: bytes per second each way (None: unlimited)."""
        self.host, self.target_port = host, port
        self.delay, self.rate = delay, rate
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> SlowLink:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop).result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def read() -> None:
            free_at = 0.0  # when the emulated wire is free again (rate limit)
            while True:
                data = await src.read(65536)
                now = time.monotonic()
                if self.rate and data:
                    free_at = max(free_at, now) + len(data) / self.rate
                    now = free_at
                queue.put_nowait((now + self.delay, data))
                if not data:
                    return

        async def write() -> None:
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if not data:
                    dst.close()
                    return
                dst.write(data)
                await dst.drain()

        with contextlib.suppress(OSError):
            await asyncio.gather(read(), write())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                                 return_exceptions=True)
        except asyncio.CancelledError:  # the link is being torn down: end quietly
            writer.close()
            up_writer.close()
