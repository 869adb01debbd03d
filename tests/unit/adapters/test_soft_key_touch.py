"""The software key announces "waiting for a touch" as a hardware key does (CTAPHID KEEPALIVE UPNEEDED)."""

from __future__ import annotations

import os

from fido2.ctap import STATUS
from fido2.ctap2 import Ctap2

from oob_console.adapters.keys_software import create, open_device


def test_a_touch_is_announced_with_a_keepalive_and_a_silent_request_is_not(tmp_path: os.PathLike[str]) -> None:
    path = tmp_path / "k.softkey"  # type: ignore[operator]
    create(path)
    ctap = Ctap2(open_device(path))
    seen: list[int] = []
    rp = {"id": "oob.test", "name": "t"}
    user = {"id": b"u1", "name": "u"}
    made = ctap.make_credential(os.urandom(32), rp, user, [{"type": "public-key", "alg": -7}],
                                on_keepalive=seen.append)
    assert seen == [STATUS.UPNEEDED]
    cred = {"type": "public-key", "id": made.auth_data.credential_data.credential_id}  # type: ignore[union-attr]
    seen.clear()
    ctap.get_assertion("oob.test", os.urandom(32), [cred], options={"up": False}, on_keepalive=seen.append)
    assert seen == []
    ctap.get_assertion("oob.test", os.urandom(32), [cred], on_keepalive=seen.append)
    assert seen == [STATUS.UPNEEDED]
