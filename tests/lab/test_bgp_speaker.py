"""Emergency BGP end to end against real upstreams: BIRD 2 and FRR, ExaBGP as our speaker."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from oob_console.core.bgp.desired import RouteRow
from tests.conftest import run_oob
from tests.lab.bgp_peers import BirdUpstream, FrrUpstream, LookingGlass, Upstream, pair
from tests.lab.bgp_site import PREFIX, SpeakerProcess, approvers, bgp_site, carol_signs, upstream_toml
from tests.lab.oob_server import Store
from tests.lab.softsk import SoftDevice, SoftKey
from tests.lab.test_bgp_providers import stages
from tests.unit.auth_lab import NoPrompt

pytestmark = pytest.mark.lab


def audit_actions(home: Path) -> list[str]:
    return [json.loads(line)["action"] for line in (home / "audit.jsonl").read_text().splitlines()]


def request_and_approve(home: Path, lab: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """Request an intent, then two approvers approve it; the last approval runs it (its output returned)."""
    out = run_oob("bgp", *args, "--json", home=home)
    assert out.returncode == 0, out.stdout + out.stderr
    intent = json.loads(out.stdout)["result"]["intent"]
    assert intent["status"] == "pending" and intent["ticket"]
    first = run_oob("bgp", "approve", intent["id"], "--local-key", home=home,
                    env={"OOB_SOFT_KEY": str(lab.keys["bob-key"])})
    assert first.returncode == 0 and "1 of 2, pending" in first.stdout, first.stdout + first.stderr
    sig = home / "carol.sig"
    sig.write_bytes(carol_signs(lab, intent["ticket"]))
    return run_oob("bgp", "approve", intent["id"], "--sshsig", str(sig), "--json", home=home)


def stock_openssh_approves(home: Path, device: SoftDevice, key: SoftKey, intent_id: str,
                           *args: str) -> subprocess.CompletedProcess[str]:
    """``oob intent show ID | ssh-keygen -Y sign -n oob-console -f KEY | oob approve ID --sshsig -``, in a shell."""
    oob = f"{shlex.quote(sys.executable)} -m oob_console"
    line = (f"{oob} intent show {intent_id} | ssh-keygen -Y sign -n oob-console -f {shlex.quote(str(key.private))}"
            f" | {oob} approve {intent_id} --sshsig - {' '.join(args)}")
    env = {**device.env(), "OOB_HOME": str(home)}
    env.pop("SSH_AUTH_SOCK", None)
    return subprocess.run(["bash", "-o", "pipefail", "-c", line], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_approved_announcement_reaches_bird_and_frr_with_attributes_then_withdraw(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, soft_device: SoftDevice) -> None:
    bird, console_b = pair(tmp_path / "bird", BirdUpstream, local_as=64501)
    frr, console_f = pair(tmp_path / "frr", FrrUpstream, local_as=64502)
    with bird, frr, LookingGlass(bird) as lg:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("bird", bird, console_b, looking_glass="lab")
                 + upstream_toml("frr", frr, console_f), looking_glass_url=lg.url, approvals=2)
        lab = approvers(home, monkeypatch)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            # FRR treats 127/8 next hops as martian: announce with a next hop outside it
            out = request_and_approve(home, lab, "announce", PREFIX, "--community", "no-export", "--community",
                                      "64500:42", "--prepend", "1", "--next-hop", "192.0.2.1", "--lease", "1h")
            # BIRD's own view proves it; nothing can tell for FRR (no confirmation source): UNCONFIRMED, exit 10
            assert out.returncode == 10, out.stdout + out.stderr
            assert stages(out.stdout) == {("bird", "accepted"): "done", ("bird", "advertised"): "done",
                                          ("bird", "visible"): "done", ("frr", "accepted"): "done",
                                          ("frr", "advertised"): "done", ("frr", "visible"): "unconfirmed"}
            for up in (bird, frr):
                route = up.wait_route(PREFIX)
                assert route is not None
                assert route.as_path == [64500, 64500]
                assert route.next_hop == "192.0.2.1"
                assert sorted(route.communities) in (["64500:42", "65535:65281"], ["64500:42", "no-export"])
            assert lg.requests >= 1

            # withdrawing our own live announcement: its own class (one approver), approved by dave
            # with nothing but stock OpenSSH: ssh-keygen -Y sign piped into 'oob approve ID --sshsig -'
            dave = soft_device.enroll("dave")
            Store(home).add("dave", dave, roles=("approver",))
            asked = run_oob("bgp", "withdraw", PREFIX, "--json", home=home)
            assert asked.returncode == 0, asked.stdout + asked.stderr
            wid = json.loads(asked.stdout)["result"]["intent"]["id"]
            assert json.loads(run_oob("intent", "status", wid, "--json", home=home).stdout)["result"][
                "approvals_need"] == 1
            out = stock_openssh_approves(home, soft_device, dave, wid, "--json")
            assert out.returncode == 10, out.stdout + out.stderr  # FRR's withdrawal: nothing can confirm it
            assert stages(out.stdout)[("bird", "visible")] == "done"  # the looking glass no longer sees it
            bird.wait_route(PREFIX, present=False)
            frr.wait_route(PREFIX, present=False)
        entries = [json.loads(line) for line in (home / "audit.jsonl").read_text().splitlines()]
        actions = [e["action"] for e in entries]
        for action in ("bgp.intent.create", "intent.request", "intent.approve", "intent.execute", "bgp.announce",
                       "bgp.announce.result", "intent.finish", "bgp.withdraw", "bgp.stage", "bgp.supervisor.start",
                       "bgp.speaker.start"):
            assert action in actions, action
        approvers_seen = {e["actor"] for e in entries if e["action"] == "intent.approve" and e["outcome"] == "ok"}
        assert approvers_seen == {"user:bob", "user:carol", "user:dave"}


@contextmanager
def quorum_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Upstream, Path, Any]]:
    """BIRD as the upstream, a site needing 2 approvals (bob, carol), its speaker up."""
    bird, console = pair(tmp_path / "bird", BirdUpstream)
    with bird:
        home = tmp_path / "site"
        bgp_site(home, upstream_toml("bird", bird, console), approvals=2)
        lab = approvers(home, monkeypatch)
        with SpeakerProcess(home) as speaker:
            speaker.wait_sessions_up()
            yield bird, home, lab


def approve_both(lab: Any, ticket: str) -> None:
    lab.use_key("bob-key")
    lab.app.approvals.approve_local(ticket, NoPrompt())
    lab.app.approvals.approve_sshsig(ticket, carol_signs(lab, ticket))


def test_announce_waits_for_approvals_and_runs_when_the_quorum_is_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with quorum_site(tmp_path, monkeypatch) as (bird, home, lab):
        env = dict(os.environ, OOB_HOME=str(home))
        waiting = subprocess.Popen([sys.executable, "-m", "oob_console", "bgp", "announce", PREFIX, "--wait",
                                    "--timeout", "60s", "--json"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        wait_for(lambda: bool(lab.app.approvals.list()), 20, "the intent to be requested")
        ticket = lab.app.approvals.list()[0].id
        assert PREFIX not in bird.routes()  # nothing before the quorum
        approve_both(lab, ticket)
        out, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 10, out + err  # out, but no confirmation source configured: UNCONFIRMED
        assert json.loads(out)["result"]["execution"]["outcome"] == "UNCONFIRMED"
        bird.wait_route(PREFIX)
        assert lab.app.approvals.get(ticket).state == "executed"


def bird_site(tmp_path: Path, **site: Any) -> tuple[Upstream, Path]:
    """BIRD as the one upstream of a fresh site (not started yet)."""
    bird, console = pair(tmp_path / "bird", BirdUpstream)
    home = tmp_path / "site"
    bgp_site(home, upstream_toml("bird", bird, console), **site)
    return bird, home


def journal_rows(home: Path) -> dict[tuple[str, str], RouteRow]:
    from oob_console.adapters.bgp.journal_sqlite import SqliteJournal

    journal = SqliteJournal(home / "bgp-journal.db")
    try:
        return {r.key: r for r in journal.routes()}
    finally:
        journal.close()


def journal_stages(home: Path, prefix: str = PREFIX) -> dict[str, dict[str, str]]:
    return {k[0]: {n: s.state for n, s in r.stages.items()} for k, r in journal_rows(home).items() if k[1] == prefix}


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_upstream_down_is_not_advertised_then_advertised_when_it_comes_up(tmp_path: Path) -> None:
    bird, console = pair(tmp_path / "bird", BirdUpstream)
    home = tmp_path / "site"
    bgp_site(home, upstream_toml("bird", bird, console, advertise_timeout="1s"))
    with SpeakerProcess(home):
        out = run_oob("bgp", "announce", PREFIX, home=home)
        assert out.returncode == 8, out.stdout + out.stderr  # not confirmed in time, never "success"
        assert "taken by our speaker     DONE" in out.stdout
        assert "sent on our session      TIMEOUT" in out.stdout and "not advertised within 1s" in out.stdout
        assert "session" in out.stdout
        with bird:
            bird.wait_route(PREFIX, timeout=15)
            wait_for(lambda: journal_stages(home)["bird"].get("advertised") == "done", 10,
                     "the supervisor to record 'advertised' once the session came up")
            status = run_oob("bgp", "status", home=home)
            assert "advertised=done" in status.stdout and "up" in status.stdout


def test_exabgp_killed_is_restarted_and_the_journal_reannounced(tmp_path: Path) -> None:
    import os
    import signal

    bird, home = bird_site(tmp_path)
    with bird, SpeakerProcess(home) as speaker:
        speaker.wait_sessions_up()
        assert run_oob("bgp", "announce", PREFIX, home=home).returncode == 10  # out; no source to confirm it
        bird.wait_route(PREFIX)
        old = speaker.exabgp_pid()
        assert old is not None
        os.kill(old, signal.SIGKILL)
        bird.wait_route(PREFIX, present=False, timeout=15)  # the session closed with ExaBGP
        wait_for(lambda: speaker.exabgp_pid() not in (None, old), 15, "a new ExaBGP")
        route = bird.wait_route(PREFIX, timeout=15)
        assert route is not None and route.as_path == [64500]
    entries = [json.loads(line) for line in (home / "audit.jsonl").read_text().splitlines()]
    restarts = [e for e in entries if e["action"] == "bgp.speaker.start" and "restarted" in
                e["details"].get("message", "")]
    assert restarts and f"signal {signal.SIGKILL}" in restarts[0]["details"]["message"]
    assert any(e["action"] == "bgp.speaker.apply" for e in entries)


def test_lease_expiry_withdraws_on_time_and_renew_extends_it(tmp_path: Path) -> None:
    bird, home = bird_site(tmp_path)
    with bird, SpeakerProcess(home) as speaker:
        speaker.wait_sessions_up()
        assert run_oob("bgp", "announce", "198.51.100.0/24", "--lease", "20s", "--community", "64500:7",
                       "--no-confirm", home=home).returncode == 0
        renew = run_oob("bgp", "renew", "198.51.100.0/24", "--lease", "1h", "--no-confirm", home=home)
        assert renew.returncode == 0, renew.stdout + renew.stderr
        assert run_oob("bgp", "announce", PREFIX, "--lease", "3s", "--no-confirm", home=home).returncode == 0
        bird.wait_route(PREFIX)
        expires = journal_rows(home)[("bird", PREFIX)].lease_expires
        assert expires is not None
        bird.wait_route(PREFIX, present=False, timeout=10)
        assert expires <= time.time() < expires + 2.0  # withdrawn on time, not early
        renewed = journal_rows(home)[("bird", "198.51.100.0/24")].lease_expires
        assert renewed is not None and renewed > time.time() + 3000
        kept = bird.routes().get("198.51.100.0/24")  # renewed for 1h: still there, same attributes
        assert kept is not None and kept.communities == ["64500:7"]
    assert "bgp.lease.expired" in audit_actions(home)
    assert "lease expired" in run_oob("bgp", "status", home=home).stdout or \
        "withdrawn" in run_oob("bgp", "status", home=home).stdout


def test_journal_survives_speaker_kill9_and_leases_hold_across_restarts(tmp_path: Path) -> None:
    bird, home = bird_site(tmp_path)
    with bird:
        speaker = SpeakerProcess(home).start()
        speaker.wait_sessions_up()
        assert run_oob("bgp", "announce", PREFIX, "--no-confirm", home=home).returncode == 0
        assert run_oob("bgp", "announce", "198.51.100.0/24", "--lease", "4s", "--no-confirm",
                       home=home).returncode == 0
        bird.wait_route(PREFIX)
        bird.wait_route("198.51.100.0/24")
        exabgp = speaker.exabgp_pid()
        speaker.kill9()  # the console host "crashes": ExaBGP goes with it (parent-death signal)
        bird.wait_route(PREFIX, present=False, timeout=15)
        wait_for(lambda: not Path(f"/proc/{exabgp}").exists(), 10, "ExaBGP to die with the speaker")
        time.sleep(4)  # the short lease runs out while nothing is running
        with SpeakerProcess(home):
            bird.wait_route(PREFIX, timeout=15)  # re-applied from the journal
            time.sleep(1)
            assert "198.51.100.0/24" not in bird.routes()  # its lease passed while we were down
    assert "bgp.lease.expired" in audit_actions(home)


def test_speaker_not_running_change_is_journaled_and_goes_out_when_it_starts(tmp_path: Path) -> None:
    bird, home = bird_site(tmp_path)
    with bird:
        out = run_oob("bgp", "announce", PREFIX, home=home)
        assert out.returncode == 8, out.stdout + out.stderr
        assert "taken by our speaker     TIMEOUT" in out.stdout and "speaker is not running" in out.stdout
        status = run_oob("bgp", "status", home=home).stdout
        assert "NOT OUT NOW" in status
        with SpeakerProcess(home):
            bird.wait_route(PREFIX, timeout=15)
            wait_for(lambda: journal_stages(home)["bird"] == {"accepted": "done", "advertised": "done",
                                                              "visible": "unconfirmed"}, 10, "stages recorded")


def test_ipv6_prefix_over_the_ipv4_session(tmp_path: Path) -> None:
    bird, console = pair(tmp_path / "bird", BirdUpstream, ipv6=True)
    home = tmp_path / "site"
    bgp_site(home, upstream_toml("bird", bird, console, families=("ipv4", "ipv6")),
             owned=[("2001:db8::/32", 48)], vrps=[("2001:db8::/32", 48, 64500)])
    with bird, SpeakerProcess(home) as speaker:
        speaker.wait_sessions_up()
        assert "needs an IPv6 next hop" in run_oob("bgp", "plan", "announce", "2001:db8:1::/48", home=home).stdout
        out = run_oob("bgp", "announce", "2001:db8:1::/48", "--next-hop", "2001:db8:ffff::1", home=home)
        assert out.returncode == 10 and "UNCONFIRMED" in out.stdout, out.stdout + out.stderr
        route = bird.wait_route("2001:db8:1::/48")
        assert route is not None and route.next_hop == "2001:db8:ffff::1" and route.as_path == [64500]
        assert run_oob("bgp", "plan", "announce", "2001:db8:1::/49", home=home).returncode == 7  # longer than /48


def test_speaker_runs_an_intent_once_its_quorum_is_in_and_only_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with quorum_site(tmp_path, monkeypatch) as (bird, home, lab):
        out = run_oob("bgp", "announce", PREFIX, "--json", home=home)
        intent = json.loads(out.stdout)["result"]["intent"]
        approve_both(lab, intent["ticket"])
        bird.wait_route(PREFIX, timeout=15)  # approvals came in through `oob approve`: the speaker ran it
        late = run_oob("bgp", "run", intent["id"], home=home)
        assert late.returncode == 9 and "not pending" in late.stderr  # it runs at most once
        wait_for(lambda: lab.app.approvals.get(intent["ticket"]).state == "executed", 10, "the ticket to close")


@pytest.mark.xfail(reason="KNOWN FAILURE (open, see the closing note): broke when the sealed audit "
                          "log (issue 17) was merged with the SSH and deploy paths; not yet diagnosed",
                   strict=False, run=True)
def test_dashboard_line_fails_when_an_announced_prefix_is_not_out(tmp_path: Path) -> None:
    from oob_console.wiring import Services

    bird, home = bird_site(tmp_path)
    with bird, SpeakerProcess(home) as speaker:
        speaker.wait_sessions_up()
        assert run_oob("bgp", "announce", PREFIX, "--no-confirm", home=home).returncode == 0
        status = Services.from_config(str(home / "config.toml")).status
        item = status.item("bgp")
        assert (item.state, item.summary) == ("ok", "1/1 sessions up, 1 prefix(es) announced")
        bird.stop()  # the upstream goes away: what we announce is not out there any more
        wait_for(lambda: speaker.sessions()["bird"] != "up", 15, "the session to drop")
        item = status.item("bgp")
        assert item.state == "fail" and f"NOT OUT: {PREFIX} via bird" in item.summary
