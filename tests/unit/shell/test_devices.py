"""Devices in line mode, over the demo's routers (real SSH servers on loopback)."""

from __future__ import annotations

import io

from oob_console.demo.site import DemoSite
from oob_console.shell.session import LineShell


def test_list_details_probe_and_a_session_needs_a_terminal(people_site: DemoSite) -> None:
    out = io.StringIO()
    commands = "bob\ndev site:sjc1\nn\n2\n\nprobe role:edge\nssh 9\nssh\nssh 1\nq\n"
    assert LineShell(people_site.services, io.StringIO(commands), out).run() == 0
    text = out.getvalue()
    assert "3 devices matching 'site:sjc1'" in text
    assert "\n1 bb1.sjc1 " in text and "\n3 edge1.sjc1 " in text and "not probed" not in text
    assert "> 1 bb1.sjc1\n" in text  # n steps to the first device, by name only
    assert "bb2.sjc1  frr  127.0.0.1:" in text and "pinned ssh-ed25519 SHA256:" in text
    assert "probing 1 device" in text and "edge1.sjc1" in text and " up " in text
    assert "error: no device named '9'" in text  # 9 is not in the list, so it is taken as a name
    assert "error: which device?" in text
    assert "error: a ssh session needs this shell on a terminal (use 'oob ssh bb1.sjc1')" not in text
    assert "error: a ssh session needs this shell on a terminal — use 'oob ssh bb1.sjc1'" in text
