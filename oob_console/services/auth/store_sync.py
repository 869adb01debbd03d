"""Fleet distribution without shared fate: signed bundles of users and keys (``app.store_sync``).

API::

    export(by, signer, *, serial=None) -> bytes     the bundle file (see core.bundle)
    import_bundle(by, data) -> dict                 verify, then apply all or nothing
    status() -> dict                                last imported/exported serials, counts

A central team exports from its own store with an offline signing key; each
OOB host imports the file (copied over the OOB path, a USB stick, anything)
and keeps working fully offline. Import refuses, changing nothing: a file
that is cut or edited, a signature that does not verify, a signer that is
not pinned in ``[fleet] bundle_signers`` (a signer pinned with the
``verify-required`` option must have verified its user), a namespace other than
``[fleet] bundle_namespace``, a serial not newer than the last import
(rollback), and bundles carrying software keys when the site does not allow
them. The default export serial is the current Unix time, or one more than
the last export, whichever is larger.

Bundles also carry audit heads (``oob audit anchor`` codes): the exporting
site's own head and the heads it has seen from other sites. An importing host
keeps the newest head it has seen per site (``status()['audit_heads_seen']``):
each site becomes an off-host witness of the others' audit logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from oob_console.core.audit.seal import parse_anchor
from oob_console.core.auth import sshsig
from oob_console.core.auth.bundle import BundleError, decode_payload, encode_payload, split
from oob_console.core.auth.identity import Identity
from oob_console.core.auth.ssh_wire import parse_authorized_key
from oob_console.errors import ConflictError, IntegrityError, RefusedError, StorageError
from oob_console.services.audit.service import AuditService
from oob_console.services.auth.credentials import require_admin, stamp
from oob_console.services.auth.ports import Clock, CredentialRepo, SignatureCheck
from oob_console.services.auth.settings import AuthConfig, FleetConfig


class BundleSigner(Protocol):
    @property
    def public(self) -> Any:
        """The signer's SshPublicKey."""
        ...

    def sign(self, message: bytes, namespace: str) -> str:
        """An armored SSHSIG over ``message``."""
        ...


