"""Signed fleet bundles: a central team exports, each OOB host imports and keeps working offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from oob_console.adapters.ssh_signer_cryptography import SshKeySigner
from oob_console.errors import ConflictError, IntegrityError, RefusedError, StorageError
from tests.unit.auth_lab import Lab, NoPrompt, make_lab


@pytest.fixture
def signing_key(tmp_path: Path) -> Path:
    key = tmp_path / "fleet_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "fleet", "-f", str(key)], check=True)
    return key


@pytest.fixture
def central(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    lab = make_lab(tmp_path / "central", monkeypatch)
    lab.user("alice", "operator", "approver")
    lab.user("bob", "approver")
    lab.enroll("alice", "alice-key")
    lab.ssh_key("bob", "bob-laptop")
    return lab


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signing_key: Path) -> Lab:
    pub = Path(f"{signing_key}.pub").read_text().strip()
    return make_lab(tmp_path / "host", monkeypatch, f'\n[fleet]\nbundle_signers = ["{pub}"]\n')


def export(central: Lab, key: Path, serial: int | None = None) -> bytes:
    return central.app.store_sync.export(central.admin, SshKeySigner(key, lambda: None), serial=serial)


def snapshot(lab: Lab) -> tuple[object, ...]:
    return (tuple(lab.app.credentials.list_users()), tuple(lab.app.credentials.list_keys()),
            lab.app.store_sync.status())


def test_a_host_imports_users_and_keys_and_logs_in_offline(central: Lab, host: Lab, signing_key: Path) -> None:
    bundle = export(central, signing_key, serial=5)
    result = host.app.store_sync.import_bundle(host.admin, bundle)
    assert result["serial"] == 5 and result["users"] == 2 and result["keys"] == 2
    assert {u.name for u in host.app.credentials.list_users()} == {"alice", "bob"}
    host.keys["alice-key"] = central.keys["alice-key"]
    host.use_key("alice-key")
    assert host.app.login.login("alice", NoPrompt()).user == "alice"
    assert ("store.import", "ok") in [(e["action"], e["outcome"]) for e in host.app.audit.show()]


def test_revocations_and_removals_propagate(central: Lab, host: Lab, signing_key: Path) -> None:
    host.app.store_sync.import_bundle(host.admin, export(central, signing_key, serial=1))
    bob_key = central.app.credentials.list_keys("bob")[0].key_id
    central.app.credentials.revoke_key(central.admin, bob_key)
    central.app.credentials.set_active(central.admin, "alice", False)
    result = host.app.store_sync.import_bundle(host.admin, export(central, signing_key, serial=2))
    assert not host.app.credentials.resolve_key(bob_key).active
    assert not host.app.credentials.get_user("alice").active
    assert result["serial"] == 2


def test_bundle_with_a_bad_signature_is_refused(central: Lab, host: Lab, signing_key: Path) -> None:
    bundle = export(central, signing_key)
    before = snapshot(host)
    edited = bundle.replace(b'"roles":["approver"]', b'"roles":["admin"]', 1)
    assert edited != bundle
    with pytest.raises(IntegrityError, match="does not verify"):
        host.app.store_sync.import_bundle(host.admin, edited)
    assert snapshot(host) == before


def test_bundle_with_an_older_serial_is_refused(central: Lab, host: Lab, signing_key: Path) -> None:
    old = export(central, signing_key, serial=10)
    new = export(central, signing_key, serial=11)
    host.app.store_sync.import_bundle(host.admin, new)
    before = snapshot(host)
    with pytest.raises(ConflictError, match="not newer"):
        host.app.store_sync.import_bundle(host.admin, old)
    with pytest.raises(ConflictError, match="not newer"):
        host.app.store_sync.import_bundle(host.admin, new)  # the same serial again
    assert snapshot(host) == before


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_bundle_is_refused(central: Lab, host: Lab, signing_key: Path, keep: float) -> None:
    bundle = export(central, signing_key)
    before = snapshot(host)
    with pytest.raises(IntegrityError, match="bundle refused"):
        host.app.store_sync.import_bundle(host.admin, bundle[: int(len(bundle) * keep)])
    assert snapshot(host) == before


def test_bundle_from_an_unpinned_signer_is_refused(central: Lab, host: Lab, tmp_path: Path) -> None:
    other = tmp_path / "rogue"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    with pytest.raises(IntegrityError, match="not a pinned signer"):
        host.app.store_sync.import_bundle(host.admin, export(central, other))


def test_a_host_without_pinned_signers_imports_nothing(central: Lab, signing_key: Path) -> None:
    with pytest.raises(RefusedError, match="no bundle signers"):
        central.app.store_sync.import_bundle(central.admin, export(central, signing_key))


def test_apply_is_all_or_nothing(host: Lab) -> None:
    from oob_console.core.auth.credentials import FIDO2, Credential, User, fido2_key_id

    good = User("zed", "Zed", ("approver",))
    orphan = Credential(key_id=fido2_key_id(b"x"), kind=FIDO2, user="nobody", alg="ed25519",
                        public_key=b"\x00" * 32, rp_id="oob-console", credential_id=b"x", origin="bundle")
    with pytest.raises(StorageError):
        host.app.credential_repo.apply_bundle(serial=3, users=[good], credentials=[orphan], at="now")
    assert host.app.credentials.list_users() == [] and host.app.store_sync.status()["imported_serial"] == 0


def test_signed_bundle_verifies_with_stock_openssh(central: Lab, signing_key: Path, tmp_path: Path) -> None:
    bundle = export(central, signing_key)
    payload, _, rest = bundle.partition(b"\n-----BEGIN")
    (tmp_path / "sig").write_bytes(b"-----BEGIN" + rest)
    pub = Path(f"{signing_key}.pub").read_text().strip()
    (tmp_path / "allowed").write_text(f'fleet namespaces="oob-console-bundle" {pub}\n')
    done = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed"), "-I", "fleet", "-n",
                           "oob-console-bundle", "-s", str(tmp_path / "sig")], input=payload + b"\n",
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_key_revoked_on_this_host_stays_revoked_after_a_routine_import(central: Lab, host: Lab,
                                                                         signing_key: Path) -> None:
    # A host admin revokes a stolen key during an incident; the next fleet bundle, exported before
    # the central team heard of it, must not bring the key back to life.
    host.app.store_sync.import_bundle(host.admin, export(central, signing_key, serial=1))
    bob_key = host.app.credentials.list_keys("bob")[0].key_id
    revoked = host.app.credentials.revoke_key(host.admin, bob_key).revoked
    assert revoked is not None
    host.app.store_sync.import_bundle(host.admin, export(central, signing_key, serial=2))
    assert host.app.credentials.resolve_key(bob_key).revoked == revoked


class _SkSigner:
    """A central team signing bundles with a security key (ssh-keygen -Y sign -f id_ed25519_sk)."""

    def __init__(self, lab: Lab, name: str, pin: str | None) -> None:
        from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
        from oob_console.adapters.keys_software import open_device

        self._path, self._pin = lab.soft_key(name, pin), pin
        self.sk = ssh_sk_keys.enroll(open_device(self._path), pin=pin, verify_required=pin is not None)
        self.public = self.sk.key
        self.verify = False

    def sign(self, message: bytes, namespace: str) -> str:
        from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
        from oob_console.adapters.keys_software import open_device

        return ssh_sk_keys.sign_sshsig(open_device(self._path), self.sk, message, namespace,
                                       pin=self._pin if self.verify else None)


def test_a_signer_pinned_with_verify_required_must_have_verified_its_user(central: Lab, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    signer = _SkSigner(central, "fleet-sk", pin="9753")
    line = "verify-required " + signer.public.openssh("fleet")
    host = make_lab(tmp_path / "host-sk", monkeypatch, f'\n[fleet]\nbundle_signers = ["{line}"]\n')
    touch_only = central.app.store_sync.export(central.admin, signer, serial=7)
    with pytest.raises(IntegrityError, match="verif"):
        host.app.store_sync.import_bundle(host.admin, touch_only)
    assert host.app.store_sync.status()["imported_serial"] == 0
    signer.verify = True
    assert host.app.store_sync.import_bundle(host.admin, central.app.store_sync.export(central.admin, signer,
                                                                                       serial=8))["serial"] == 8


def test_bundles_carry_audit_heads_and_the_importer_keeps_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               signing_key: Path) -> None:
    """A site's head travels signed in its bundle; the importing site is then a witness of that log."""
    from oob_console.core.audit.seal import parse_anchor
    from oob_console.wiring.audit import build_audit_of_file

    central = make_lab(tmp_path / "c", monkeypatch, site="central")
    central.user("alice", "operator")
    pub = Path(f"{signing_key}.pub").read_text().strip()
    host = make_lab(tmp_path / "h", monkeypatch, f'\n[fleet]\nbundle_signers = ["{pub}"]\n', site="sjc1")
    host.app.store_sync.import_bundle(host.admin, export(central, signing_key, serial=1))
    seen = host.app.store_sync.status()["audit_heads_seen"]
    assert len(seen) == 1 and parse_anchor(seen[0]).site == "central"
    imported = [e for e in host.app.audit.show(action="store.import") if e["outcome"] == "ok"]
    assert imported[-1]["details"]["audit_heads"] == seen
    # the head the host saw proves central's log; a cut below it is caught
    log = central.home / "audit.jsonl"
    key = build_audit_of_file(log).verify().verify_key
    assert build_audit_of_file(log).verify(verify_key=key, anchors=(parse_anchor(seen[0]),)).ok
    cut = tmp_path / "cut.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    cut.write_bytes(b"".join(lines[: parse_anchor(seen[0]).seq - 1]))
    with pytest.raises(IntegrityError, match="below the head"):
        build_audit_of_file(cut).verify(verify_key=key, anchors=(parse_anchor(seen[0]),))
    # the next bundle from central carries a newer head, which replaces the old one
    host.app.store_sync.import_bundle(host.admin, export(central, signing_key, serial=2))
    newer = host.app.store_sync.status()["audit_heads_seen"]
    assert len(newer) == 1 and parse_anchor(newer[0]).seq > parse_anchor(seen[0]).seq
