"""The telnet side of console-server ports: option negotiation, IAC escaping, break."""

from __future__ import annotations

import asyncio

import pytest

from oob_console.adapters.consoles_telnet_serial import BRK, DO, DONT, IAC, WILL, WONT, ConsoleLineOpener, TelnetCodec

SER2NET_GREETING = bytes([IAC, WILL, 3, IAC, DO, 3, IAC, WILL, 1, IAC, DONT, 1, IAC, DO, 0, IAC, WILL, 0,
                          IAC, DO, 44]) + b"\r\nr1 login: "


def test_ser2net_greeting_is_answered_and_stripped() -> None:
    codec = TelnetCodec()
    data, reply = codec.decode(SER2NET_GREETING)
    assert data == b"\r\nr1 login: "
    assert reply == bytes([IAC, DO, 3, IAC, WILL, 3, IAC, DO, 1, IAC, WONT, 1, IAC, WILL, 0, IAC, DO, 0,
                           IAC, WONT, 44])
    assert codec.binary_out
    assert codec.decode(bytes([IAC, WILL, 3]))[1] == b""  # answered once, never loops


def test_split_commands_subnegotiation_and_escaped_iac() -> None:
    codec = TelnetCodec()
    out = b""
    for chunk in (b"a", bytes([IAC]), bytes([IAC]), b"b", bytes([IAC, 250, 44, 1, 2, IAC]), bytes([240]), b"c"):
        out += codec.decode(chunk)[0]
    assert out == b"a\xffbc"


def test_encoding_escapes_iac_and_cr_outside_binary() -> None:
    codec = TelnetCodec()
    assert codec.encode(b"x\xffy\r") == b"x\xff\xffy\r\0"
    assert codec.encode(b"show\r\n") == b"show\r\n"
    codec.decode(bytes([IAC, DO, 0]))
    assert codec.encode(b"a\r") == b"a\r"


def test_break_is_iac_brk_over_a_real_socket() -> None:
    async def scenario() -> bytes:
        got: list[bytes] = []

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            got.append(await reader.readexactly(2))
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        console = await ConsoleLineOpener().open_tcp("127.0.0.1", port, telnet=True, timeout=5, label="r1")
        await console.send_break()
        await asyncio.sleep(0.1)
        await console.close()
        server.close()
        return got[0]

    assert asyncio.run(scenario()) == bytes([IAC, BRK])


def test_unreachable_console_port() -> None:
    from oob_console.errors import UnavailableError

    with pytest.raises(UnavailableError, match="cannot reach console server"):
        asyncio.run(ConsoleLineOpener().open_tcp("127.0.0.1", 1, telnet=False, timeout=2, label="r1"))
