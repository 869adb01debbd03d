"""Serial consoles reached without SSH: console-server TCP ports (raw or telnet, as ser2net
offers them) and local serial devices (``/dev/ttyUSB0``). SSH console servers use the SSH engines.

Telnet is the minimal client a console port needs (RFC 854/856/858): binary,
suppress-go-ahead and remote echo are accepted, every other option refused,
``IAC IAC`` unescaped, and a break is ``IAC BREAK`` (ser2net turns it into a
real serial break). Raw TCP passes bytes untouched and has no way to send a
break. What a console server says before it closes (ser2net's "Port already
in use") reaches the operator whatever the transport: telnet data is handed
on before the option replies are sent, and a reply the closed socket refuses
is not an error of its own.

A local device is used by one program at a time
(:mod:`oob_console.adapters.serial_lock_uucp`: the UUCP lock file, TIOCEXCL,
other holders in /proc), then put in raw mode, 8N1, no flow control, at its baud.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import termios

from oob_console.adapters.serial_lock_uucp import LineLock, busy_reason, claim_exclusive, release_exclusive
from oob_console.errors import DeadlineError, OobError, UnavailableError

IAC, DONT, DO, WONT, WILL, SB, SE, BRK = 255, 254, 253, 252, 251, 250, 240, 243
BINARY, ECHO, SGA = 0, 1, 3
_ACCEPT_WILL = {BINARY, ECHO, SGA}  # options we let the server do
_ACCEPT_DO = {BINARY, SGA}  # options we agree to do
_CHUNK = 65536


class TelnetCodec:
    """Splits telnet bytes into data and the replies our option policy gives."""

    def __init__(self) -> None:
        self._state = "data"
        self._verb = 0
        self.binary_out = False
        self._answered: dict[tuple[int, int], int] = {}

    def decode(self, raw: bytes) -> tuple[bytes, bytes]:
        """(data for the user, bytes to send back to the server)."""
        data = bytearray()
        reply = bytearray()
        for byte in raw:
            if self._state == "data":
                if byte == IAC:
                    self._state = "iac"
                else:
                    data.append(byte)
            elif self._state == "iac":
                if byte == IAC:
                    data.append(IAC)
                    self._state = "data"
                elif byte in (DO, DONT, WILL, WONT):
                    self._verb = byte
                    self._state = "option"
                elif byte == SB:
                    self._state = "sb"
                else:
                    self._state = "data"  # NOP, GA, DM...: nothing for us
            elif self._state == "option":
                reply += self._answer(self._verb, byte)
                self._state = "data"
            elif self._state == "sb":
                if byte == IAC:
                    self._state = "sb-iac"
            elif self._state == "sb-iac":
                self._state = "data" if byte == SE else "sb"
        return bytes(data), bytes(reply)

    def _answer(self, verb: int, option: int) -> bytes:
        if verb == WILL:
            answer = DO if option in _ACCEPT_WILL else DONT
        elif verb == DO:
            answer = WILL if option in _ACCEPT_DO else WONT
            if option == BINARY:
                self.binary_out = True
        elif verb == WONT:
            answer = DONT
        else:
            answer = WONT
            if option == BINARY:
                self.binary_out = False
        if self._answered.get((verb, option)) == answer:
            return b""  # answered already: never loop on a repeated request
        self._answered[(verb, option)] = answer
        return bytes((IAC, answer, option))

    def encode(self, data: bytes) -> bytes:
        out = data.replace(b"\xff", b"\xff\xff")
        if not self.binary_out:
            out = out.replace(b"\r", b"\r\0").replace(b"\r\0\n", b"\r\n")  # NVT: a bare CR is CR NUL
        return out


class TcpConsole:
    """A console-server TCP port, raw or telnet."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, label: str, telnet: bool) -> None:
        self._reader = reader
        self._writer = writer
        self._label = label
        self._telnet = TelnetCodec() if telnet else None
        self.supports_break = telnet

    async def read(self) -> bytes:
        while True:
            try:
                raw = await self._reader.read(_CHUNK)
            except ConnectionError:
                return b""  # reset or broken pipe: the server closed the line (the session says so, as failed)
            except OSError as exc:
                raise UnavailableError(f"{self._label} dropped: {exc.strerror}", where=self._label) from exc
            if not raw or self._telnet is None:
                return raw
            data, reply = self._telnet.decode(raw)
            if reply:
                with contextlib.suppress(UnavailableError):  # closed already: its last words come first
                    await self._send(reply)
            if data:
                return data

    async def _send(self, data: bytes) -> None:
        try:
            self._writer.write(data)
            await self._writer.drain()
        except OSError as exc:
            raise UnavailableError(f"{self._label} dropped: {exc.strerror or exc}",
                                   where=self._label) from exc

    async def write(self, data: bytes) -> None:
        await self._send(self._telnet.encode(data) if self._telnet else data)

    async def send_break(self, millis: int = 500) -> None:
        if self._telnet is None:
            raise UnavailableError(f"the raw TCP console of {self._label} cannot carry a break",
                                   where=self._label, hint="configure the port as telnet on the console server")
        await self._send(bytes((IAC, BRK)))

    def resize(self, cols: int, rows: int) -> None:
        """A serial line has no window size."""

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()


