"""File-scope flags only code under options sets: a test of one needs what those stores need.

dnsmasq's log.c keeps its destination in file statics, zero at start and set by log_start()
only under an option's test:

    static int log_to_file = 0;
    ...
    if (daemon->log_file)            /* --log-facility=FILE */
      {
        log_to_file = 1;
        ...
    if (log_to_file && !log_stderr && ...)

so `log_to_file` holds only after a store that needs --log-facility ran. This module finds such
variables and their stores; callneeds.set_by_code turns the stores into a requirement
(Index.set_by), as it does for the fields of global state (storeindex.state_stores), and
optiontests reads a test of the variable with it.

A variable qualifies when C makes it zero at start (no initializer, or `= 0`), no option sets
it (Index.by_var), and every place the file's text writes it (an assignment, `++`/`--`, its
address taken: the logsetup facts' text_writes) is an assignment srcscan parsed in a function
it knows: anything else may make it non-zero unseen. A flag some function sets on every run of
it that gets that far (keepalived's `children_started = true;` in start_keepalived, after early
returns only) marks a phase of the run, not an option's effect: left out; but not one in a
configuration keyword's handler (keepalived's use_pid_dir_handler(): `if (!strvec) return;
use_pid_dir = true;`), which runs only when the configuration has its keyword (handler_only).
Pure: facts in, stores out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optionvalues import integer_of
from srcscan.model import Guard, Write

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def flag_stores(graph: CallGraph, writes: Iterable[Write], index: Index, zero: frozenset[str],
                assigned: Mapping[str, Mapping[str, Iterable[int]]], handlers: frozenset[str] = frozenset()) \
        -> dict[str, tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """File-scope flag -> the functions storing a constant other than 0 in it, each with the
    store's guards (module docstring), for the variables in `zero` (zero at start) whose every
    write the text shows (`assigned`: file -> name -> lines, Index.assigned) is a parsed plain
    assignment of a constant; a variable some option sets, or set at start before the options
    are read (Index.start_values), is left out. A store on every run of a function of
    `handlers` (handler_only's keys) is no phase of the run."""
    parsed: dict[str, set[tuple[str, int]]] = defaultdict(set)
    stores: dict[str, set[tuple[str, tuple[Guard, ...]]]] = defaultdict(set)
    unknown: set[str] = set()
    for w in writes:
        if w.local or "." in w.target or w.target not in zero:
            continue
        key = graph.key_for(w.function, w.file)
        if w.op != "=" or w.value is None or not key:
            unknown.add(w.target)
            continue
        parsed[w.target].add((w.file, w.line))
        value = integer_of(w.value)
        if value is None:
            unknown.add(w.target)  # a value of the run (a pointer, a count): not a flag
        elif value != 0 and key not in handlers and not any(g.kind not in ("loop", "early-return") for g in w.guards):
            unknown.add(w.target)  # set on every run of its function: a phase of the run (`started = 1`)
        elif value != 0:
            stores[w.target].add((key, w.guards))
    out = {}
    for name, keys in stores.items():
        if name in unknown or name in index.by_var or index.start_values.get(name):
            continue
        written = {(file, line) for file, names in assigned.items() for line in names.get(name, ())}
        if written and written <= parsed[name]:
            out[name] = tuple(sorted(keys, key=lambda k: k[0]))
    return out


def handler_only(graph: CallGraph, handlers: Iterable[str]) -> frozenset[str]:
    """The keys of `handlers` (configuration keywords' handlers: Index.keyword_handlers' keys)
    that run only as a keyword's handler: no function but another of them calls one directly
    (keepalived's old_strict handler calling vrrp_strict_handler() is one of them). A handler
    other code also calls directly may run without its keyword: left out."""
    found = frozenset(handlers)
    return frozenset(k for k in found if k in graph.graph and all(
        caller in found for caller, data in graph.callers(k) if data.get("kind") == "direct"))
