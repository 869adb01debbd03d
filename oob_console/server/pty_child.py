"""Run the ``oob`` CLI on the PTY an SSH session opened for it.

The server starts this as a new session leader (``setsid``) with the PTY's
slave on stdin/stdout/stderr. Taking it as the controlling terminal here is
what makes the kernel deliver SIGWINCH on a resize and SIGHUP when the client
goes away, without a ``preexec_fn`` in the server's event loop.
"""

from __future__ import annotations

import fcntl
import sys
import termios


def main() -> int:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    from oob_console.cli.main import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
