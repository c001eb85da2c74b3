"""The options that choose the syslog facility, read from the code when the rules' `[logging]`
section names none (facility_option, facility_with).

The facility openlog() is given is a file-scope variable; the writes to it say which options
choose it (dnsmasq 2.90's log.c, log_start):

    static int log_fac = LOG_DAEMON;
    if (daemon->log_fac != -1) log_fac = daemon->log_fac;   /* --log-facility's value */
    else if (option_bool(OPT_DEBUG)) log_fac = LOG_LOCAL0;   /* -d when none is given */
    openlog("dnsmasq", LOG_PID, log_fac);

- a copy of a field that an option stores in makes that option the one naming the facility
  (`facility_option`: its value is the facility's name, `--log-facility=local5`);
- a syslog facility code (<syslog.h>: LOG_LOCAL0 is 16 << 3) written under the test of one
  option gives that facility with the option (`facility_with`), when the facility option is
  not given: the write sits in the branch where the copied field's test failed, or there is
  no facility option.
Plain data in (extract.writes' records, the option index); no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optionindex import Index
from srcscan.analyze.optiontests import guard_requirement
from srcscan.analyze.optiontypes import Option
from srcscan.analyze.optionvalues import target_of, value_options
from srcscan.analyze.syslogfacts import FACILITY_NAMES, OpenlogSite
from srcscan.cexpr import Member, evaluate, walk
from srcscan.model import Write
from srcscan.requirement import Requirement
from srcscan.rules import LoggingRules


def opening_functions(logging: LoggingRules, graph: CallGraph) -> frozenset[str]:
    """The call-graph keys of the functions the rules say open the log destination
    (`[logging] opened_by`: lighttpd's config_log_error_open()); what the daemon writes before
    calling one is written to `before_open` (setuporder)."""
    names = frozenset(logging.opened_by)
    return frozenset(k for k, f in graph.functions.items() if f.name in names) if names else frozenset()


def read_logging(logging: LoggingRules, sites: Iterable[OpenlogSite], writes: Iterable[Write],
                 options: Iterable[Option], index: Index, graph: CallGraph) -> tuple[LoggingRules, frozenset[str]]:
    """(`logging` with facility_option and facility_with read from the writes to the variables
    the openlog `sites` pass as facility (see the module's docstring), the call-graph keys of
    the functions whose writes they were read from: dnsmasq's log_start). The rules' own values
    and no functions when the rules give either. What the daemon writes before it calls one of
    those functions is written with the variable's first value (setuporder). Option names: the
    facility option by its first long name (what a user writes, `--log-facility`), the others by
    their first name (as requirements name them)."""
    if logging.facility_option or logging.facility_with:
        return logging, frozenset()
    setters: set[str] = set()
    variables = {s.facility[1] for s in sites if s.facility[0] == "var"}
    ours = [w for w in writes if not w.local and w.op == "=" and w.value is not None and w.target in variables]
    by_name = {o.name: o for o in options}
    named: list[tuple[Option, str]] = []  # (option, the field it stores that becomes the facility)
    for w in ours:
        fn = graph.functions.get(graph.key_for(w.function, w.file) or "")
        target = target_of(w.value)
        if fn is None or target is None or target.kind != "field":
            continue
        for name in value_options(target, index, fn, by_default=False):
            if name in by_name:
                named.append((by_name[name], target.name))
                setters.add(fn.key)
    facility_option = named[0][0] if named else None
    fields = {f for _, f in named}
    with_option: dict[str, str] = {}
    for w in ours:
        code = evaluate(w.value)
        fn = graph.functions.get(graph.key_for(w.function, w.file) or "")
        if fn is None or code not in FACILITY_NAMES or not w.guards:
            continue
        if fields and not any(g.negated and g.expr is not None and _reads_field(g.expr, fields) for g in w.guards):
            continue  # not where the facility option's value was found missing
        need = Requirement.all_of(guard_requirement(g, index, fn) for g in w.guards).alternatives()
        for alternative in need:
            given = [a for a in alternative if not a.startswith("!")]
            others = [a[1:] for a in alternative if a.startswith("!")]
            if len(given) == 1 and given[0] in by_name and all(
                    facility_option is not None and a in facility_option.names for a in others):
                with_option[given[0]] = FACILITY_NAMES[code]
                setters.add(fn.key)
    if facility_option is None and not with_option:
        return logging, frozenset()
    long_names = [n for n in facility_option.names if n.startswith("--")] if facility_option else []
    return replace(logging, facility_option=(long_names or [facility_option.name])[0] if facility_option else "",
                   facility_with=tuple(sorted(with_option.items()))), frozenset(setters)


def assigning_functions(variables: Iterable[str], writes: Iterable[Write], graph: CallGraph) -> frozenset[str]:
    """The call-graph keys of the functions that write one of `variables` (file-scope variables
    an option's effect assigns and an openlog site passes as facility: keepalived's
    `log_facility = LOG_FACILITY[facility].facility` for -S in parse_cmdline()) under a test:
    the set-up of the facility when neither the rules nor read_logging name one. What the
    daemon writes before calling one goes out with the variable's first value (setuporder)."""
    wanted = frozenset(variables)
    keys = {graph.key_for(w.function, w.file) for w in writes
            if not w.local and w.op == "=" and w.target in wanted and w.guarded}
    return frozenset(k for k in keys if k is not None and k in graph.functions)


def _reads_field(e, fields: set[str]) -> bool:
    return any(isinstance(x, Member) and x.field in fields for x in walk(e))
