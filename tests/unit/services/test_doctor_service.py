"""Doctor's gathering logic over a probe with fixed answers (the live host is in tests/lab/test_doctor.py)."""

from __future__ import annotations

from pathlib import Path

from oob_console.core.doctor import Getty, Mount, Production, Route, Stamp
from oob_console.errors import ConfigError
from oob_console.services.doctor.ports import Resolution, Target
from oob_console.services.doctor.service import DoctorService, comms_targets, hostport_targets, local_data


class FixedProbe:
    def __init__(self) -> None:
        self.routes = {"192.0.2.53": Route("192.0.2.53", dev="oob0"), "10.20.0.5": Route("10.20.0.5", dev="prod0"),
                       "192.0.2.123": Route("192.0.2.123", dev="oob0"), "10.20.9.9": Route("10.20.9.9", dev="prod0")}
        self.mtimes: dict[Path, tuple[float | None, str]] = {}

    def resolvers(self) -> tuple[list[str], str]:
        return ["192.0.2.53"], "/etc/resolv.conf"

    def route(self, address: str) -> Route:
        return self.routes.get(address, Route(address, error="Network is unreachable"))

    def default_routes(self) -> list[Route]:
        return [Route("default", dev="oob0", gateway="192.0.2.1")]

    def resolve(self, host: str, timeout: float) -> Resolution:
        names = {"pd.example": Resolution(("10.20.0.5",), via_dns=True)}
        return names.get(host, Resolution((host,), via_dns=False))

    def proxies(self) -> list[tuple[str, str, int]]:
        return [("HTTPS_PROXY", "10.20.9.9", 3128)]

    def mount_of(self, path: Path) -> Mount:
        return Mount("", str(path), "/srv", "nfs4", "filer:/x")

    def mtime(self, path: Path) -> tuple[float | None, str]:
        return self.mtimes.get(path, (None, ""))

    def ntp_servers(self) -> list[str]:
        return ["192.0.2.123"]

    def time_sources(self) -> list[str]:
        return ["/etc/chrony/chrony.conf"]

    def addresses(self) -> dict[str, tuple[str, ...]]:
        return {"192.0.2.2": ("oob0",), "10.20.0.2": ("prod0",)}

    def sshd_listen(self) -> list[tuple[str, int, str]]:
        return [("10.20.0.2", 22, "/etc/ssh/sshd_config")]

    def getty(self, tty: str) -> Getty:
        return Getty(tty, True, "/sbin/agetty --login-program /usr/bin/setpriv --login-options '--reuid=oob -- "
                                "/opt/oob/bin/oob --config /c.toml tui' 9600 ttyS0 $TERM", "/etc/x.conf")

    def problems(self) -> list[str]:
        return []


class Chan:
    def __init__(self, url: str | Exception) -> None:
        self.url = url

    def endpoint(self) -> str:
        if isinstance(self.url, Exception):
            raise self.url
        return self.url


def test_facts_cover_every_edge_and_judge_flags_production() -> None:
    svc = DoctorService(FixedProbe(), Production.parse(["10.20.0.0/16"], [], ["prod0"]),
                        sources=[lambda: [Target("pd", "comms", "pd.example", 443, source="comms.channels pd")]],
                        state_paths={"store": Path("/srv/oob/store.db")}, clock=lambda: 1000.0)
    report = svc.run()
    levels = {(f.group, f.subject): f.level for f in report.findings}
    assert levels[("resolvers", "192.0.2.53:53")] == "ok"
    assert levels[("comms", "pd (pd.example:443)")] == "critical"
    assert levels[("comms", "pd (pd.example:443) needs DNS")] == "warning"
    assert levels[("ntp", "192.0.2.123:123")] == "ok"
    assert levels[("proxies", "HTTPS_PROXY (10.20.9.9:3128)")] == "warning"
    assert levels[("filesystems", "store")] == "critical"
    assert report.critical


def test_files_front_door_gettys_and_stamps_reach_the_judgement() -> None:
    probe = FixedProbe()
    probe.ntp_servers = lambda: ["10.20.0.123"]  # type: ignore[method-assign]
    probe.routes["10.20.0.123"] = Route("10.20.0.123", dev="prod0")
    svc = DoctorService(probe, Production.parse(["10.20.0.0/16"], [], ["prod0"]),
                        file_sources=[lambda: {"key_file of device r1": Path("/srv/keys/r1")}],
                        stamp_sources=[lambda: [Stamp("the VRP export", 5000.0, "rpki/vrps.json")]],
                        listen=("192.0.2.2", 2222, "[server] listen"), serial_ttys=("ttyS0",),
                        clock=lambda: 1000.0)
    by = {(f.group, f.subject): f for f in svc.run().findings}
    assert by[("filesystems", "key_file of device r1")].level == "critical"
    assert "/srv/keys/r1 on /srv (nfs4 from filer:/x)" in by[("filesystems", "key_file of device r1")].path
    assert by[("ntp", "10.20.0.123:123")].level == "critical"  # the clock is a critical dependency
    assert by[("front door", "oob serve")].level == "ok"
    sshd = by[("front door", "sshd ListenAddress (/etc/ssh/sshd_config)")]
    assert sshd.level == "critical" and "production prefix 10.20.0.0/16" in sshd.problem
    assert by[("front door", "serial console ttyS0")].level == "ok"
    clock = by[("time", "clock")]
    assert clock.level == "critical" and "1970-01-01 00:16:40Z" in clock.path and "01:23:20Z" in clock.path


