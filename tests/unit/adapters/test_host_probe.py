"""Parsing what the host says; the live host itself is exercised in tests/lab/test_doctor.py."""

from __future__ import annotations

import os
from pathlib import Path

from oob_console.adapters.host_linux import (
    HostProbe,
    parse_hosts,
    parse_mountinfo,
    parse_nameservers,
    parse_ntp,
    route_from_json,
)
from oob_console.core.doctor import Route

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 252:0 / / rw,relatime - ext4 /dev/vda rw
90 27 0:50 / /srv/oob rw,relatime - nfs4 filer.prod:/export/oob rw,vers=4.2
91 27 0:51 / /mnt/with\\040space rw - ext4 /dev/vdb rw
"""


def test_nameservers_hosts_and_ntp() -> None:
    assert parse_nameservers("# x\nnameserver 10.0.0.53\nnameserver fe80::1%eth0 # scoped\nsearch a\n") == [
        "10.0.0.53", "fe80::1"]
    assert parse_hosts("127.0.0.1 localhost\n192.0.2.5 lg lg.example # pinned\n") == {
        "localhost": ["127.0.0.1"], "lg": ["192.0.2.5"], "lg.example": ["192.0.2.5"]}
    assert parse_ntp("pool 2.debian.pool.ntp.org iburst\nserver 192.0.2.123\n# server x\n") == [
        "2.debian.pool.ntp.org", "192.0.2.123"]
    assert parse_ntp("[Time]\nNTP=192.0.2.1 192.0.2.2\nFallbackNTP=time.example\n") == [
        "192.0.2.1", "192.0.2.2", "time.example"]


def test_route_json() -> None:
    assert route_from_json("1.1.1.1", [{"dst": "1.1.1.1", "gateway": "192.0.2.1", "dev": "eth0",
                                         "prefsrc": "192.0.2.2"}]) == Route("1.1.1.1", "eth0", "192.0.2.1",
                                                                           "192.0.2.2")
    assert route_from_json("127.0.0.1", [{"type": "local", "dev": "lo"}]).local
    assert route_from_json("10.9.9.9", [{"type": "blackhole"}]).error == "blackhole route"
    assert route_from_json("x", []).error


def test_mounts_pick_the_longest_prefix(tmp_path: Path) -> None:
    assert parse_mountinfo(MOUNTINFO)[3] == ("/mnt/with space", "ext4", "/dev/vdb")
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTINFO)
    probe = HostProbe(mountinfo=info)
    m = probe.mount_of(Path("/srv/oob/site/store.db"))  # does not exist: its nearest parent counts
    assert (m.mount_point, m.fstype, m.source) == ("/srv/oob", "nfs4", "filer.prod:/export/oob")
    assert probe.mount_of(Path("/srvx/store.db")).mount_point == "/"


def test_proxies_lose_their_credentials() -> None:
    probe = HostProbe(environ={"HTTPS_PROXY": "http://ops:hunter2@10.1.1.1:3128", "http_proxy": "proxy.corp",
                               "no_proxy": "localhost", "ALL_PROXY": ""})
    assert probe.proxies() == [("http_proxy", "proxy.corp", 0), ("HTTPS_PROXY", "10.1.1.1", 3128)]


def test_resolve_literal_hosts_file_and_failure(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("192.0.2.7 lg.example\n")
    probe = HostProbe(hosts=hosts)
    assert probe.resolve("192.0.2.1", 1).addresses == ("192.0.2.1",)
    pinned = probe.resolve("LG.example", 1)
    assert pinned.addresses == ("192.0.2.7",) and not pinned.via_dns
    # names that need DNS are resolved in tests/lab/test_doctor.py, against the lab namespace's resolver only


def test_resolvers_and_unreadable_files(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver 192.0.2.53\n")
    assert HostProbe(resolv_conf=conf).resolvers() == (["192.0.2.53"], str(conf))
    probe = HostProbe(resolv_conf=tmp_path / "missing")
    assert probe.resolvers()[0] == [] and probe.problems() == [f"{tmp_path / 'missing'} does not exist"]


def test_mtime_of_a_directory_is_its_newest_file(tmp_path: Path) -> None:
    probe = HostProbe()
    (tmp_path / "rb" / "sub").mkdir(parents=True)
    assert probe.mtime(tmp_path / "rb") == (None, "empty")
    for name, t in (("a.md", 1000.0), ("sub/b.md", 5000.0)):
        (tmp_path / "rb" / name).write_text("x")
        os.utime(tmp_path / "rb" / name, (t, t))
    assert probe.mtime(tmp_path / "rb") == (5000.0, "newest of 2 files")
    assert probe.mtime(tmp_path / "none") == (None, "")


def test_routes_on_this_host_via_ip() -> None:
    route = HostProbe().route("127.0.0.1")
    assert route.local or route.error  # without iproute2 the error says so instead of raising