_BAUDS = {b: getattr(termios, f"B{b}") for b in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400,
                                                 460800, 921600) if hasattr(termios, f"B{b}")}


class SerialConsole:
    """A local serial device in raw mode."""

    supports_break = True

    def __init__(self, fd: int, label: str, lock: LineLock | None = None) -> None:
        self._fd = fd
        self._label = label
        self._lock = lock
        self._loop = asyncio.get_running_loop()
        self._readable = asyncio.Event()
        self._loop.add_reader(fd, self._readable.set)
        self._closed = False

    async def read(self) -> bytes:
        while not self._closed:
            try:
                return os.read(self._fd, _CHUNK)
            except BlockingIOError:
                self._readable.clear()
                await self._readable.wait()
            except OSError as exc:
                if exc.errno == errno.EIO:
                    return b""  # the other end went away (a pty closed, a USB adapter pulled)
                raise UnavailableError(f"{self._label} (serial): {exc.strerror}", where=self._label) from exc
        return b""

    async def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(self._fd, view)
            except BlockingIOError:
                await asyncio.sleep(0.01)
                continue
            except OSError as exc:
                raise UnavailableError(f"{self._label} (serial): {exc.strerror}", where=self._label) from exc
            view = view[n:]

    async def send_break(self, millis: int = 500) -> None:
        try:
            await asyncio.to_thread(termios.tcsendbreak, self._fd, 0)  # 0: 0.25-0.5 s, the POSIX default
        except termios.error as exc:
            raise UnavailableError(f"cannot send a break on {self._label}: {exc}", where=self._label) from exc

    def resize(self, cols: int, rows: int) -> None:
        """A serial line has no window size."""

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._readable.set()
            self._loop.remove_reader(self._fd)
            release_exclusive(self._fd)
            os.close(self._fd)
            if self._lock is not None:
                self._lock.release()


def _raw_mode(fd: int, baud: int) -> None:
    attrs = termios.tcgetattr(fd)
    speed = _BAUDS[baud]
    attrs[0] = 0  # iflag: no CR/NL mapping, no XON/XOFF
    attrs[1] = 0  # oflag: no output processing
    attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL  # cflag: 8N1, ignore modem lines
    attrs[3] = 0  # lflag: no echo, no canonical mode, no signals
    attrs[4] = attrs[5] = speed
    attrs[6][termios.VMIN] = 1
    attrs[6][termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


class ConsoleLineOpener:
    """Implements ``ConsoleLines``."""

    async def open_tcp(self, host: str, port: int, *, telnet: bool, timeout: float, label: str) -> TcpConsole:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except TimeoutError as exc:
            raise DeadlineError(f"console server {host}:{port} for {label} did not answer within {timeout:g}s",
                                where=label) from exc
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)  # asyncio's strerror repeats the address
            raise UnavailableError(f"cannot reach console server {host}:{port} for {label}: {reason}",
                                   where=label, hint="is the port right, and the console server up?") from exc
        return TcpConsole(reader, writer, label, telnet)

    async def open_serial(self, device: str, baud: int, *, label: str) -> SerialConsole:
        if baud not in _BAUDS:
            raise UnavailableError(f"{baud} baud is not supported here", where=label,
                                   hint=f"use one of {', '.join(map(str, _BAUDS))}")
        lock = LineLock(device, label)
        lock.acquire()
        try:
            try:
                fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError as exc:
                if exc.errno == errno.EBUSY:
                    raise UnavailableError(f"{device} is busy: {busy_reason(device)} opened it exclusively",
                                           where=label, hint="wait for that program to let go of the line, "
                                           "or stop it; the line is never shared") from exc
                raise UnavailableError(f"cannot open {device} for {label}: {exc.strerror}", where=label,
                                       hint="is the adapter plugged in, and may this user open it (dialout)?"
                                       ) from exc
            try:
                if not os.isatty(fd):
                    raise UnavailableError(f"{device} is not a serial device", where=label)
                claim_exclusive(fd, device, label)
                _raw_mode(fd, baud)
            except termios.error as exc:
                os.close(fd)
                raise UnavailableError(f"{device} is not a serial device: {exc}", where=label) from exc
            except OobError:
                os.close(fd)
                raise
        except BaseException:
            lock.release()
            raise
        return SerialConsole(fd, label, lock)
