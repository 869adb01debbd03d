"""Fixtures for credential, login and approval tests: a site, software keys, a clock to move.

Software keys are oob-console's own CTAP2 authenticator (real protocol through
python-fido2's HID framing); nothing here mocks a signature or a check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oob_console.adapters import sk_keys_fido2 as ssh_sk_keys
from oob_console.adapters.keys_software import create, open_device
from oob_console.config import load_config
from oob_console.core.auth.credentials import Credential
from oob_console.core.auth.identity import Identity
from oob_console.errors import OobError
from oob_console.wiring import SOFT_KEY_ENV, Services, init_site

SITE_CONFIG = """
[auth]
allow_software_keys = true
backoff = "2s"
backoff_max = "1m"
lockout_after = 4

[approvals]
lifetime = "30m"

[approvals.default]
quorum = 2
roles = ["approver"]

[approvals.classes.selfok]
quorum = 2
roles = ["approver"]
requester_counts = true

[approvals.classes.strict]
quorum = 1
roles = ["approver"]
require_uv = true
"""


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += timedelta(**kw)


class NoPrompt:
    """The Prompt port for tests: the key is touched at once; ``pin`` is given if known."""

    def __init__(self, pin: str | None = None) -> None:
        self._pin = pin
        self.touches = 0

    def touch(self) -> None:
        self.touches += 1

    def pin(self) -> str | None:
        return self._pin


@dataclass
class Lab:
    home: Path
    app: Services
    clock: Clock
    monkeypatch: pytest.MonkeyPatch
    keys: dict[str, Path] = field(default_factory=dict)

    @property
    def admin(self) -> Identity:
        return Identity.local("local:test")

    def soft_key(self, name: str, pin: str | None = None, *, zero_counter: bool = False) -> Path:
        path = self.home.parent / f"{name}.softkey"
        if not path.exists():
            create(path, pin=pin, zero_counter=zero_counter)
        self.keys[name] = path
        return path

    def use_key(self, name: str) -> None:
        """Attach this soft key to the host (what plugging in a USB key is here)."""
        self.monkeypatch.setenv(SOFT_KEY_ENV, str(self.keys[name]))

    def user(self, name: str, *roles: str) -> None:
        self.app.credentials.add_user(self.admin, name, roles or ("approver",))

    def enroll(self, user: str, key: str, pin: str | None = None, **kw: object) -> Credential:
        self.soft_key(key, pin)
        self.use_key(key)
        return self.app.credentials.enroll(self.admin, user, NoPrompt(pin), **kw)  # type: ignore[arg-type]

    def ssh_key(self, user: str, key: str, *, alg: str = "ed25519", pin: str | None = None,
                verify_required: bool = False, **kw: object) -> ssh_sk_keys.SkKey:
        """An SSH sk key made on soft key ``key`` and registered for ``user``."""
        dev = open_device(self.soft_key(key, pin))
        sk = ssh_sk_keys.enroll(dev, alg=alg, pin=pin, verify_required=verify_required, comment=f"{user}@laptop")
        line = ("verify-required " if verify_required else "") + sk.key.openssh(f"{user}@laptop")
        self.app.credentials.add_ssh_key(self.admin, user, line, **kw)  # type: ignore[arg-type]
        return sk

    def sshsig(self, key: str, sk: ssh_sk_keys.SkKey, message: bytes, namespace: str = "oob-console",
               pin: str | None = None, touch: bool = True, hash_alg: str = "sha512") -> bytes:
        dev = open_device(self.keys[key])
        return ssh_sk_keys.sign_sshsig(dev, sk, message, namespace, pin=pin, touch=touch, hash_alg=hash_alg).encode()


def at_once(lab: Lab, service: str, attempts: Sequence[Callable[[Services], str]]) -> list[str]:
    """Run each attempt in its own thread with its own Services (its own store connection), as separate
    processes would, all held at the signature check of ``app.<service>`` until every one has read the
    store. Returns each outcome, or the text of its OobError."""
    apps = [Services(lab.app.loaded, actor=f"local:p{i}", clock=lab.clock) for i in range(len(attempts))]
    everyone_read = threading.Barrier(len(attempts), timeout=10)
    outcomes: list[str] = []

    def run(app: Services, attempt: Callable[[Services], str]) -> None:
        svc = getattr(app, service)
        verify = svc.verify

        def held(*args: object) -> bool:
            everyone_read.wait()
            return bool(verify(*args))

        svc.verify = held
        try:
            outcomes.append(attempt(app))
        except OobError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=run, args=pair) for pair in zip(apps, attempts, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    for app in apps:
        app.store.close()
    return outcomes


def make_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra_config: str = "", site: str = "lab") -> Lab:
    home = tmp_path / "site"
    init_site(home, name=site)
    with open(home / "config.toml", "a", encoding="utf-8") as f:
        f.write(SITE_CONFIG + extra_config)
    monkeypatch.delenv(SOFT_KEY_ENV, raising=False)
    monkeypatch.delenv("OOB_SESSION", raising=False)
    clock = Clock()
    app = Services(load_config(str(home / "config.toml")), actor="local:test", clock=clock)
    return Lab(home, app, clock, monkeypatch)


@pytest.fixture(name="lab")
def lab_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A fresh site that allows software keys; import ``lab_fixture`` to use ``lab``."""
    lab = make_lab(tmp_path, monkeypatch)
    yield lab
    if "store" in lab.app.__dict__:
        lab.app.store.close()
