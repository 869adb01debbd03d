"""The key-login and quorum part of `oob demo`, on software keys (the demo site allows them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oob_console.bootstrap import SOFT_KEY_ENV, App

DEMO_AUTH = "\n[auth]\n# A demo site: software keys stand in for USB keys.\nallow_software_keys = true\n"


class _Quiet:
    def touch(self) -> None:
        pass

    def pin(self) -> str | None:
        return None


@contextmanager
def _attached(key: Path) -> Iterator[None]:
    """Plug a software key into this host for the duration (what OOB_SOFT_KEY means)."""
    before = os.environ.get(SOFT_KEY_ENV)
    os.environ[SOFT_KEY_ENV] = str(key)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOFT_KEY_ENV, None)
        else:
            os.environ[SOFT_KEY_ENV] = before


def run(app: App, workdir: Path) -> list[str]:
    """Users, keys, a login and a drill approved by a quorum; returns the lines to show."""
    from oob_console.adapters import ssh_sk_keys
    from oob_console.adapters.soft_authenticator import create, open_device

    admin = app.identity
    keys = {name: workdir / f"{name}.softkey" for name in ("alice", "bob", "carol")}
    for path in keys.values():
        create(path)
    creds = app.credentials
    creds.add_user(admin, "alice", ("operator",), "Alice (on call)")
    creds.add_user(admin, "bob", ("approver",), "Bob (network lead)")
    creds.add_user(admin, "carol", ("approver",), "Carol (remote, on LTE)")
    for name in ("alice", "bob"):
        with _attached(keys[name]):
            creds.enroll(admin, name, _Quiet(), label="demo software key")
    device = open_device(keys["carol"])
    carol_sk = ssh_sk_keys.enroll(device, comment="carol@laptop")
    creds.add_ssh_key(admin, "carol", carol_sk.key.openssh("carol@laptop"))
    lines = ["  users alice (operator), bob and carol (approvers): SOFTWARE keys, demo only"]
    with _attached(keys["alice"]):
        alice = app.login.login("alice", _Quiet())
    lines.append(f"  {alice.actor} logged in with her key ({alice.key_id}), verified offline")
    view = app.approvals.request_drill(alice, "demo drill: practise the approval flow")
    lines.append(f"  drill intent {view.id} requested: needs {view.need} approvals, sha256 {view.intent.hash[:16]}...")
    with _attached(keys["bob"]):
        app.approvals.approve_local(view.id, _Quiet())
    lines.append("  bob approved with a key attached to this host (CTAP2 assertion over the intent's bytes)")
    signature = ssh_sk_keys.sign_sshsig(device, carol_sk, app.approvals.canonical(view.id), app.loaded.config.auth
                                        .sshsig_namespace)
    view = app.approvals.approve_sshsig(view.id, signature.encode())
    lines.append("  carol approved remotely with an SSHSIG (as from ssh-keygen -Y sign -n oob-console)")
    lines.append(f"  intent {view.id} {view.state}: {', '.join(view.approvers)} approved; a drill does nothing")
    return lines
