"""Rules for the Cisco-style CLIs: IOS/IOS-XE, IOS-XR, Arista EOS and FRR's vtysh.

They share a mode model (exec, global config, sub-modes entered by
``interface``/``router``/``vrf`` lines, ``exit``/``end``) and most commands, so
there is one common text and a short text of differences per platform. A
line a sub-mode does not know falls through to the parent mode, as on the
devices. The language is described in ``grammar``.
"""

from __future__ import annotations

from oob_console.core.guard.decision import Verdict
from oob_console.core.guard.dialect import Dialect, Outcome, State, Statement, clean, split_unquoted
from oob_console.core.guard.grammar import Grammar

_FAM = "[ipv4 unicast|ipv6 unicast|ipv4 multicast|vpnv4 unicast|vpnv6 unicast|l2vpn evpn|all|all all|" \
       "vrf <word>|vrf all|ipv4 unicast vrf <word>|ipv6 unicast vrf <word>|ipv4 vrf <word>]"

COMMON = f"""
@exec
show ...                          = R | reads state
more ...                          = R | reads a file
dir ...                           = R | lists files
ping ...                          = R | sends test packets
traceroute ...                    = R | traces a path
terminal ...                      = R | sets up this terminal session
enable ...                        = R | privilege level of this session
disable                           = R | leaves privileged mode
(exit|end|quit|logout)            = R
write terminal                    = R | prints the running config
write ...                         = C | saves the running config
write erase ...                   = D | erases the startup config: the device boots empty
erase ...                         = D | erases a filesystem or the startup config
format ...                        = D | formats a filesystem
delete ...                        = C | deletes a file
copy ...                          = C | copies a file
copy <word> (running-config|system:running-config) ... = D | merges a config the guard cannot see into the running one
reload ...                        = D | reloads the device: every link and session on it drops
reload cancel                     = C | cancels a scheduled reload
configure [terminal]              = R >config | enters configuration mode
configure replace ...             = D | replaces the whole running configuration
configure (memory|network|overwrite-network) ... = D | loads a configuration the guard cannot see
configure confirm                 = C
clear ...                         = C | clears state
clear interface <if> ...          = C | resets one interface (it flaps)
clear interface <lag> ...         = D | resets a whole bundle: every member flaps
clear interface <ifs>             = D | resets a range of interfaces
clear [ip] bgp {_FAM} * ...       = D | hard-resets every BGP session
clear [ip] bgp {_FAM} * (soft|in|out) ... = C | soft reset: the sessions stay up
clear [ip] bgp {_FAM} <peer> ...  = C | resets one BGP session
clear [ip] bgp {_FAM} <asn> ...   = D | resets every BGP session with that AS
clear [ip] bgp {_FAM} <asn> (soft|in|out) ... = C | soft reset: the sessions stay up
clear [ip] bgp {_FAM} (external|internal|all) ... = D | resets a whole class of BGP sessions
clear [ip] bgp {_FAM} peer-group <word> ... = D | resets a whole peer group
clear [ip] bgp {_FAM} <grp> ...   = D | resets a whole peer group
clear [ip] bgp {_FAM} (dampening|flap-statistics) ... = C
clear ip route * ...              = D | flushes the routing table
clear [ip] ospf [<num>] process ...  = D | restarts OSPF: every adjacency drops
clear [ip] ospf [<num>] neighbor  = D | resets every OSPF adjacency
clear isis * ...                  = D | restarts IS-IS: every adjacency drops
clear isis process ...            = D | restarts IS-IS: every adjacency drops
clear mpls ldp neighbor * ...     = D | resets every LDP session
debug all ...                     = D | debugging everything can overload the control plane
debug ...                         = C | turns on debugging
(undebug|no debug) ...            = C
(ssh|telnet|connect|rlogin) ...   = C | opens a session to another device: what follows runs there, unchecked

@config
interface <if> ...                = C >if | configures one interface
interface <lag> ...               = C >if | configures a bundle interface
interface <ifs>                   = C >ifr | configures a range of interfaces
interface range <rest>            = C >ifr | configures a range of interfaces
no interface <if> ...             = C +down | removes one interface's configuration
no interface <lag> ...            = D | removes a whole bundle: every member leaves it
no interface (<ifs>|range <rest>) = D | removes a range of interfaces
default interface <if>            = C +down | resets one interface to defaults
default interface <lag>           = D | resets a whole bundle to defaults
default interface (<ifs>|range <rest>) = D | resets a range of interfaces
router bgp <asn> ...              = C >bgp | enters BGP configuration
no router bgp ...                 = D | removes a whole BGP process: every session on it drops
router (ospf|ospfv3|ospf6|isis|eigrp|rip|openfabric) ... = C >igp | enters routing-protocol configuration
no router (ospf|ospfv3|ospf6|isis|eigrp|rip|openfabric) ... = D | removes a routing protocol: every adjacency drops
vrf [definition|instance|context] <word> ... = C >vrf | configures a routing instance
ip vrf <word> ...                 = C >vrf | configures a routing instance
no [ip] vrf ...                   = D | deletes a routing instance and everything in it
no ip routing ...                 = D | turns IPv4 routing off on the whole device
no ipv6 unicast-routing ...       = D | turns IPv6 routing off on the whole device
line ...                          = C >line
(route-map|policy-map|class-map|key|ip access-list|ipv6 access-list|mac access-list|bfd|segment-routing) ... = C >sub
ip prefix-list ...                = C
crypto key zeroize ...            = D | deletes the device's SSH keys: remote access stops
end                               = R >exec
exit                              = R >..

@if,ifr < config
shutdown                          = C +down | takes the interface down
no shutdown                       = C | brings the interface up
description <rest>                = C | sets a description
(ip|ipv6|mtu|speed|duplex|switchport|bundle|encapsulation|vrf|bfd|lacp|mpls|isis|ospf|negotiation) ... = C
channel-group <num> ...           = C
load-interval <num>               = C
(service-policy|carrier-delay|spanning-tree) <word> ... = C
link-detect                       = C
no (ip|ipv6|mtu|speed|switchport|channel-group|bundle|encapsulation|vrf|description|bfd|mpls|isis) ... = C
end                               = R >exec
exit                              = R >..

@bgp < config
shutdown                          = D | shuts the whole BGP process down: every session drops
bgp shutdown ...                  = D | shuts every BGP session down
neighbor <peer> ...               = C | changes one BGP neighbour
neighbor <peer> shutdown ...      = C | shuts one BGP session down
neighbor <grp> ...                = C | changes a peer group
neighbor <grp> shutdown ...       = D | shuts a whole peer group down
no neighbor <peer> ...            = C | removes or changes one BGP neighbour
no neighbor <grp>                 = D | removes a whole peer group: its sessions drop
no neighbor <grp> ...             = C | changes a peer group
address-family ...                = C >bgpaf
no address-family ...             = D | removes a whole address family: its sessions drop
vrf <word>                        = C >bgpvrf
no vrf <word> ...                 = D | removes BGP from a whole routing instance
(bgp|no bgp|network|no network|redistribute|no redistribute|timers) ... = C
maximum-paths <num> ...           = C
end                               = R >exec
exit                              = R >..

@bgpaf < bgp
(neighbor|no neighbor|network|no network|redistribute|no redistribute) ... = C
(aggregate-address|maximum-paths) <word> ... = C
(exit-address-family|exit)        = R >..
end                               = R >exec

@bgpvrf < bgp
shutdown                          = D | shuts BGP down in a whole routing instance
exit                              = R >..
end                               = R >exec

@bgpn < bgp
shutdown                          = C | shuts one BGP session down
address-family ...                = C >bgpnaf
exit                              = R >..
end                               = R >exec

@bgpnaf < bgpn
exit                              = R >..
end                               = R >exec

@bgpg < bgp
shutdown                          = D | shuts a whole neighbour group down
exit                              = R >..
end                               = R >exec

@igp < config
shutdown                          = D | shuts the routing protocol down: every adjacency drops
passive-interface default         = D | makes every interface passive: every adjacency drops
(max-metric|set-overload-bit) ... = C | drains traffic away from this router
(area|network|no network|no passive-interface|net|is-type) ... = C
passive-interface <word> ...      = C
router-id <addr>                  = C
end                               = R >exec
exit                              = R >..

@line < config
transport input none              = D | closes remote access to the device
end                               = R >exec
exit                              = R >..

@vrf,sub < config
end                               = R >exec
exit                              = R >..
"""

