"""The composition root: the one place where adapters are built and handed to services.

Front ends (CLI, TUI, line shell, SSH server, demo) build one :class:`Services`
from a loaded config and call the services it holds; they never construct an
adapter themselves. Each feature's wiring is its own module here.
"""

from oob_console.wiring.root import SESSION_ENV, SOFT_KEY_ENV, Services, build_guard, init_site

__all__ = ["SESSION_ENV", "SOFT_KEY_ENV", "Services", "build_guard", "init_site"]
