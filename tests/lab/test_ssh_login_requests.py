"""Key login in one request with asyncssh (adapters/ssh/asyncssh_auth.py), counted by a real sshd.

sshd at LogLevel DEBUG1 logs every authentication request it receives
("userauth-request for user U service ssh-connection method M"). Stock asyncssh
sends three for a key login (``none``, then ``publickey`` without a signature,
then signed); paramiko and our asyncssh engine send one.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import asyncssh
import pytest

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import create, open_device
from oob_console.adapters.ssh import SshEngines, asyncssh_auth
from oob_console.core.devices.hostkeys import HostKey
from oob_console.services.devices.ports import SshTarget
from tests.lab.routers import Router, RouterLab

pytestmark = pytest.mark.lab


def requests(router: Router) -> list[str]:
    return re.findall(r"userauth-request for user \S+ service ssh-connection method (\S+)", router.sshd_log())


def login(router: Router, engine: str) -> str:
    target = SshTarget(router.name, router.host, router.port, router.username,
                       (HostKey.parse(router.host_key_line),), 10, str(router.client_key))

    async def go() -> str:
        session = await SshEngines()[engine].connect(target)
        try:
            return (await session.exec("show version", timeout=10)).stdout
        finally:
            await session.close()

    return asyncio.run(go())


@pytest.fixture
def router(router_lab: RouterLab) -> Router:
    return router_lab.router("r1", log_level="DEBUG1")


def test_asyncssh_logs_in_with_one_signed_request(router: Router) -> None:
    assert asyncssh_auth.INSTALLED
    assert "FRRouting" in login(router, "asyncssh")
    assert requests(router) == ["publickey"]


def test_as_many_requests_as_paramiko_and_two_fewer_than_stock_asyncssh(router: Router,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    login(router, "paramiko")
    assert requests(router) == ["publickey"]
    monkeypatch.setitem(asyncssh.auth._client_auth_handlers, b"none", asyncssh.auth._ClientNullAuth)  # stock
    login(router, "asyncssh")
    assert requests(router) == ["publickey", "none", "publickey", "publickey"]


def test_a_refused_key_falls_back_to_the_next_key(router: Router, router_lab: RouterLab) -> None:
    refused = asyncssh.generate_private_key("ssh-ed25519")  # not in authorized_keys
    accepted = asyncssh.read_private_key(str(router.client_key))
    pin = asyncssh.import_public_key(router.host_key_line)

    async def go() -> str:
        async with asyncssh.connect(router.host, router.port, username=router.username, config=None,
                                    known_hosts=([pin], [], []), client_keys=[refused, accepted],
                                    agent_path=None) as conn:
            return str((await conn.run("show version", timeout=10)).stdout)

    assert "FRRouting" in asyncio.run(go())
    # the refused key signed at once; the server's reply lists publickey; asyncssh goes on as it would
    assert requests(router) == ["publickey", "publickey", "publickey"]


def test_keys_that_need_a_touch_or_an_agent_are_not_signed_first(tmp_path: Path) -> None:
    [plain] = asyncssh.load_keypairs([asyncssh.generate_private_key("ssh-ed25519")])
    assert asyncssh_auth.signs_unattended(plain)
    create(tmp_path / "key")
    ssh_sk_keys.write_private(tmp_path / "id_sk", ssh_sk_keys.enroll(open_device(tmp_path / "key")))
    [security_key] = asyncssh.load_keypairs([asyncssh.read_private_key(str(tmp_path / "id_sk"))])
    assert security_key.algorithm.startswith(b"sk-") and not asyncssh_auth.signs_unattended(security_key)
    assert not asyncssh_auth.signs_unattended(object())  # an agent's key pair
