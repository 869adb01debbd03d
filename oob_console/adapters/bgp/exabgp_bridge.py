"""ExaBGP's API helper: relays between ExaBGP's pipes and the supervisor's socket.

ExaBGP runs this as its ``process`` (``run python -I -S exabgp_bridge.py SOCKET``):
ExaBGP's acknowledgements and session events arrive on our stdin and go to the
socket; the supervisor's commands arrive on the socket and go to our stdout.
Standard library only, no package imports: it starts in milliseconds and
cannot be broken by the console's own dependencies. It exits when either side
closes, so a dead supervisor never leaves ExaBGP talking to nobody.
"""

import os
import socket
import sys
import threading


def _stdin_to_socket(sock: socket.socket) -> None:
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    os._exit(0)


def main() -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(sys.argv[1])
    except (OSError, IndexError) as exc:
        sys.stderr.write(f"oob-console exabgp bridge: cannot reach the supervisor: {exc}\n")
        sys.exit(1)
    threading.Thread(target=_stdin_to_socket, args=(sock,), daemon=True).start()
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            view = memoryview(data)
            while view:
                view = view[os.write(1, view):]
    except OSError:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
