"""Who is at the other end of an SSH session, as handed from the SSH front ends to `oob`.

``oob serve`` (the built-in SSH server) and ``oob ssh-entry`` (the OpenSSH
ForceCommand) authenticate an engineer by their security key, then start the
console or the requested CLI command as a child process. The identity reaches
that child as environment variables that only these two set: the SSH client's
own environment is never passed on (``oob serve`` ignores env requests; the
sshd snippet has no ``AcceptEnv`` and ``PermitUserEnvironment no``).

This is attribution, not a credential: anyone who can run ``oob`` as the site's
Unix account can read the site's files anyway. Approvals never rest on it; they
carry their own hardware-key signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ENV_USER = "OOB_SESSION_USER"  # the engineer, as enrolled in the credential store
ENV_KEY = "OOB_SESSION_KEY"  # SHA256 fingerprint of the key they logged in with
ENV_ID = "OOB_SESSION_ID"  # short id that ties audit entries of one session together
ENV_VIA = "OOB_SESSION_VIA"  # "oob-serve" or "sshd"
ENV_PEER = "OOB_SESSION_PEER"  # the client's address:port
ENV_NAMES = (ENV_USER, ENV_KEY, ENV_ID, ENV_VIA, ENV_PEER)


@dataclass(frozen=True)
class SessionIdentity:
    user: str
    key_fingerprint: str
    session_id: str
    via: str
    peer: str

    @property
    def actor(self) -> str:
        return f"user:{self.user}"

    def to_env(self) -> dict[str, str]:
        return {ENV_USER: self.user, ENV_KEY: self.key_fingerprint, ENV_ID: self.session_id,
                ENV_VIA: self.via, ENV_PEER: self.peer}

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SessionIdentity | None:
        """The identity an SSH front end handed down, or None outside such a session."""
        user = environ.get(ENV_USER, "")
        if not user:
            return None
        return cls(user, environ.get(ENV_KEY, ""), environ.get(ENV_ID, ""), environ.get(ENV_VIA, ""),
                   environ.get(ENV_PEER, ""))
