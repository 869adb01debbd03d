"""Doctor's judgement, one finding at a time."""

from __future__ import annotations

import pytest

from oob_console.core.doctor import (
    DataItem,
    Endpoint,
    Finding,
    HostFacts,
    Mount,
    Production,
    Route,
    crossings,
    judge,
    judge_data,
)

PROD = Production.parse(["10.20.0.0/16", "2001:db8:20::/48"], [64500], ["prod0"])
OOB_ROUTE = Route("192.0.2.10", dev="oob0", gateway="192.0.2.1", prefsrc="192.0.2.2")


def ep(host: str = "192.0.2.10", *routes: Route, **kw: object) -> Endpoint:
    fields = {"name": "matrix", "group": "comms", "host": host, "port": 443, "routes": routes or (OOB_ROUTE,)}
    fields.update(kw)
    return Endpoint(**fields)  # type: ignore[arg-type]


def only(facts: HostFacts, group: str) -> list[Finding]:
    return [f for f in judge(facts, PROD).findings if f.group == group]


def test_crossings_name_every_reason() -> None:
    r = Route("10.20.5.5", dev="prod0", gateway="10.20.0.1", prefsrc="10.20.0.2")
    why = crossings(r, PROD)
    assert why == ["leaves through production interface prod0",
                   "next hop 10.20.0.1 is in production prefix 10.20.0.0/16",
                   "the destination 10.20.5.5 is in production prefix 10.20.0.0/16",
                   "the source address 10.20.0.2 is in production prefix 10.20.0.0/16"]
    assert crossings(OOB_ROUTE, PROD) == []
    assert crossings(Route("10.20.0.9", local=True, dev="lo"), PROD) == []
    assert crossings(Route("10.20.0.9", error="Network is unreachable"), PROD) == [
        "the destination 10.20.0.9 is in production prefix 10.20.0.0/16"]
    assert crossings(Route("192.0.2.9", error="Network is unreachable"), PROD) == []
    assert crossings(Route("2001:db8:20::1", dev="oob0"), PROD) == [
        "the destination 2001:db8:20::1 is in production prefix 2001:db8:20::/48"]


def test_an_oob_endpoint_is_ok_with_its_path() -> None:
    (f,) = only(HostFacts(endpoints=(ep(),)), "comms")
    assert f.level == "ok" and f.path == "192.0.2.10 via 192.0.2.1 dev oob0 src 192.0.2.2"


def test_an_endpoint_via_production_is_critical_or_a_warning_when_not_critical() -> None:
    via_prod = Route("192.0.2.10", dev="prod0", gateway="10.20.0.1")
    (f,) = only(HostFacts(endpoints=(ep("192.0.2.10", via_prod, source="comms.channels matrix"),)), "comms")
    assert f.level == "critical" and f.check == "comms.production"
    assert f.problem.startswith("crosses production: leaves through production interface prod0")
    assert "comms.channels matrix" in f.fix
    (g,) = only(HostFacts(endpoints=(ep("192.0.2.10", via_prod, critical=False),)), "comms")
    assert g.level == "warning"


def test_one_bad_address_of_several_is_enough() -> None:
    v6 = Route("2001:db8:20::5", dev="oob0")
    (f,) = only(HostFacts(endpoints=(ep("matrix.example", OOB_ROUTE, v6),)), "comms")
    assert f.level == "critical" and "2001:db8:20::5 is in production" in f.problem


def test_a_production_asn_is_critical() -> None:
    (f,) = only(HostFacts(endpoints=(ep(group="bgp", asn=64500),)), "bgp")
    assert f.level == "critical" and "AS64500 is production's own AS" in f.problem
    (g,) = only(HostFacts(endpoints=(ep(group="bgp", asn=64501),)), "bgp")
    assert g.level == "ok"


def test_no_route_and_no_resolution_and_a_known_problem() -> None:
    unreachable = Route("192.0.2.99", error="Network is unreachable")
    (f,) = only(HostFacts(endpoints=(ep("192.0.2.99", unreachable),)), "comms")
    assert f.level == "critical" and f.check == "comms.no-route" and "Network is unreachable" in f.path
    (g,) = only(HostFacts(endpoints=(ep("nope.example", via_dns=True, resolve_error="Name or service not known"),),
                          resolvers=(ep(group="resolvers"),)), "comms")[1:]
    assert g.level == "critical" and "cannot resolve nope.example" in g.problem
    (h,) = only(HostFacts(endpoints=(ep(problem="cannot read its URL secret"),)), "comms")
    assert h.level == "critical" and h.problem == "cannot read its URL secret"


