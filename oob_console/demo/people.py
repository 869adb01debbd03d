"""The demo's people and their SOFTWARE keys, and the approval stories the demo tells.

alice (operator, on call) and bob (approver, network lead) have software
FIDO2 keys "plugged into" the console host (``OOB_SOFT_KEY``); carol
(approver, remote on LTE) has an SSH security key on her laptop and approves
with an SSHSIG. Every key here is oob-console's software authenticator: a
file, not hardware, allowed only because the demo site says so; the store
marks each as software and the screens say so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from oob_console.services.auth import IntentView
from oob_console.wiring import SOFT_KEY_ENV, Services
from oob_console.wiring.auth import create_software_key, software_ssh_keygen, software_sshsig

if TYPE_CHECKING:
    from oob_console.wiring.auth import SkKey

DEMO_AUTH = "\n[auth]\n# A demo site: software keys stand in for USB keys.\nallow_software_keys = true\n"
KEY_LABEL = "demo SOFTWARE key"


class Quiet:
    """The demo's own key prompts: software keys need no touch and have no PIN."""

    def touch(self) -> None:
        pass

    def pin(self) -> str | None:
        return None


@contextmanager
def attached(*keys: Path) -> Iterator[None]:
    """Plug these software keys into this host for the duration (what OOB_SOFT_KEY means)."""
    before = os.environ.get(SOFT_KEY_ENV)
    os.environ[SOFT_KEY_ENV] = os.pathsep.join(str(k) for k in keys)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOFT_KEY_ENV, None)
        else:
            os.environ[SOFT_KEY_ENV] = before


@dataclass
class People:
    keys: dict[str, Path]
    carol_sk: SkKey

    @property
    def at_the_host(self) -> tuple[Path, Path]:
        """The keys plugged into the console host: alice's and bob's."""
        return self.keys["alice"], self.keys["bob"]


def enroll(app: Services, workdir: Path) -> People:
    """Add alice, bob and carol and enroll their software keys (as the local account, an admin)."""
    admin = app.identity
    keys = {name: workdir / f"{name}.softkey" for name in ("alice", "bob", "carol")}
    for path in keys.values():
        create_software_key(path)
    creds = app.credentials
    creds.add_user(admin, "alice", ("operator",), "Alice (on call)")
    creds.add_user(admin, "bob", ("approver",), "Bob (network lead)")
    creds.add_user(admin, "carol", ("approver",), "Carol (remote, on LTE)")
    for name in ("alice", "bob"):
        with attached(keys[name]):
            creds.enroll(admin, name, Quiet(), label=KEY_LABEL)
    carol_sk = software_ssh_keygen(keys["carol"], comment="carol@laptop")
    # An SSH public key cannot show it was made in software: its label says so instead.
    creds.add_ssh_key(admin, "carol", carol_sk.key.openssh("carol@laptop"), label=f"carol@laptop, {KEY_LABEL}")
    return People(keys, carol_sk)


def carol_approves(app: Services, people: People, intent_id: str) -> IntentView:
    """carol's remote approval: an SSHSIG over the intent's bytes, as `ssh-keygen -Y sign` makes it."""
    signature = software_sshsig(people.keys["carol"], people.carol_sk, app.approvals.canonical(intent_id),
                                app.loaded.config.auth.sshsig_namespace)
    return app.approvals.approve_sshsig(intent_id, signature.encode())


def drill_waiting_for_bob(app: Services, people: People) -> IntentView:
    """alice requests a drill and carol approves remotely: one approval short, for the console's user."""
    with attached(people.keys["alice"]):
        alice = app.login.login("alice", Quiet())
    view = app.approvals.request_drill(alice, "demo drill: approve me with bob's key on the Approvals screen")
    return carol_approves(app, people, view.id)


def scripted(app: Services, people: People) -> list[str]:
    """The whole story without a screen: login, request, a local and a remote approval; the lines to show."""
    lines = ["  users alice (operator), bob and carol (approvers): SOFTWARE keys, demo only"]
    with attached(people.keys["alice"]):
        alice = app.login.login("alice", Quiet())
    lines.append(f"  {alice.actor} logged in with her key ({alice.key_id}), verified offline")
    view = app.approvals.request_drill(alice, "demo drill: practise the approval flow")
    lines.append(f"  drill intent {view.id} requested: needs {view.need} approvals, sha256 {view.intent.hash[:16]}...")
    with attached(people.keys["bob"]):
        app.approvals.approve_local(view.id, Quiet())
    lines.append("  bob approved with a key attached to this host (CTAP2 assertion over the intent's bytes)")
    view = carol_approves(app, people, view.id)
    lines.append("  carol approved remotely with an SSHSIG (as from ssh-keygen -Y sign -n oob-console)")
    lines.append(f"  intent {view.id} {view.state}: {', '.join(view.approvers)} approved; a drill does nothing")
    return lines
