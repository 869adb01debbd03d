"""The composition root: the one place where adapters are built and handed to services.

Front ends (CLI, TUI, line shell, SSH server, demo) receive one :class:`Services`
built from a loaded config and call the services it holds; they never construct
an adapter themselves. Each feature's wiring is its own module here (``audit``,
``auth``, ``bgp``, ``devices``, ``doctor``, ``drill``, ``guard``, ``notify``,
``status``); ``site`` creates a site. What needs no site is a plain function of
its feature's module: ``audit.build_audit_of_file`` (``oob audit --log``),
``devices.import_from_netbox``/``import_from_nornir`` (``oob inventory import``),
and ``auth``'s software key (``oob softkey``, the demo's people) and bundle signer.
"""

from oob_console.wiring.auth import SESSION_ENV, SOFT_KEY_ENV
from oob_console.wiring.guard import build_guard
from oob_console.wiring.services import Services
from oob_console.wiring.site import init_site

__all__ = ["SESSION_ENV", "SOFT_KEY_ENV", "Services", "build_guard", "init_site"]