def test_a_name_needing_dns_inherits_the_resolvers_fate() -> None:
    name = ep("matrix.example", via_dns=True)
    good_resolver = ep("192.0.2.53", group="resolvers", name="192.0.2.53")
    bad_resolver = ep("10.20.0.53", Route("10.20.0.53", dev="prod0"), group="resolvers", name="10.20.0.53")
    dns = [f for f in only(HostFacts(endpoints=(name,), resolvers=(good_resolver,)), "comms") if "DNS" in f.subject]
    assert [f.level for f in dns] == ["warning"] and dns[0].check == "dns.runtime"
    facts = HostFacts(endpoints=(name,), resolvers=(bad_resolver,))
    dns = [f for f in only(facts, "comms") if "DNS" in f.subject]
    assert [f.level for f in dns] == ["critical"] and "resolvers' path crosses production" in dns[0].problem
    assert [f.level for f in only(facts, "resolvers")] == ["critical"]
    none = [f for f in only(HostFacts(endpoints=(name,)), "comms") if "DNS" in f.subject]
    assert none[0].level == "critical" and "no resolver" in none[0].problem
    assert only(HostFacts(), "resolvers")[0].level == "info"


def test_default_route_via_production_is_a_warning() -> None:
    bad = Route("default", dev="prod0", gateway="10.20.0.1")
    (f,) = only(HostFacts(default_routes=(bad,)), "default route")
    assert f.level == "warning" and f.path == "default via 10.20.0.1 dev prod0"
    (g,) = only(HostFacts(default_routes=(Route("default", dev="oob0", gateway="192.0.2.1"),)), "default route")
    assert g.level == "ok"
    assert only(HostFacts(), "default route")[0].level == "info"


def test_a_proxy_is_info_unless_it_sits_in_production() -> None:
    oob_proxy = ep("192.0.2.10", name="HTTPS_PROXY", group="proxies", critical=False)
    (f,) = only(HostFacts(proxies=(oob_proxy,)), "proxies")
    assert f.level == "info" and "never uses it" in f.problem
    prod_proxy = ep("10.20.1.1", Route("10.20.1.1", dev="prod0"), name="HTTPS_PROXY", group="proxies",
                    critical=False)
    (g,) = only(HostFacts(proxies=(prod_proxy,)), "proxies")
    assert g.level == "warning" and "crosses production" in g.problem


@pytest.mark.parametrize(("fstype", "level"), [("ext4", "ok"), ("xfs", "ok"), ("tmpfs", "ok"), ("nfs4", "critical"),
                                                ("cifs", "critical"), ("fuse.sshfs", "critical"),
                                                ("ceph", "critical")])
def test_state_on_a_network_filesystem_is_critical(fstype: str, level: str) -> None:
    m = Mount("store", "/srv/oob/store.db", "/srv", fstype, "filer:/export")
    (f,) = only(HostFacts(mounts=(m,)), "filesystems")
    assert f.level == level


def test_data_age() -> None:
    now = 100 * 86400.0
    items = [DataItem("runbooks", "/rb", now - 86400, 30 * 86400, note="newest of 3 files"),
             DataItem("vrp", "/vrp.json", now - 40 * 86400, 30 * 86400, fix="run rpki-client"),
             DataItem("store", "/store.db", None, 30 * 86400, "info"),
             DataItem("runbooks2", "/rb2", None, 30 * 86400, note="empty")]
    ok, stale, missing, empty = judge_data(items, now)
    assert ok.level == "ok" and ok.path == "/rb (1.0d old, newest of 3 files)"
    assert stale.level == "warning" and stale.problem == "older than 30.0d" and stale.fix == "run rpki-client"
    assert missing.level == "info" and missing.problem == "not there"
    assert empty.level == "warning" and empty.problem == "empty"


def test_report_counts_and_exit_verdict() -> None:
    facts = HostFacts(endpoints=(ep(), ep("10.20.5.5", Route("10.20.5.5", dev="prod0"), name="pd")),
                      problems=("cannot read /etc/resolv.conf: Permission denied",))
    report = judge(facts, PROD)
    assert report.critical and report.counts["critical"] == 1
    assert [g for g, _ in report.groups()] == ["resolvers", "default route", "comms", "time", "doctor"]
    assert report.to_json()["critical"] is True


