"""Parsing what the host says; the live host itself is exercised in tests/lab/test_doctor.py."""

from __future__ import annotations

import os
from pathlib import Path

from oob_console.adapters.files_deadline import MountEntry, parse_mountinfo
from oob_console.adapters.host_linux import (
    HostProbe,
    parse_dnsmasq,
    parse_hosts,
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
    assert parse_mountinfo(MOUNTINFO)[3] == MountEntry("/mnt/with space", "ext4", "/dev/vdb")
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


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_local_stub_is_followed_to_its_upstreams_below_the_root(tmp_path: Path) -> None:
    write(tmp_path, "/etc/resolv.conf", "nameserver 127.0.0.53\n")
    probe = HostProbe(root=tmp_path)
    servers, source = probe.resolvers()
    assert servers == ["127.0.0.53"] and "upstreams were not found" in probe.problems()[0]
    write(tmp_path, "/run/systemd/resolve/resolv.conf", "nameserver 10.20.0.53\n")
    write(tmp_path, "/etc/systemd/resolved.conf.d/oob.conf", "[Resolve]\nDNS=192.0.2.53#dns.example 10.9.9.9:53\n")
    servers, source = HostProbe(root=tmp_path).resolvers()
    assert servers == ["10.20.0.53", "192.0.2.53", "10.9.9.9"]
    assert "resolved.conf.d/oob.conf" in source and "upstreams of the local stub" in source


def test_dnsmasq_and_unbound_upstreams(tmp_path: Path) -> None:
    assert parse_dnsmasq("no-resolv\nserver=/corp.example/10.1.1.1\nserver=192.0.2.9#5353\nserver=10.2.2.2@eth1\n"
                         "resolv-file=/etc/dnsmasq.upstream\n") == (
        ["10.1.1.1", "192.0.2.9", "10.2.2.2"], True, "/etc/dnsmasq.upstream")
    write(tmp_path, "/etc/resolv.conf", "nameserver 127.0.0.1\n")
    write(tmp_path, "/etc/dnsmasq.d/upstream", "server=10.20.1.1\nresolv-file=/etc/dnsmasq.resolv\n")
    write(tmp_path, "/etc/dnsmasq.resolv", "nameserver 10.20.1.2\n")
    write(tmp_path, "/etc/unbound/unbound.conf.d/fwd.conf",
          'forward-zone:\n  name: "."\n  forward-addr: 192.0.2.99@853#dns.example\n')
    servers, _ = HostProbe(root=tmp_path).resolvers()
    assert servers == ["10.20.1.1", "10.20.1.2", "192.0.2.99"]


def test_unbound_without_forwarding_recurses_over_the_default_route(tmp_path: Path) -> None:
    write(tmp_path, "/etc/resolv.conf", "nameserver ::1\n")
    write(tmp_path, "/etc/unbound/unbound.conf", "server:\n  interface: 127.0.0.1\n")
    probe = HostProbe(root=tmp_path)
    assert probe.resolvers()[0] == ["::1"] and "root servers" in probe.problems()[0]


def test_sshd_listen_only_when_it_runs_the_console(tmp_path: Path) -> None:
    write(tmp_path, "/etc/ssh/sshd_config", "Port 2200\nListenAddress 10.20.0.9\nListenAddress [2001:db8::9]:22\n")
    assert HostProbe(root=tmp_path).sshd_listen() == []  # sshd without oob ssh-entry is not our front door
    conf = write(tmp_path, "/etc/ssh/sshd_config.d/oob-console.conf",
                 "Match User oob\n    ListenAddress 1.1.1.1\n    ForceCommand /opt/oob/bin/oob ssh-entry --config x\n")
    main = str(tmp_path / "etc/ssh/sshd_config")
    assert HostProbe(root=tmp_path).sshd_listen() == [("10.20.0.9", 2200, main), ("2001:db8::9", 22, main)]
    write(tmp_path, "/etc/ssh/sshd_config", "")
    assert HostProbe(root=tmp_path).sshd_listen() == [("0.0.0.0", 22, main), ("::", 22, main)]  # noqa: S104  # noqa: S104
    assert conf.exists()


def test_getty_enabled_and_its_exec_start_from_the_drop_in(tmp_path: Path) -> None:
    write(tmp_path, "/lib/systemd/system/serial-getty@.service",
          "[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --keep-baud 115200 %I $TERM\n")
    g = HostProbe(root=tmp_path).getty("ttyS0")
    assert not g.enabled and "agetty" in g.exec_start and "ttyS0" in g.exec_start
    write(tmp_path, "/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service", "")
    repo = Path(__file__).resolve().parents[3]
    drop = (repo / "deploy/systemd/serial-getty@.service.d/oob-console.conf").read_text()
    write(tmp_path, "/etc/systemd/system/serial-getty@ttyS0.service.d/oob-console.conf", drop)
    g = HostProbe(root=tmp_path).getty("ttyS0")
    assert g.enabled and "/opt/oob-console/.venv/bin/oob" in g.exec_start and g.source.endswith("oob-console.conf")


def test_time_sources_below_the_root(tmp_path: Path) -> None:
    probe = HostProbe(root=tmp_path)
    assert probe.ntp_servers() == [] and probe.time_sources() == []
    write(tmp_path, "/etc/chrony/sources.d/oob.sources", "server 10.20.0.123 iburst\n")
    write(tmp_path, "/etc/systemd/timesyncd.conf.d/x.conf", "[Time]\nNTP=192.0.2.123\n")
    probe = HostProbe(root=tmp_path)
    assert probe.ntp_servers() == ["10.20.0.123", "192.0.2.123"] and len(probe.time_sources()) == 2
