"""Managing users and keys: validation, permissions, audit."""

from __future__ import annotations

from dataclasses import replace

import pytest

from oob_console.adapters.keys_fido2 import Fido2Keys
from oob_console.adapters.keys_software import open_device
from oob_console.core.auth.identity import Identity
from oob_console.errors import AuthError, ConflictError, NotFoundError, RefusedError, UsageError
from tests.unit.auth_lab import Lab, NoPrompt, lab_fixture  # noqa: F401 - fixture

OPERATOR = Identity.for_user("olga", frozenset({"operator"}), method="fido2", key_id="k", user_verified=False)


def test_every_change_is_audited_with_who_did_it(lab: Lab) -> None:
    lab.user("alice", "approver")
    cred = lab.enroll("alice", "alice-key")
    sk = lab.ssh_key("alice", "alice-laptop")
    lab.app.credentials.revoke_key(lab.admin, sk.key.fingerprint)
    lab.app.credentials.set_active(lab.admin, "alice", False)
    lab.app.credentials.set_active(lab.admin, "alice", True)
    lab.app.credentials.unlock(lab.admin, "alice")
    entries = [(e["actor"], e["action"], e["target"]) for e in lab.app.audit.show()
               if not e["action"].startswith("audit.")]  # the genesis and its seals
    assert entries[1:] == [
        ("local:test", "user.add", "alice"), ("local:test", "key.enroll", cred.key_id),
        ("local:test", "key.add-ssh", sk.key.fingerprint), ("local:test", "key.revoke", sk.key.fingerprint),
        ("local:test", "user.disable", "alice"), ("local:test", "user.enable", "alice"),
        ("local:test", "login.unlock", "alice"),
    ]


@pytest.mark.parametrize(("name", "roles"), [("Alice", ("approver",)), ("a b", ("approver",)),
                                             ("alice", ("root",)), ("alice", ())])
def test_bad_names_and_roles_are_usage_errors(lab: Lab, name: str, roles: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        lab.app.credentials.add_user(lab.admin, name, roles)


def test_duplicates_conflict(lab: Lab) -> None:
    lab.user("alice", "approver")
    with pytest.raises(ConflictError, match="already exists"):
        lab.user("alice", "approver")
    sk = lab.ssh_key("alice", "laptop")
    with pytest.raises(ConflictError, match="already enrolled"):
        lab.app.credentials.add_ssh_key(lab.admin, "alice", sk.key.openssh())


def test_only_admins_and_local_accounts_administer(lab: Lab) -> None:
    with pytest.raises(AuthError, match="may not add users"):
        lab.app.credentials.add_user(OPERATOR, "x", ("operator",))
    admin = replace(OPERATOR, roles=frozenset({"admin"}))
    assert lab.app.credentials.add_user(admin, "x", ("operator",)).name == "x"


def test_plain_ssh_keys_are_refused_and_options_are_honoured(lab: Lab) -> None:
    lab.user("carol", "approver")
    plain = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOt9ZtHP1J1Rtj2lWMmy1vS+0cBqCkoJrvOTA8o8W5Kg carol"
    with pytest.raises(RefusedError, match="not a security-key type"):
        lab.app.credentials.add_ssh_key(lab.admin, "carol", plain)
    sk = lab.ssh_key("carol", "laptop", verify_required=True, pin="1111")
    cred = lab.app.credentials.resolve_key(sk.key.fingerprint[:12])
    assert cred.uv_required and not cred.no_touch_required and cred.label == "carol@laptop"


def test_key_ids_resolve_by_unique_prefix(lab: Lab) -> None:
    lab.user("carol", "approver")
    lab.ssh_key("carol", "laptop1")
    lab.ssh_key("carol", "laptop2")
    with pytest.raises(UsageError, match="matches 2 keys"):
        lab.app.credentials.resolve_key("SHA256")
    with pytest.raises(NotFoundError, match="no key ID starts with"):
        lab.app.credentials.resolve_key("fido2:nothing-here")
    with pytest.raises(UsageError, match="too short"):
        lab.app.credentials.resolve_key("SHA25")


def test_six_characters_after_the_kind_pick_a_key(lab: Lab) -> None:
    """What people copy from the list is the part after ``SHA256:`` (or ``fido2:``)."""
    lab.user("carol", "approver")
    sk = lab.ssh_key("carol", "laptop1")
    six = sk.key.fingerprint.removeprefix("SHA256:")[:6]
    assert lab.app.credentials.resolve_key(six).key_id == sk.key.fingerprint


def test_enrolling_a_software_key_is_refused_where_not_allowed(lab: Lab) -> None:
    lab.user("alice", "approver")
    creds = lab.app.credentials
    creds.auth = replace(creds.auth, allow_software_keys=False)
    key = lab.soft_key("alice-key")
    creds.keys = lambda: Fido2Keys(lambda: [open_device(key)])
    with pytest.raises(RefusedError, match="SOFTWARE key"):
        creds.enroll(lab.admin, "alice", NoPrompt())
    assert creds.list_keys("alice") == []


def test_disabled_users_get_no_new_keys(lab: Lab) -> None:
    lab.user("alice", "approver")
    lab.app.credentials.set_active(lab.admin, "alice", False)
    with pytest.raises(RefusedError, match="disabled"):
        lab.enroll("alice", "alice-key")


def test_one_physical_key_cannot_be_enrolled_for_two_users(lab: Lab) -> None:
    # Otherwise whoever holds that key can act as two people, and a quorum of two is one person.
    lab.user("alice", "approver")
    lab.user("bob", "approver")
    lab.enroll("alice", "shared-key")
    with pytest.raises(AuthError, match="already enrolled"):
        lab.enroll("bob", "shared-key")
    assert lab.app.credentials.list_keys("bob") == []
