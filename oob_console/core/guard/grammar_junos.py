"""Rules for Junos: operational mode, and configuration mode as paths.

Configuration statements are judged as full paths: ``edit`` moves the current
level, and ``set``/``delete``/``deactivate`` lines are read with it in front
(``edit protocols bgp`` then ``delete`` is ``delete protocols bgp``). Brace
blocks (``interfaces { et-0/0/0 { disable; } }``, as pasted after ``load merge
terminal``) are flattened into the same paths, with ``inactive:`` and
``delete:`` tags. Group contents (``set groups G interfaces <*> disable``) are
also judged as if applied, since an ``apply-groups`` may already use them.
"""

from __future__ import annotations

import re

from oob_console.core.guard.decision import Verdict
from oob_console.core.guard.dialect import Dialect, Outcome, State, Statement, clean
from oob_console.core.guard.grammar import Grammar

_IGP = "(ospf|ospf3|isis|ldp|mpls|rsvp|pim|bfd)"
_PROTO = "(bgp|ospf|ospf3|isis|ldp|mpls|rsvp|pim|bfd)"

JUNOS = f"""
@op
show ...                          = R | reads state
(monitor|help) ...                = R | reads state
ping ...                          = R | sends test packets
traceroute ...                    = R | traces a path
file (list|show|compare|checksum) ... = R | reads files
file ...                          = C | changes files
set cli ...                       = R | sets up this CLI session
set ...                           = C | changes operational settings
(exit|quit)                       = R
clear ...                         = C | clears state
clear bgp neighbor                = D | resets every BGP session
clear bgp neighbor (soft|soft-inbound|soft-minimum-igp) ... = C | soft reset: the sessions stay up
clear bgp neighbor <addr> ...     = C | resets one BGP session
clear bgp neighbor as <asn> ...   = D | resets every BGP session with that AS
clear bgp neighbor (instance|logical-system) ... = D | resets every BGP session of a routing instance
clear (ospf|ospf3) neighbor       = D | resets every OSPF adjacency
clear (ospf|ospf3) neighbor <addr> ... = C | resets one OSPF adjacency
clear (ospf|ospf3) neighbor (instance|area|all) ... = D | resets a whole set of OSPF adjacencies
clear isis adjacency              = D | resets every IS-IS adjacency
clear isis adjacency <word> ...   = C | resets one IS-IS adjacency
clear (ldp neighbor|rsvp session) = D | resets every LDP/RSVP session
clear (ldp neighbor|rsvp session) <word> ... = C
request ...                       = C | runs a request
request support ...               = R | collects support data
request system (reboot|halt|power-off|power-cycle|zeroize) ... = D | reboots or stops the device: everything on it drops
request system software ...       = D | installs software (and usually reboots)
request chassis ...               = D | restarts or takes hardware offline
restart ...                       = C | restarts a daemon
restart (routing|chassis-control|interface-control|routing-engine) ... = D | restarts a core daemon: sessions drop
restart (l2-learning|ethernet-switching) ... = D | restarts a core daemon: links drop
start shell ...                   = D | opens a shell the guard cannot see into
start ...                         = C
op ...                            = D | runs an op script the guard cannot see into
configure ...                     = R >cfg | enters configuration mode
edit                              = R >cfg | enters configuration mode
test ...                          = C

@cfg
set ...                           = C | changes the candidate configuration
set cli ...                       = R | an operational CLI setting, not configuration
set interfaces <if> [unit <num>] disable = C +down | disables one interface
set interfaces <lag> [unit <num>] disable = D | disables a whole bundle: every member link
set interfaces <ifs> [unit <num>] disable = C +down | disables interfaces matching a range or wildcard
set interfaces interface-range <word> disable = D | disables every member of an interface range
set protocols {_PROTO} disable    = D | disables a whole routing protocol
set protocols bgp group <word> (disable|shutdown) ... = D | shuts a whole BGP group down
set protocols bgp group <word> neighbor <addr> (disable|shutdown) ... = C | shuts one BGP session down
set protocols (ospf|ospf3) area <word> interface all disable = D | takes OSPF off every interface
set protocols isis interface all disable = D | takes IS-IS off every interface
(delete|deactivate) ...           = C | removes part of the candidate configuration
(delete|deactivate)               = D | removes everything under the current level
(delete|deactivate) interfaces    = D | removes every interface's configuration
(delete|deactivate) interfaces <if> [unit <num>] = C +down | removes one interface's configuration
(delete|deactivate) interfaces <lag> [unit <num>] = D | removes a whole bundle: every member link
(delete|deactivate) interfaces <ifs> [unit <num>] = C +down | removes interfaces matching a range or wildcard
(delete|deactivate) interfaces interface-range <word> = D | removes a whole interface range
(delete|deactivate) protocols     = D | removes every routing protocol
(delete|deactivate) protocols {_PROTO} = D | removes a whole routing protocol: its sessions drop
(delete|deactivate) protocols bgp group <word> = D | removes a whole BGP group: its sessions drop
(delete|deactivate) protocols bgp group <word> neighbor <addr> = C | removes one BGP session
(delete|deactivate) routing-instances = D | removes every routing instance
(delete|deactivate) routing-instances <word> = D | removes a routing instance and everything in it
(delete|deactivate) routing-instances <word> protocols [<word>] = D | removes routing protocols of a routing instance
(delete|deactivate) routing-options = D | removes static routes, the router id and the AS number
(delete|deactivate) (system|chassis|logical-systems) = D | removes system-wide configuration
(delete|deactivate) system (services|login|root-authentication) ... = D | removes management access
(activate|annotate|insert|rename|copy|replace|protect|unprotect|save) ... = C | changes the candidate configuration
wildcard delete ...               = D | deletes every statement matching a pattern
commit ...                        = K | commit without an automatic rollback
commit confirmed ...              = C | commit with an automatic rollback timer
commit check ...                  = R | checks the candidate without committing
rollback [0]                      = C | discards the candidate's changes
rollback <num> ...                = D | loads an older configuration the guard cannot see
rollback rescue                   = D | loads the rescue configuration
load (override|factory-default) ... = D | replaces the whole configuration
load (merge|replace|set|update|patch) ... = D | loads a configuration file the guard cannot see
load (merge|replace|set|update|patch) [relative] terminal ... = C | loads the configuration that follows
(show|status|help|compare) ...    = R | reads the configuration
"""

