"""Our SSHSIG handling against stock OpenSSH, both ways (ssh-keygen is the reference)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import create, open_device
from oob_console.adapters.signatures_cryptography import verify_signature
from oob_console.core.auth import sshsig

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                reason="ssh-keygen (openssh-client) is not installed: cannot compare with OpenSSH")
MESSAGE = b'{"action":"drill","format":"oob-console/intent/v1"}\n'


def openssh_verify(tmp_path: Path, public_line: str, armored: str, message: bytes,
                   namespace: str = "oob-console") -> subprocess.CompletedProcess[bytes]:
    (tmp_path / "allowed_signers").write_text(f'approver namespaces="{namespace}" {public_line}\n')
    (tmp_path / "msg.sig").write_text(armored)
    return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed_signers"), "-I", "approver",
                           "-n", namespace, "-s", str(tmp_path / "msg.sig")], input=message, capture_output=True,
                          check=False)


def ours_verify(armored: bytes | str, message: bytes) -> bool:
    sig = sshsig.parse(armored)
    wrapped = sshsig.wrapped_message(sig.namespace, message, sig.hash_alg, sig.reserved)
    return verify_signature(sig.key.alg, sig.key.public, sshsig.verification_input(sig.key, sig.signature, wrapped),
                            sig.signature.sig)


@pytest.mark.parametrize("alg", ["ed25519", "es256"])
@pytest.mark.parametrize("hash_alg", ["sha512", "sha256"])
def test_soft_sk_sshsig_verifies_with_ssh_keygen(tmp_path: Path, alg: str, hash_alg: str) -> None:
    create(tmp_path / "key", pin="1234")
    device = open_device(tmp_path / "key")
    sk = ssh_sk_keys.enroll(device, alg=alg, pin="1234", verify_required=True)
    armored = ssh_sk_keys.sign_sshsig(device, sk, MESSAGE, "oob-console", pin="1234", hash_alg=hash_alg)
    done = openssh_verify(tmp_path, sk.key.openssh(), armored, MESSAGE)
    assert done.returncode == 0, done.stderr
    assert b"Good \"oob-console\" signature" in done.stdout
    assert ours_verify(armored, MESSAGE)
    parsed = sshsig.parse(armored)
    assert parsed.signature.user_present and parsed.signature.user_verified
    # Both sides refuse other bytes.
    assert openssh_verify(tmp_path, sk.key.openssh(), armored, MESSAGE + b" ").returncode != 0
    assert not ours_verify(armored, MESSAGE + b" ")


@pytest.mark.parametrize("keytype", [["-t", "ed25519"], ["-t", "ecdsa", "-b", "256"]])
def test_openssh_made_sshsig_verifies_with_our_code(tmp_path: Path, keytype: list[str]) -> None:
    key = tmp_path / "id"
    subprocess.run(["ssh-keygen", "-q", *keytype, "-N", "", "-f", str(key)], check=True)
    armored = subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "oob-console", "-f", str(key)], input=MESSAGE,
                             capture_output=True, check=True).stdout
    assert ours_verify(armored, MESSAGE)
    assert not ours_verify(armored, MESSAGE.replace(b"drill", b"drilL"))
    parsed = sshsig.parse(armored)
    assert parsed.namespace == "oob-console" and not parsed.key.is_sk
    assert parsed.key.openssh() == " ".join(Path(f"{key}.pub").read_text().split()[:2])


@pytest.mark.parametrize("alg", ["ed25519", "es256"])
def test_sk_key_stub_is_an_openssh_key_file(tmp_path: Path, alg: str) -> None:
    create(tmp_path / "key")
    sk = ssh_sk_keys.enroll(open_device(tmp_path / "key"), alg=alg, comment="carol@laptop")
    stub = tmp_path / "id_sk"
    ssh_sk_keys.write_private(stub, sk)
    printed = subprocess.run(["ssh-keygen", "-y", "-f", str(stub)], capture_output=True, text=True, check=True)
    assert printed.stdout.split()[:2] == sk.key.openssh().split()
    assert ssh_sk_keys.read_private(stub) == sk
    fingerprint = subprocess.run(["ssh-keygen", "-l", "-f", str(stub)], capture_output=True, text=True, check=True)
    assert sk.key.fingerprint in fingerprint.stdout


def test_the_verifier_refuses_a_small_order_ed25519_key() -> None:
    from oob_console.adapters.signatures_cryptography import verify_signature

    identity = bytes([1]) + bytes(31)
    # R = identity, S = 0: valid for every message under that key, and OpenSSL says so.
    assert not verify_signature("ed25519", identity, b"any message", identity + bytes(32))