IOS = """
@exec
tclsh ...                         = D | opens a Tcl shell the guard cannot see into
event manager run ...             = D | runs a script the guard cannot see into
test ...                          = C
"""

IOSXR = """
@exec
configure exclusive               = R >config | enters configuration mode
admin                             = R
run ...                           = D | runs a shell command the guard cannot see into
bash ...                          = D | opens a shell the guard cannot see into
process (restart|shutdown|crash|kill) ... = D | restarts a process (restarting bgp drops every session)
hw-module ...                     = D | reloads or shuts down hardware
rollback configuration ...        = D | loads an older configuration the guard cannot see

@config
show ...                          = R | reads state
commit ...                        = K | commit without an automatic rollback
commit confirmed ...              = C +done | commit with an automatic rollback timer
commit replace ...                = D +done | replaces the whole configuration
load ...                          = D | loads a configuration file the guard cannot see
abort                             = R >exec +done | discards the pending changes
root                              = R >config
exit                              = R >.. +endcommit

@config,if,ifr,bgp,bgpaf,bgpvrf,bgpn,bgpnaf,bgpg,igp,line,vrf,sub
end                               = R >exec +endcommit

@bgp < config
neighbor <peer>                   = C >bgpn | enters one BGP neighbour's configuration
neighbor-group <word>             = C >bgpg | enters a neighbour group's configuration
no neighbor-group <word> ...      = D | removes a whole neighbour group: its sessions drop
"""

