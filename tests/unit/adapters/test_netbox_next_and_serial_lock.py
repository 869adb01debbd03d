"""A NetBox `next` link must stay on the configured NetBox; the UUCP lock-file convention for serial lines."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from oob_console.adapters.importers.netbox import NetBoxClient, auth_header
from oob_console.adapters.serial_lock_uucp import LineLock, lock_name
from oob_console.errors import UnavailableError


@pytest.mark.parametrize("url", [
    "http://netbox.example.net/api/dcim/devices/?offset=2",   # https downgraded to http: the token in clear
    "https://netbox.example.net:8443/api/dcim/devices/",      # another port
    "https://evil.example/api/dcim/devices/",                 # another host
    "https://netbox.example.net.evil.example/api/dcim/devices/",
    "https://netbox.example.net/other/api/dcim/devices/",     # outside the base path
])
def test_a_next_link_elsewhere_is_refused_before_sending(url: str) -> None:
    client = NetBoxClient("https://netbox.example.net/", "tok")
    with pytest.raises(UnavailableError, match="token was not sent"):
        client.get(url)
    assert client.requests == 0
    client.close()


def test_same_netbox_is_accepted_and_tokens_get_their_scheme() -> None:
    client = NetBoxClient("https://NetBox.example.net:443/nb", "tok")
    client._check_same_netbox("https://netbox.example.net/nb/api/dcim/devices/?limit=2&offset=2")
    client.close()
    assert auth_header("nbt_abc.def") == "Bearer nbt_abc.def"
    assert auth_header("0123456789abcdef0123456789abcdef01234567").startswith("Token ")


def test_lock_file_convention_and_stale_locks(tmp_path: Path) -> None:
    assert lock_name("/dev/ttyUSB0") == "LCK..ttyUSB0"
    assert lock_name("/dev/pts/3") == "LCK..pts_3"
    lock = LineLock("/dev/ttyUSB0", "console of r1", lock_dirs=(tmp_path,))
    lock.acquire()
    path = tmp_path / "LCK..ttyUSB0"
    assert path.read_text() == f"{os.getpid():10d}\n"  # HDB UUCP: ten digits, newline
    lock.release()
    assert not path.exists()

    path.write_text(f"{os.getppid():10d}\n")  # a running program holds it
    with pytest.raises(UnavailableError, match=f"busy: PID {os.getppid()}"):
        LineLock("/dev/ttyUSB0", "console of r1", lock_dirs=(tmp_path,)).acquire()
    gone = subprocess.Popen(["true"])
    gone.wait()
    path.write_text(f"{gone.pid:10d}\n")  # its program is gone: stale, replaced
    LineLock("/dev/ttyUSB0", "console of r1", lock_dirs=(tmp_path,)).acquire()
    assert path.read_text() == f"{os.getpid():10d}\n"
    path.write_text("garbage\n")
    with pytest.raises(UnavailableError, match="cannot be read"):
        LineLock("/dev/ttyUSB0", "console of r1", lock_dirs=(tmp_path,)).acquire()