def test_comms_and_hostport_targets() -> None:
    targets = comms_targets({"mx": Chan("https://hs.example"), "hook": Chan("http://[2001:db8::5]:8080"),  # type: ignore[dict-item]
                             "slack": Chan(ConfigError("secret file unreadable"))})
    assert [(t.host, t.port) for t in targets[:2]] == [("hs.example", 443), ("2001:db8::5", 8080)]
    assert targets[2].problem == "cannot tell where it sends: secret file unreadable"
    assert [(t.host, t.port) for t in hostport_targets("uplink", ["[2001:db8::1]:443", "192.0.2.1:80"], "x")] == [
        ("2001:db8::1", 443), ("192.0.2.1", 80)]


def test_local_data_items(tmp_path: Path) -> None:
    probe = FixedProbe()
    probe.mtimes[tmp_path / "store.db"] = (500.0, "")
    probe.mtimes[tmp_path / "runbooks"] = (None, "empty")
    common = {"store": tmp_path / "store.db", "runbooks": tmp_path / "runbooks", "reports": tmp_path / "reports",
              "max_age": 100.0, "drill_max_age": 1000.0}
    items = {d.name: d for d in local_data(probe, last_drill=None, bundle_serial=None, **common)}  # type: ignore[arg-type]
    assert set(items) == {"credential store", "runbooks", "last passing drill"}
    assert items["runbooks"].note == "empty" and items["last passing drill"].mtime is None
    items = {d.name: d for d in local_data(probe, last_drill={"id": "drill-x", "started_ts": 900.0},
                                           bundle_serial=1_790_000_000, **common)}  # type: ignore[arg-type]
    assert items["store bundle"].mtime == 1_790_000_000.0 and items["last passing drill"].mtime == 900.0
    small = {d.name: d for d in local_data(probe, last_drill=None, bundle_serial=7, **common)}  # type: ignore[arg-type]
    assert small["store bundle"].mtime is None and small["store bundle"].missing_level == "info"
    none = {d.name: d for d in local_data(probe, last_drill=None, bundle_serial=0, **common)}  # type: ignore[arg-type]
    assert none["store bundle"].note == "no bundle imported yet" and none["store bundle"].missing_level == "warning"


def test_inventory_targets_devices_and_console_servers() -> None:
    from oob_console.core.devices.inventory import ConsolePort, ConsoleServer, Device, Inventory
    from oob_console.services.doctor.service import inventory_targets

    inv = Inventory(
        devices=(Device("r1", "frr", "10.0.0.1", console=ConsolePort("ssh", server="cs1", line="port5")),
                 Device("r2", "frr", "10.0.0.2", console=ConsolePort("telnet", server="192.0.2.9", port=7002)),
                 Device("r3", "frr", "10.0.0.3", console=ConsolePort("serial", line="/dev/ttyUSB0")),
                 Device("r4", "frr", "10.0.0.4")),
        console_servers=(ConsoleServer("cs1", "192.0.2.8"),),
    )
    got = {(t.group, t.name): (t.host, t.port, t.critical) for t in inventory_targets(inv)}
    assert got == {
        ("devices", "r1"): ("10.0.0.1", 22, False), ("devices", "r2"): ("10.0.0.2", 22, False),
        ("devices", "r3"): ("10.0.0.3", 22, False), ("devices", "r4"): ("10.0.0.4", 22, True),
        ("console servers", "cs1"): ("192.0.2.8", 22, True),
        ("console servers", "console of r2"): ("192.0.2.9", 7002, True),
    }


def test_local_data_judges_the_vrp_snapshot(tmp_path: Path) -> None:
    from oob_console.core.doctor import judge_data
    from oob_console.services.doctor.service import VrpAge

    common = {"store": tmp_path / "s", "runbooks": tmp_path / "r", "reports": tmp_path / "p", "max_age": 100.0,
              "drill_max_age": 1000.0, "last_drill": None, "bundle_serial": None}
    fresh = VrpAge("rpki/vrps.json", 990.0, 86400.0, "2 VRPs, dated by export metadata")
    stale = VrpAge("rpki/vrps.json", 0.0, 600.0, "2 VRPs, dated by file modification time")
    broken = VrpAge("rpki/vrps.json", None, 600.0, "the file does not exist")
    for vrp, level, words in ((fresh, "ok", "2 VRPs"), (stale, "warning", "older than"),
                              (broken, "warning", "the file does not exist")):
        items = local_data(FixedProbe(), vrps=vrp, **common)  # type: ignore[arg-type]
        (finding,) = [f for f in judge_data(items, 1000.0) if f.subject == "VRP file"]
        assert finding.level == level and words in finding.path + finding.problem