@dataclass
class StoreSyncService:
    repo: CredentialRepo
    audit: AuditService
    verify: SignatureCheck
    auth: AuthConfig
    fleet: FleetConfig
    site: str
    now: Clock

    def status(self) -> dict[str, Any]:
        creds = self.repo.list_credentials()
        return {
            "imported_serial": int(self.repo.get_meta("bundle_serial") or 0),
            "exported_serial": int(self.repo.get_meta("bundle_exported_serial") or 0),
            "users": len(self.repo.list_users()),
            "keys": sum(1 for c in creds if c.active), "keys_revoked": sum(1 for c in creds if not c.active),
            "pinned_signers": len(self.fleet.bundle_signers),
            "audit_heads_seen": self.heads_seen(),
        }

    def heads_seen(self) -> list[str]:
        """The newest audit head seen per other site (from imported bundles), as anchor codes."""
        raw = self.repo.get_meta("audit_heads_seen")
        heads = json.loads(raw) if raw else []
        return [h for h in heads if isinstance(h, str)]

    def _own_heads(self) -> list[str]:
        try:
            own = [self.audit.head()[0].code]
        except StorageError:
            own = []
        return own + [h for h in self.heads_seen() if parse_anchor(h).site != self.site]

    def _remember_heads(self, heads: tuple[str, ...]) -> None:
        newest: dict[str, tuple[int, str]] = {}
        for code in [*self.heads_seen(), *heads]:
            a = parse_anchor(code)
            if a.site != self.site and (a.site not in newest or a.seq > newest[a.site][0]):
                newest[a.site] = (a.seq, code)
        self.repo.set_meta("audit_heads_seen", json.dumps(sorted(c for _, c in newest.values())))

    def export(self, by: Identity, signer: BundleSigner, *, serial: int | None = None) -> bytes:
        require_admin(by, "export bundles")
        last = int(self.repo.get_meta("bundle_exported_serial") or 0)
        serial = serial if serial is not None else max(int(self.now().timestamp()), last + 1)
        if serial <= last:
            raise ConflictError(f"serial {serial} is not above the last exported serial {last}")
        users = self.repo.list_users()
        creds = self.repo.list_credentials()
        payload = encode_payload(serial=serial, created=stamp(self.now), source_site=self.site, users=users,
                                 credentials=creds, audit_heads=self._own_heads())
        signature = signer.sign(payload, self.fleet.bundle_namespace)
        self.audit.record_then(
            "store.export", f"serial {serial}",
            {"serial": serial, "users": len(users), "keys": len(creds), "signer": signer.public.fingerprint},
            lambda: self.repo.set_meta("bundle_exported_serial", str(serial)), actor=by.actor,
        )
        return payload + signature.encode()

    def import_bundle(self, by: Identity, data: bytes) -> dict[str, Any]:
        """Raises: IntegrityError (bad file/signature), RefusedError, ConflictError (rollback)."""
        require_admin(by, "import bundles")
        try:
            payload, armored = split(data)
            sig = sshsig.parse(armored)
        except (BundleError, sshsig.SshsigError) as exc:
            raise self._bad(by, f"bundle refused: {exc}") from None
        pinned = {k.key.blob: k.options for k in map(parse_authorized_key, self.fleet.bundle_signers)}
        if not pinned:
            raise RefusedError("no bundle signers are pinned on this host; nothing was imported",
                               hint="add the central team's public key to [fleet] bundle_signers")
        if sig.namespace != self.fleet.bundle_namespace:
            raise self._bad(by, f"bundle refused: signature namespace {sig.namespace!r} is not "
                            f"{self.fleet.bundle_namespace!r}")
        if sig.key.blob not in pinned:
            raise self._bad(by, f"bundle refused: signed by {sig.key.fingerprint}, which is not a pinned signer")
        wrapped = sshsig.wrapped_message(sig.namespace, payload, sig.hash_alg)  # reserved: empty, as OpenSSH
        if not self.verify(sig.key.alg, sig.key.public, sshsig.verification_input(sig.key, sig.signature, wrapped),
                           sig.signature.sig):
            raise self._bad(by, "bundle refused: the signature does not verify (the file was changed)")
        if sig.key.is_sk and not sig.signature.user_present:
            raise self._bad(by, "bundle refused: the signing security key was not touched")
        if "verify-required" in pinned[sig.key.blob] and not sig.signature.user_verified:
            raise self._bad(by, "bundle refused: the signer is pinned verify-required and its key did not "
                            "verify the user (PIN/biometric)")
        try:
            content = decode_payload(payload)
        except BundleError as exc:
            raise self._bad(by, f"bundle refused: {exc}") from None
        if any(c.software for c in content.credentials) and not self.auth.allow_software_keys:
            raise RefusedError("the bundle carries SOFTWARE keys and this site does not allow them; nothing "
                               "was imported", hint="re-export without software keys")
        last = int(self.repo.get_meta("bundle_serial") or 0)
        if content.serial <= last:
            self.audit.record("store.import", f"serial {content.serial}", "refused",
                              {"reason": "rollback", "last_serial": last}, actor=by.actor)
            raise ConflictError(f"bundle serial {content.serial} is not newer than the imported serial {last} "
                                "(a rollback?); nothing was imported")
        at = stamp(self.now)

        def apply() -> dict[str, Any]:
            done = self.repo.apply_bundle(serial=content.serial, users=content.users,
                                          credentials=content.credentials, at=at)
            self._remember_heads(content.audit_heads)
            return done

        counts = self.audit.record_then(
            "store.import", f"serial {content.serial}",
            {"serial": content.serial, "source_site": content.source_site, "signer": sig.key.fingerprint,
             "users": len(content.users), "keys": len(content.credentials), "audit_heads": list(content.audit_heads)},
            apply, actor=by.actor,
        )
        return {"serial": content.serial, "source_site": content.source_site, "signer": sig.key.fingerprint,
                **counts}

    def _bad(self, by: Identity, message: str) -> IntegrityError:
        self.audit.record("store.import", "", "refused", {"reason": message}, actor=by.actor)
        return IntegrityError(message, hint="nothing was imported; get a fresh bundle from the central team")
