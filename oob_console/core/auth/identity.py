"""Who is acting: the value every service takes and every audit entry names.

Two kinds of actor exist:

- ``local:<unix user>``: someone running ``oob`` on the host without a key
  login. Whoever can read and write the site's files can already change the
  store, so a local actor may administer (add users, enroll keys). It is never
  a *user* for approvals: it has no roles there.
- ``user:<name>``: a person from the credential store who proved possession of
  an enrolled hardware key (``oob login``, or the SSH server's key check). It
  carries that user's roles, the key that logged in (``key_id``) and whether
  the key verified the user (PIN/biometric).

Front ends hand an authenticated identity on as an ``OOB_SESSION`` token
(see ``services.login``), never as a name the caller could choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROLES = ("operator", "approver", "admin")
USER_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")


def check_user_name(name: str) -> str | None:
    """Why ``name`` is not a valid user name, or None."""
    if not USER_NAME.fullmatch(name):
        return "user names are 1-32 of a-z 0-9 _ . - and start with a letter or _"
    return None


@dataclass(frozen=True)
class Identity:
    actor: str  # "local:root" or "user:alice": what the audit log records
    user: str | None = None  # the store's user name when a key proved it
    roles: frozenset[str] = field(default_factory=frozenset)
    method: str = "local"  # local | fido2 | ssh-sk | session
    key_id: str | None = None
    user_verified: bool = False
    # When the person last proved presence with a key (unix time): a login by touch; None for a local account.
    proven_at: float | None = None

    @classmethod
    def local(cls, actor: str) -> Identity:
        return cls(actor=actor)

    @classmethod
    def for_user(
        cls, user: str, roles: frozenset[str], *, method: str, key_id: str | None, user_verified: bool,
        proven_at: float | None = None,
    ) -> Identity:
        return cls(f"user:{user}", user, roles, method, key_id, user_verified, proven_at)

    @property
    def is_local(self) -> bool:
        return self.user is None

    @property
    def can_administer(self) -> bool:
        """Local accounts (they own the files) and users with the admin role."""
        return self.is_local or "admin" in self.roles

    def has_any_role(self, roles: frozenset[str] | tuple[str, ...]) -> bool:
        return bool(self.roles & set(roles))