EOS = """
@exec
bash ...                          = D | opens a Linux shell the guard cannot see into
configure session ...             = R >config | enters a configuration session
agent <word> (shutdown|terminate) ... = D | stops an agent (stopping Bgp drops every session)

@config
show ...                          = R | reads state
commit ...                        = K | commit without an automatic rollback
commit timer ...                  = C +done | commit with an automatic rollback timer
abort                             = R >exec +done | discards the session's changes
agent <word> (shutdown|terminate) ... = D | stops an agent (stopping Bgp drops every session)
management ...                    = C >sub
"""

FRR = """
@exec
start-shell ...                   = D | opens a shell the guard cannot see into
(watchfrr|clear log) ...          = C

@config
show ...                          = R | reads state
no (ip|ipv6) forwarding ...       = D | turns forwarding off on the whole router
"""

NXOS = """
@exec
(run|bash|guestshell|python|python3|tclsh) ... = D | opens a shell or interpreter the guard cannot see into
run-script ...                    = D | runs a file of commands the guard cannot see into
source ...                        = D | runs a script the guard cannot see into
event manager run ...             = D | runs an applet the guard cannot see into
install ...                       = D | installs or activates software: the switch reloads or restarts processes
checkpoint ...                    = C | saves a checkpoint of the running configuration
no checkpoint ...                 = C | deletes a checkpoint
clear checkpoint database ...     = C | deletes the checkpoints
rollback ...                      = D | rolls the configuration back to a checkpoint the guard cannot read
init system ...                   = D | erases the filesystem and the configuration
restart ...                       = D | restarts a process (restarting bgp drops every session)
test ...                          = C

@config
feature <word> ...                = C | turns a feature on
feature bash-shell ...            = D | enables the Bash shell, which the guard cannot see into
no feature <word> ...             = C | turns a feature off and removes its configuration
no feature (bgp|ospf|ospfv3|isis|eigrp|rip|lacp|nxapi|ssh) ... = D | turns a protocol or management service off
no feature (interface-vlan|vpc|hsrp|vrrp|pim|mpls) ... = D | turns a protocol off: everything under it goes
ssh key ...                       = D | regenerates the SSH host key: the console pins the old one
no ssh key ...                    = D | removes the SSH host key: SSH stops
no ssh server ...                 = D | turns the SSH server off
boot ...                          = C | changes what the switch boots from
no boot ...                       = D | removes what the switch boots from: it would not come back after a reload
nxapi ...                         = C | changes the management API
no nxapi ...                      = D | turns the management API (or its transport) off
cli alias ...                     = C | defines an alias (judged where it is used)
(copp|port-channel|vpc|hardware|system|ip|ipv6) ... = C
checkpoint ...                    = C | saves a checkpoint
rollback ...                      = D | rolls the configuration back to a checkpoint the guard cannot read
event manager ...                 = C >sub
show ...                          = R | reads state

@bgp < config
template peer <word>              = C >bgpg | configures a peer template
no template peer <word> ...       = D | removes a peer template: the sessions inheriting it lose their settings
neighbor <peer> ...               = C >bgpn | configures one BGP neighbour
no neighbor <peer> ...            = C | removes one BGP neighbour

@bgpn < bgp
inherit peer <word> ...           = C | changes the template a session inherits
(remote-as|update-source|password|no) ... = C

@bgpg < bgp
(remote-as|update-source|password|no) ... = C
"""

