"""asyncssh's own security-key code signs with the software key (how SSH tests get an sk client)."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import asyncssh.sk
import pytest

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import create, open_device
from oob_console.adapters.signatures_cryptography import verify_signature
from oob_console.core.auth import sshsig


@pytest.mark.parametrize("alg", ["ed25519", "es256"])
def test_asyncssh_signs_through_the_soft_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alg: str) -> None:
    create(tmp_path / "key")
    sk = ssh_sk_keys.enroll(open_device(tmp_path / "key"), alg=alg)
    ssh_sk_keys.write_private(tmp_path / "id_sk", sk)
    # Plugging the soft key in, for asyncssh: its sk module asks CtapHidDevice for attached keys.
    monkeypatch.setattr(asyncssh.sk.CtapHidDevice, "list_devices", lambda: iter([open_device(tmp_path / "key")]))
    key = asyncssh.read_private_key(str(tmp_path / "id_sk"))
    blob = key.sign(b"userauth request", key.sig_algorithms[0])
    parsed = sshsig.parse_signature_blob(blob, sk.key)
    assert parsed.user_present and parsed.counter > 0
    assert verify_signature(sk.key.alg, sk.key.public,
                            sshsig.verification_input(sk.key, parsed, b"userauth request"), parsed.sig)
