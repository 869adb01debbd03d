"""Keys without a signature counter (WebAuthn allows a counter that is always 0), and a counter at its maximum.

A zero-counter software authenticator (adapters/keys_software, ``zero_counter``)
is refused at enrolment unless ``[auth] allow_zero_counter``; when the site
allows it, it is listed as such and its logins and approvals are not refused
for the counter (clone detection is unavailable for it: that is the price).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import open_device
from oob_console.core.auth import sshsig
from oob_console.core.auth.webauthn import COUNTER_MAX, counter_problem
from oob_console.errors import AuthError
from oob_console.render.auth import key_line
from tests.unit.auth_lab import Lab, NoPrompt, lab_fixture  # noqa: F401 - fixture


def allow_zero(lab: Lab, allowed: bool = True) -> None:
    app = lab.app
    for svc in (app.credentials, app.login, app.approvals):
        svc.auth = replace(svc.auth, allow_zero_counter=allowed)


def test_zero_counter_key_is_refused_at_enrolment_by_default(lab: Lab) -> None:
    lab.user("alice", "operator")
    lab.soft_key("flat", zero_counter=True)
    with pytest.raises(AuthError, match=r"no signature counter .*allow_zero_counter"):
        lab.enroll("alice", "flat")
    assert lab.app.credentials.list_keys("alice") == []


def test_allowed_zero_counter_key_logs_in_again_and_again_and_is_listed(lab: Lab) -> None:
    allow_zero(lab)
    lab.user("alice", "operator")
    lab.soft_key("flat", zero_counter=True)
    cred = lab.enroll("alice", "flat")
    assert cred.counter == 0 and cred.counterless
    for _ in range(3):  # today: the second login is refused as "a replay, or a cloned key"
        assert lab.app.login.login("alice", NoPrompt()).user == "alice"
    listed = lab.app.credentials.list_keys("alice")[0]
    assert listed.public()["counterless"] is True
    assert "NO-COUNTER(no clone detection)" in key_line(listed)
    assert not any(e["outcome"] == "refused" for e in lab.app.audit.show(action="login."))


def test_a_key_that_ever_counted_cannot_go_back_to_zero() -> None:
    assert counter_problem(0, None, allow_zero=True) is None
    assert counter_problem(0, 0, allow_zero=True) is None
    assert "does not move forward" in str(counter_problem(0, 5, allow_zero=True))
    assert "allow_zero_counter" in str(counter_problem(0, 0, allow_zero=False))
    assert counter_problem(6, 5, allow_zero=False) is None


def test_counter_at_its_maximum_is_refused_loudly() -> None:
    """0xffffffff would be accepted once, and then every later login refused as a replay: say so now."""
    assert "maximum (0xffffffff)" in str(counter_problem(COUNTER_MAX, 7, allow_zero=False))
    assert "maximum" in str(counter_problem(COUNTER_MAX, None, allow_zero=True))
    assert counter_problem(COUNTER_MAX - 1, 7, allow_zero=False) is None


def test_zero_counter_ssh_key_logins_and_approvals(lab: Lab) -> None:
    lab.user("carol", "approver")
    lab.soft_key("flat-ssh", zero_counter=True)
    sk = lab.ssh_key("carol", "flat-ssh")
    data = b"session id and request"

    def login() -> str:
        blob = ssh_sk_keys.sign(open_device(lab.keys["flat-ssh"]), sk, data)
        return lab.app.login.ssh_auth("carol", sk.key.blob, data, blob).user

    with pytest.raises(AuthError, match="no signature counter"):
        login()
    lab.clock.advance(minutes=10)  # past the backoff of that refusal
    allow_zero(lab)
    assert login() == "carol" and login() == "carol"
    assert lab.app.credentials.list_keys("carol")[0].counterless
    # and its approval signatures (counter 0, again and again) count
    lab.user("alice", "operator")
    from oob_console.core.auth.identity import Identity

    app = lab.app
    for _ in range(2):
        view = app.approvals.request_drill(Identity.for_user("alice", frozenset({"operator"}), method="fido2",
                                                             key_id="k", user_verified=False), note="drill")
        signed = ssh_sk_keys.sign_sshsig(open_device(lab.keys["flat-ssh"]), sk, view.intent.canonical,
                                         "oob-console").encode()
        assert sshsig.parse(signed).signature.counter == 0
        assert app.approvals.approve_sshsig(view.id, signed).have == 1