def test_every_kind_of_risky_filesystem_and_an_automount_is_critical() -> None:
    from oob_console.core.doctor import risky_fstype

    for fstype in ("fuse.sshfs", "fuse", "fuse.rclone", "nfs4", "cifs", "autofs", "9p"):
        assert risky_fstype(fstype), fstype
    assert not risky_fstype("ext4") and not risky_fstype("tmpfs")
    mounts = (Mount("key_file of r1", "/keys/r1", "/keys", "fuse.sshfs", "ops@10.20.0.9:/keys"),
              Mount("secret x", "/net/filer/x", "/net/filer", "ext4", "/dev/sdb", automount="/net"),
              Mount("store", "/var/lib/oob/store.db", "/", "ext4", "/dev/vda"))
    by = {f.subject: f for f in judge(HostFacts(mounts=mounts), PROD).findings if f.group == "filesystems"}
    assert by["key_file of r1"].level == "critical" and "/keys/r1 on /keys (fuse.sshfs" in by["key_file of r1"].path
    assert by["secret x"].level == "critical" and "below automount /net" in by["secret x"].path
    assert by["store"].level == "ok"


def test_nothing_declared_as_production_is_a_warning_not_a_green() -> None:
    report = judge(HostFacts(endpoints=(ep(),)), Production())
    (f,) = [f for f in report.findings if f.group == "production"]
    assert f.level == "warning" and f.subject == "could not judge shared fate" and "oob init --production" in f.fix
    assert not [f for f in judge(HostFacts(), PROD).findings if f.group == "production"]


def test_the_clock_behind_a_held_timestamp_is_critical_with_both_times() -> None:
    from oob_console.core.doctor import Stamp

    facts = HostFacts(now=86400.0, stamps=(Stamp("the last audit entry", 86400.0 + 3600, "audit.jsonl"),),
                      time_sources=("/etc/chrony/chrony.conf",))
    (f,) = only(facts, "time")
    assert f.level == "critical" and f.path.startswith("clock 1970-01-02 00:00:00Z; the last audit entry "
                                                        "1970-01-02 01:00:00Z")
    (f,) = only(HostFacts(now=86400.0 + 3600, stamps=facts.stamps, time_sources=("x",)), "time")
    assert f.level == "ok"
    (f,) = only(HostFacts(), "time")
    assert f.level == "warning" and f.check == "time.none"


def test_front_door_addresses_are_judged_like_endpoints() -> None:
    from oob_console.core.doctor import Listener

    listeners = (Listener("oob serve", "10.20.0.2", 2222, ("prod0",), "[server] listen"),
                 Listener("a", "192.0.2.2", 22, ("oob0",)), Listener("b", "0.0.0.0", 22),  # noqa: S104  # noqa: S104
                 Listener("c", "192.0.2.77", 22), Listener("d", "198.51.100.1", 22, ("prod0",)))
    levels = [(f.subject, f.level, f.check) for f in only(HostFacts(listeners=listeners), "front door")]
    assert levels == [("oob serve", "critical", "door.production"), ("a", "ok", "door"), ("b", "ok", "door"),
                      ("c", "critical", "door.absent"), ("d", "critical", "door.production")]


def test_a_serial_getty_must_be_enabled_and_start_the_console() -> None:
    from oob_console.core.doctor import Getty

    oob = ("/sbin/agetty --skip-login --login-program /usr/bin/setpriv --login-options \"--reuid=oob -- "
           "/opt/oob-console/.venv/bin/oob --config /var/lib/oob-console/config.toml tui\" 9600 ttyS0 vt100")
    gettys = (Getty("ttyS0", True, oob, "drop-in"), Getty("ttyS1", False, oob, "drop-in"),
              Getty("ttyS2", True, "/sbin/agetty -o '-p -- \\u' --keep-baud 115200 ttyS2 vt100", "unit"),
              Getty("ttyS3", True, "/opt/oob/bin/oob --config c.toml bgp status", "drop-in"))
    got = [(f.subject, f.level, f.check) for f in only(HostFacts(gettys=gettys), "front door")]
    assert got == [("serial console ttyS0", "ok", "getty"), ("serial console ttyS1", "critical", "getty.disabled"),
                   ("serial console ttyS2", "critical", "getty.not-console"),
                   ("serial console ttyS3", "critical", "getty.not-console")]
