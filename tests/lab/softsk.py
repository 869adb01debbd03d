"""Software security keys for the real OpenSSH tools (no USB key exists here).

``sk_provider.c`` is a ``SecurityKeyProvider`` that OpenSSH's ``ssh``,
``ssh-keygen`` and ``ssh-agent`` load like a real FIDO middleware; it keeps
its credentials in a directory (the "device") and signs in software. This
module builds it with gcc and drives it: enrol keys with the real
``ssh-keygen``, and set each key's behaviour (touch, user verification,
counter) to provoke the refusals the server must make.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).with_name("sk_provider.c")
PIN = "1234"  # what the askpass helper answers when ssh asks for the key's PIN


def build_reason() -> str | None:
    """Why the provider cannot be built here, or None."""
    if not shutil.which("gcc"):
        return "gcc is not installed (apt-get install gcc)"
    if not Path("/usr/include/openssl/evp.h").exists():
        return "OpenSSL headers are missing (apt-get install libssl-dev)"
    if not shutil.which("ssh-keygen") or not shutil.which("ssh"):
        return "the OpenSSH client is not installed (apt-get install openssh-client)"
    return None


def build_provider(out_dir: Path) -> Path:
    """Compile the provider into ``out_dir``; return the shared library's path."""
    lib = out_dir / "libsoftsk.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", "-Wall", "-Wextra", "-Werror", "-o", str(lib), str(SOURCE), "-lcrypto"],
        check=True, capture_output=True, text=True, timeout=120,
    )
    return lib


@dataclass(frozen=True)
class SoftKey:
    label: str
    private: Path  # OpenSSH private key file (holds the key handle, not the secret)
    public_line: str  # "sk-ssh-ed25519@openssh.com AAAA... comment"

    @property
    def public(self) -> Path:
        return self.private.with_name(self.private.name + ".pub")

    @property
    def openssh(self) -> str:
        """``type base64`` without the comment."""
        return " ".join(self.public_line.split()[:2])


class SoftDevice:
    """One software authenticator: a directory of credentials and their behaviour."""

    def __init__(self, root: Path, provider: Path) -> None:
        self.root = root
        self.provider = provider
        self.dir = root / "device"
        self.keys_dir = root / "keys"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.keys_dir.mkdir(exist_ok=True)
        self.askpass = root / "askpass"
        self.askpass.write_text(f"#!/bin/sh\necho {PIN}\n")
        self.askpass.chmod(0o700)

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for ssh/ssh-keygen/ssh-agent: the provider, the device and a PIN prompt."""
        env = dict(os.environ if base is None else base)
        env.update({
            "SSH_SK_PROVIDER": str(self.provider),
            "SOFTSK_DIR": str(self.dir),
            "SSH_ASKPASS": str(self.askpass),
            "SSH_ASKPASS_REQUIRE": "force",
            "DISPLAY": env.get("DISPLAY", ":0"),
        })
        return env

    def enroll(
        self, label: str, kind: str = "ed25519-sk", *, verify_required: bool = False,
        no_touch_required: bool = False, comment: str | None = None,
    ) -> SoftKey:
        """Create a credential with the real ``ssh-keygen``, as an engineer would."""
        path = self.keys_dir / label
        cmd = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path), "-C", comment or label]
        if verify_required:
            cmd += ["-O", "verify-required"]
        if no_touch_required:
            cmd += ["-O", "no-touch-required"]
        env = self.env()
        env["SOFTSK_LABEL"] = label
        subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=30,
                       stdin=subprocess.DEVNULL)
        return SoftKey(label, path, path.with_name(label + ".pub").read_text().strip())

    def _conf(self, label: str) -> Path:
        return self.dir / f"{label}.conf"

    def behaviour(self, label: str) -> dict[str, str]:
        pairs = (line.split() for line in self._conf(label).read_text().splitlines() if line.strip())
        return {k: v for k, v in pairs}

    def set(self, label: str, *, touch: bool | None = None, uv: str | None = None,
            counter: int | None = None) -> None:
        """Change how the key behaves at its next signature."""
        conf = self.behaviour(label)
        if touch is not None:
            conf["touch"] = "yes" if touch else "no"
        if uv is not None:
            assert uv in ("yes", "no", "auto")
            conf["uv"] = uv
        if counter is not None:
            conf["counter"] = str(counter)
        self._conf(label).write_text("".join(f"{k} {v}\n" for k, v in conf.items()))

    def counter(self, label: str) -> int:
        """The last counter this key signed with."""
        return int(self.behaviour(label)["counter"])


class SoftAgent:
    """A real ``ssh-agent`` holding software sk keys: how clients that are not OpenSSH (asyncssh) use them."""

    def __init__(self, device: SoftDevice) -> None:
        self.device = device
        self.socket = device.root / "agent.sock"
        self.proc = subprocess.Popen(
            ["ssh-agent", "-D", "-a", str(self.socket), "-P", str(device.provider)],
            env=device.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("ssh-agent did not start")
            time.sleep(0.01)

    def add(self, key: SoftKey) -> None:
        env = self.device.env()
        env["SSH_AUTH_SOCK"] = str(self.socket)
        subprocess.run(["ssh-add", "-S", str(self.device.provider), str(key.private)], check=True,
                       capture_output=True, env=env, timeout=30)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def fingerprint(key: SoftKey) -> str:
    """The key's fingerprint as ``ssh-keygen -lf`` prints it."""
    out = subprocess.run(["ssh-keygen", "-lf", str(key.public)], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]
