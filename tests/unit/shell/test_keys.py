"""Login and approvals in line mode, with the demo's software keys (real CTAP2, real SSHSIG)."""

from __future__ import annotations

import io
import os

import pytest

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import open_device
from oob_console.demo.people import drill_waiting_for_bob
from oob_console.demo.site import DemoSite
from oob_console.errors import AuthError
from oob_console.shell.session import LineShell
from oob_console.wiring import SOFT_KEY_ENV
from tests.conftest import run_oob


def session(site: DemoSite, commands: str) -> str:
    out = io.StringIO()
    assert LineShell(site.services, io.StringIO(commands), out).run() == 0
    return out.getvalue()


def test_login_is_asked_first_then_approve_by_number(people_site: DemoSite) -> None:
    drill = drill_waiting_for_bob(people_site.services, people_site.people)
    text = session(people_site, "carol\nbob\nap\n1\n\napprove 1\nap\nq\n")  # the blank line: pager
    assert "login: user name (Enter: whoever's key answers): error: 'carol' has no usable enrolled key" in text
    assert "Touch your security key now...\nlogged in as user:bob" in text
    assert f"1 {drill.id} drill [pending] 1/2 by user:alice" in text
    assert "carol with sshsig key" in text and "ssh-keygen -Y sign -n oob-console" in text
    assert f"intent {drill.id} approved by bob: 2 of 2, now executed" in text
    assert "0 waiting for approval" in text
    assert people_site.services.audit.show(action="intent.approve")[-1]["actor"] == "user:bob"


def test_end_of_input_or_q_at_the_login_prompt_ends_the_session_as_an_auth_error(people_site: DemoSite) -> None:
    for script in ("", "q\n", "nobody\nq\nlog\n"):
        with pytest.raises(AuthError, match="not logged in, so nothing was run"):
            session(people_site, script)


def test_request_a_drill_and_approve_with_a_pasted_sshsig(people_site: DemoSite) -> None:
    services, people = people_site.services, people_site.people
    first = session(people_site, "alice\ndrill Q3 practice\nq\n")
    assert "drill intent" in first and "requested by user:alice: needs 2 approvals" in first
    (view,) = services.approvals.list()
    signature = ssh_sk_keys.sign_sshsig(open_device(people.keys["carol"]), people.carol_sk,
                                        services.approvals.canonical(view.id), "oob-console")
    text = session(people_site, f"alice\nsshsig {view.id}\n{signature}logout\n\n")
    assert f"intent {view.id} approved by carol: 1 of 2, now pending" in text
    assert "user:alice logged out" in text


def test_oob_shell_logs_in_with_the_attached_software_keys(people_site: DemoSite) -> None:
    keys = os.pathsep.join(str(k) for k in people_site.people.at_the_host)
    done = run_oob("shell", home=people_site.home, input="\nnote via the shell\nq\n", env={SOFT_KEY_ENV: keys})
    assert done.returncode == 0, done.stderr
    assert "logged in as user:alice" in done.stdout  # Enter: whoever's key answers first
    assert people_site.services.audit.show(action="note")[-1]["actor"] == "user:alice"