_PATH_VERBS = ("set", "delete", "deactivate", "activate", "annotate", "insert", "rename", "copy", "protect",
               "unprotect")
_CODE_VERBS = ("edit", "top", "up", "exit", "quit", "run", "wildcard")
_LEX = re.compile(r'"[^"]*"?|[{};|]|[^\s{};|"]+')
_ANNOTATION = re.compile(r"/\*.*?\*/")
_TAGS = {"inactive:": "deactivate", "delete:": "delete"}
_TAG_WORDS = frozenset({*_TAGS, "replace:", "protect:"})
_CFG_TOP = State("cfg")


def _lex(line: str) -> list[str]:
    return [t if t.startswith('"') else t.lower() for t in _LEX.findall(line)]


class JunosDialect(Dialect):
    name = "junos"
    exec_ctx = "op"
    start = frozenset({State("op"), State("cfg")})
    writers = ("save", "tee")

    def __init__(self) -> None:
        super().__init__(Grammar.compile(JUNOS))
        root = self.grammar.roots["cfg"]
        self._verbs = tuple(dict.fromkeys((*_PATH_VERBS, *_CODE_VERBS, *root.lits)))

    def statements(self, text: str) -> list[Statement]:
        out: list[Statement] = []
        stack: list[list[str]] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = _ANNOTATION.sub(" ", clean(raw)).strip()
            if not line or line.startswith("#"):
                continue
            toks = _lex(line)
            if not stack and "{" not in toks and "}" not in toks:
                out.append(self._cli_line(number, line, toks))
                continue
            words: list[str] = []
            for tok in toks:
                if tok == "{":
                    stack.append(words)
                    self._emit(out, number, line, stack, [])
                    words = []
                elif tok in (";", "}"):
                    if words:
                        self._emit(out, number, line, stack, words)
                    words = []
                    if tok == "}" and stack:
                        stack.pop()
                elif tok != "|":
                    words.append(tok)
            if words:  # a statement without its ';' still counts (and at depth 0 it is a CLI line)
                if stack:
                    self._emit(out, number, line, stack, words)
                else:
                    out.append(self._cli_line(number, line, words))
        return out

    def _cli_line(self, number: int, line: str, toks: list[str]) -> Statement:
        pieces: list[tuple[str, ...]] = []
        current: list[str] = []
        for tok in toks:
            if tok == ";":
                pieces.append(tuple(current))
                current = []
            else:
                current.append(tok)
        pieces.append(tuple(current))
        words = [w for w in (tuple(t for t in p if t != "|") for p in pieces) if w]
        stmt = Statement(number, line, [words])
        if "|" in toks:
            left = toks[:toks.index("|")]
            if left:
                stmt.readings.append([tuple(left)])
            rest = " ".join(toks[toks.index("|") + 1:])
            stmt.filters.extend(tuple(f.split()) for f in rest.split("|"))
        return stmt

    @staticmethod
    def _emit(out: list[Statement], number: int, line: str, stack: list[list[str]], leaf: list[str]) -> None:
        """A brace statement (``leaf``), or a level just opened (no leaf), as a path judged at the top."""
        path = [w for level in stack for w in level if w not in _TAG_WORDS]
        last = leaf or (stack[-1] if stack else [])
        if last and last[0] in _TAGS:
            words = path if not leaf else [*path, *(w for w in leaf if w not in _TAG_WORDS)]
            out.append(Statement(number, line, [[(_TAGS[last[0]], *words)]], fixed=_CFG_TOP))
        if leaf:
            words = [*path, *(w for w in leaf if w not in _TAG_WORDS)]
            # Also the words alone: a command caught inside an unclosed brace is still judged.
            out.append(Statement(number, line, [[("set", *words)], [tuple(leaf)]], fixed=_CFG_TOP))

    def interpret(self, toks: tuple[str, ...], st: State, depth: int = 0) -> list[Outcome]:
        if st.ctx == "op":
            return self.grammar_outcomes("op", toks, st)
        outs: list[Outcome] = []
        subject = tuple(st.subject.split())
        head, rest = toks[0], toks[1:]
        verbs = (head,) if head in self._verbs else tuple(v for v in self._verbs if v.startswith(head))
        direct = False
        for verb in verbs:
            if verb in _PATH_VERBS:
                full = (verb, *subject, *rest)
                outs.extend(self.grammar_outcomes("cfg", full, st))
                if len(full) > 3 and (full[1] == "logical-systems" or (len(full[1]) >= 3
                                                                       and "groups".startswith(full[1]))):
                    outs.extend(self.grammar_outcomes("cfg", (verb, *full[3:]), st, judge_only=True))
            elif verb in _CODE_VERBS:
                if depth < 4:
                    outs.extend(self._navigate(verb, rest, st, subject, depth))
            else:
                direct = True
        if direct:
            outs.extend(self.grammar_outcomes("cfg", toks, st))
        return self.also_exec(outs, toks, st)

    def _navigate(self, verb: str, rest: tuple[str, ...], st: State, subject: tuple[str, ...],
                  depth: int) -> list[Outcome]:
        moved = "moves within the configuration hierarchy"
        shorter = [st._replace(subject=" ".join(subject[:n])) for n in range(len(subject))]
        if verb == "edit":
            return [Outcome(Verdict.READ_ONLY, moved, st._replace(subject=" ".join((*subject, *rest))))]
        if verb == "top":
            if not rest:
                return [Outcome(Verdict.READ_ONLY, moved, st._replace(subject=""))]
            inner = self.interpret(rest, st._replace(subject=""), depth + 1)
            return [Outcome(o.verdict, o.reason, st, o.down, o.commit) for o in inner]
        if verb == "up":
            if rest and rest[0].isdigit():
                rest = rest[1:]
            if not rest:
                return [Outcome(Verdict.READ_ONLY, moved, s) for s in shorter or [st]]
            return [Outcome(o.verdict, o.reason, st, o.down, o.commit)
                    for s in shorter or [st] for o in self.interpret(rest, s, depth + 1)]
        if verb == "run":
            inner = self.grammar_outcomes("op", rest, State("op"), judge_only=True) if rest else []
            return [Outcome(o.verdict, o.reason, st, o.down, o.commit) for o in inner]
        if verb == "wildcard":
            if len(rest) > 1 and "range".startswith(rest[0]):
                inner = self.interpret(rest[1:], st, depth + 1)
                return [Outcome(o.verdict, o.reason, st, o.down, o.commit) for o in inner]
            return self.grammar_outcomes("cfg", ("wildcard", *rest), st)
        # exit / quit
        if (rest and "configuration-mode".startswith(rest[0])) or not subject:
            return [Outcome(Verdict.READ_ONLY, "leaves configuration mode", State("op"))]
        return [Outcome(Verdict.READ_ONLY, moved, s) for s in shorter]