_START = ("exec", "config", "if", "bgp", "igp", "line")


class CiscoDialect(Dialect):
    """IOS-like CLIs: ``!`` comments, ``do`` in config, ``|`` filters, no ``;`` splitting."""

    def __init__(self, name: str, grammar: Grammar, writers: tuple[str, ...],
                 prefix_cmds: dict[str, str]) -> None:
        super().__init__(grammar)
        self.name = name
        self.writers = writers
        self.prefix_cmds = prefix_cmds
        # An unknown starting mode: every context whose rules differ (the others only repeat these).
        self.start = frozenset(State(ctx) for ctx in _START if ctx in grammar.roots)

    def statements(self, text: str) -> list[Statement]:
        out = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = clean(raw).strip()
            if not line or line[0] in "!#":
                continue
            whole = self.tokens(line)
            stmt = Statement(number, line, [[whole]])
            if "|" in line:
                left, *filters = line.split("|")
                if left.strip():
                    stmt.readings.append([self.tokens(left)])
                    stmt.filters.extend(self.tokens(f) for f in filters)
            if ";" in line and not _free_text(whole):
                # Where the device splits on ';' is version-dependent: judge both ways.
                pieces = [self.tokens(p) for p in split_unquoted(line, ";")]
                stmt.readings.append([p for p in pieces if p])
            out.append(stmt)
        return out

    def interpret(self, toks: tuple[str, ...], st: State, depth: int = 0) -> list[Outcome]:
        outs = self.also_exec(self.grammar_outcomes(st.ctx, toks, st), toks, st)
        if len(toks) > 1 and depth < 4:
            for word, target in self.prefix_cmds.items():
                if word.startswith(toks[0]) and len(toks[0]) >= min(2, len(word)):
                    inner = self.interpret(toks[1:], State(target), depth + 1)
                    outs.extend(Outcome(o.verdict, o.reason, st, o.down, o.commit) for o in inner)
        return outs


_FREE_TEXT = ("description", "remark", "banner", "alias")


def _free_text(toks: tuple[str, ...]) -> bool:
    return any(len(t) >= 4 and w.startswith(t) for t in toks[:4] for w in _FREE_TEXT)


CISCO_PLATFORMS = ("ios", "iosxr", "eos", "frr", "nxos")


def cisco_dialect(name: str) -> Dialect:
    """One Cisco-like platform's dialect, its grammar compiled now."""
    if name == "ios":
        return CiscoDialect("ios", Grammar.compile(COMMON, IOS), ("redirect", "tee", "append"), {"do": "exec"})
    if name == "iosxr":
        return CiscoDialect("iosxr", Grammar.compile(COMMON, IOSXR), ("file", "tee"), {"do": "exec", "admin": "exec"})
    if name == "eos":
        return CiscoDialect("eos", Grammar.compile(COMMON, EOS), ("redirect", "tee", "append"), {"do": "exec"})
    if name == "nxos":
        return CiscoDialect("nxos", Grammar.compile(COMMON, NXOS), ("redirect", "tee", "append"), {"do": "exec"})
    if name == "frr":
        return CiscoDialect("frr", Grammar.compile(COMMON, FRR), (), {"do": "exec"})
    raise KeyError(name)


__all__ = ["CISCO_PLATFORMS", "Verdict", "cisco_dialect"]
