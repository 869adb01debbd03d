"""Public-key login in one round trip with asyncssh, as paramiko and OpenSSH-era router clients do.

asyncssh's client opens authentication by asking which methods the server
accepts (a ``none`` request), then whether the key would be accepted (a
``publickey`` request without a signature), and only then signs: three round
trips before the login is decided. RFC 4252 section 7 lets a client send the
signed request at once. Over an OOB path (cellular, a far site's management
network) each round trip costs 50-300 ms, per device; measured over a
300 ms link, asyncssh logged in 0.6 s later than paramiko
(tests/bench/bench_slow_link.py).

What this changes: the first request of a login is the signed ``publickey``
request for the connection's first key, when that key is a local key file
that signs without anybody touching anything (not a security key, not an
agent key: those keep asyncssh's ask-first order, so a refused key never
costs a touch). The host key has been checked against the pins by then (key
exchange comes first), so the signature only ever goes to the pinned device.
With no such key (a password login) the ``none`` request goes out as before.
If the server refuses the key, its reply lists the methods it accepts and
asyncssh carries on from there with its other keys and methods.

How: asyncssh picks the handler of each client method from a module-level
table; :func:`install` replaces the handler of ``none`` (the method every
client login starts with). The table and the calls used are asyncssh
internals (version pinned in deploy/constraints.txt); :func:`install` checks
they are there and otherwise leaves asyncssh as it is and returns False, which
the tests notice. Server-side handlers (``oob serve``) are a separate table
and are not touched.
"""

from __future__ import annotations

from typing import Any

from asyncssh import auth as _auth
from asyncssh.packet import Boolean, String
from asyncssh.public_key import SSHLocalKeyPair


def signs_unattended(keypair: object) -> bool:
    """A key file's key: signing it needs no touch, PIN or agent confirmation."""
    return (isinstance(keypair, SSHLocalKeyPair)
            and not keypair.algorithm.startswith(b"sk-")
            and not keypair.algorithm.startswith(b"webauthn-"))


class _SignedFirst(_auth.ClientAuth):
    """The login's first request: a signed publickey request when the first key allows it, else ``none``."""

    async def _start(self) -> None:
        conn: Any = self._conn
        keypair = await conn.public_key_auth_requested()
        if keypair is not None and not signs_unattended(keypair):
            conn._client_keys.insert(0, keypair)  # handed back: asyncssh asks before signing with it
            keypair = None
        if keypair is None:
            await self.send_request()  # asyncssh's own opening: which methods does the server accept?
            return
        self._method = b"publickey"
        try:
            await self.send_request(Boolean(True), String(keypair.algorithm), String(keypair.public_data),
                                    key=keypair, trivial=False)
        except ValueError:  # this key cannot sign here (as asyncssh's publickey auth treats it): the next one
            conn.try_next_auth()


def install() -> bool:
    """Make every asyncssh client login in this process open with a signed request; False if it cannot."""
    from asyncssh.connection import SSHClientConnection

    handlers = getattr(_auth, "_client_auth_handlers", None)
    if not isinstance(handlers, dict) or b"none" not in handlers:
        return False
    if not all(hasattr(SSHClientConnection, n) for n in ("public_key_auth_requested", "try_next_auth")):
        return False
    handlers[b"none"] = _SignedFirst
    return True


INSTALLED = install()
