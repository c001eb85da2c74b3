"""Which process emits each message.

Plain facts in (the gathered log-setup facts, the call graph, the option table), message
annotations and a `processes` section out; no I/O.

- processes: `main` starts one; a function that forks and then opens syslog starts another
  (the child). In such a start function, code before the fork and in the branch where the
  fork's result is non-zero runs in the parent; the rest in the child. A function runs in
  every process from whose start it is reachable without entering another child's side.
- facilities (facilities.py): each process's openlog facility expression, evaluated.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.facilities import Assignment, option_assignments
from srcscan.analyze.facilityflow import assigning_functions, opening_functions, read_logging
from srcscan.analyze.forkside import Process, sides
from srcscan.analyze.guardfilter import GuardFilter, option_name, with_atoms
from srcscan.analyze.idents import Idents, Pattern, all_forms, has_hole, hole_names, pattern_text
from srcscan.analyze.optiontypes import Option
from srcscan.analyze.procstate import ProcessState
from srcscan.analyze.procvars import process_values, runs_in, runs_with
from srcscan.analyze.syslogfacts import Facts, OpenlogSite
from srcscan.cexpr import CExpr
from srcscan.errors import InputError
from srcscan.rules import LoggingRules as Logging, Rules
from srcscan.analyze.optionindex import option_index
from srcscan.analyze.optiontests import guard_requirement, option_test as test_formula
from srcscan.analyze.settings import Settings
from srcscan.requirement import Requirement


# ---------------------------------------------------------------------------- processes

def find_processes(graph: CallGraph, facts: Facts, names: dict[str, str],
                   idents: Idents, children: Iterable[tuple[str, str]] = ()) -> list[tuple[Process, list[Pattern]]]:
    """Processes with the ident patterns they open syslog with (the entry point first).

    `children` are the rules' `[processes] children`, (function name, process name): the first
    fork(2) of each such function (facts.forks) starts a child that opens no syslog connection
    of its own and writes through the one it inherits (dnsmasq's check_dns_listeners forks one
    per TCP connection): it logs with the ident of the processes that run the function. A
    function with no fork in any parsed file starts none. Raises InputError when a declared
    function name matches several functions that fork (static functions of two files)."""
    starts = fork_starts(facts)
    procs = [Process("main", "main", 0, "")] if "main" in graph.graph else []
    values = {}
    for key in sorted(starts):
        values[key] = {var: value for line, var, value in sorted(facts.const_assigns.get(key, ())) if line > starts[key][0]}
    # A process variable tells the children apart: each sets it to its own constant
    # (prog_type = PROG_TYPE_VRRP); a flag they all reset (reload = 0) is not one.
    distinct = {var for var in {v for d in values.values() for v in d}
                if len(starts) > 1 and all(var in d for d in values.values())
                and len({d[var] for d in values.values()}) == len(values)}
    for key in sorted(starts):
        own = tuple(sorted((var, v) for var, v in values[key].items() if var in distinct))
        procs.append(Process(key, key, starts[key][0], starts[key][1], own))
    declared = {}
    for function, name in children:
        forking = sorted(k for k, fn in graph.functions.items() if fn.name == function and facts.forks.get(k) and k not in starts)
        if len(forking) > 1:  # one process, one start: which one the rules mean is not known
            raise InputError(f"rules [processes] children: {function} names several functions that fork ({', '.join(forking)})")
        for key in forking:
            line, var = min(facts.forks[key])
            declared[key] = name
            procs.append(Process(name, key, line, var))
    out = []
    region = regions(graph, procs)  # names do not depend on the options given
    for p in procs:
        patterns = sorted({q for s in process_sites(p, procs, region, facts) for q in idents.patterns(s.ident, s.function)},
                          key=lambda q: (len(q), pattern_text(q)))
        out.append((p, patterns))
    for i, (p, patterns) in enumerate(out):
        if p.start in declared and not patterns:  # the ident of the processes running its start
            out[i] = (p, sorted({q for o, own in out if o is not p and p.start in region[o.name] for q in own},
                                key=lambda q: (len(q), pattern_text(q))))
    main_idents = all_forms(out[0][1]) if out and out[0][0].start == "main" else []
    named = []
    for p, patterns in out:
        plain = [f for f in all_forms(patterns) if not has_hole(f)]
        if p.start in declared:
            name = declared[p.start]
        elif p.start == "main":
            name = "parent" if len(out) > 1 else (_clean(plain[0]) if plain else "main")
        else:
            name = _child_name(plain, main_idents, graph.functions[p.start].name if p.start in graph.functions else p.start)
        named.append((replace(p, name=names.get(name, name)), patterns))
    return named


def fork_starts(facts: Facts) -> dict[str, tuple[int, str]]:
    """Function key -> (line, variable) of the fork after which it opens syslog: the start of a
    child process (find_processes)."""
    starts: dict[str, tuple[int, str]] = {}
    for site in facts.sites:
        before = [(line, var) for line, var in facts.forks.get(site.function, []) if line < site.line]
        if before and site.function != "main":
            starts.setdefault(site.function, max(before))
    return starts


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "main"


def _child_name(idents: list[str], parent_idents: list[str], function: str) -> str:
    if idents:
        ident = idents[0]
        for parent in parent_idents:
            common = 0
            while common < min(len(ident), len(parent)) and ident[common].lower() == parent[common].lower():
                common += 1
            if common >= 3:
                ident = ident[common:]
                break
        return _clean(ident)
    return _clean(re.sub(r"^(start_|run_)|(_child|_process|_main)$", "", function))


def other_side(p: Process, procs: list[Process], function: str, line: int, guards: Iterable[Any]) -> bool:
    """True when `line` of `function` runs in a process other than `p`: the function starts a
    child, and the line is on the parent's side of its fork while `p` is the child, or on the
    child's side while `p` is not."""
    owner = next((q for q in procs if q.start == function and q.start != "main"), None)
    return owner is not None and ("child" if owner is p else "parent") not in sides(owner, line, guards)


def process_sites(p: Process, procs: list[Process], region: dict[str, set[str]], facts: Facts) -> list[OpenlogSite]:
    """The openlog sites process `p` runs."""
    own = []
    for s in facts.sites:
        if s.function in region[p.name] and not other_side(p, procs, s.function, s.line, ()):
            own.append(s)
    return own


def regions(graph: CallGraph, procs: list[Process], edge_ok: Any = None, option_test: Any = None,
            state: ProcessState | None = None, which: set[str] | None = None,
            called_only: bool = False) -> dict[str, "Region"]:
    """Functions each process runs.

    Calls under a guard that the options in force do not satisfy are left out (keepalived's
    parent runs the children's code only under -t, to test the configuration).
    Calls through a struct field are left out where the function was handed over: a scheduler
    shared by every process calls `thread->func`, resolved to every function stored in any
    `func` field, which would put all of them in every process; where a callback is handed
    over (registered) counts instead. A function only a table holds runs where the calls
    through its field run (CallGraph.running_calls). With `called_only`, a callback stored in
    a field is followed only when some call through that field can run it (a mode's run,
    keepalived's -t, queues health checks it never starts)."""
    out = {}
    allowed: dict[int, bool] = {}  # id(edge data) -> edge_ok, the same for every process
    tests: dict[str, Any] = {}
    adjacency = graph.running_calls()
    starts: dict[str, Process] = {}  # functions that fork a child
    for q in procs:
        if q.start != "main":
            starts.setdefault(q.start, q)
    through = graph.called_through() if called_only else frozenset()
    for p in procs:
        if which is not None and p.name not in which:
            continue  # (only these processes' regions are asked for)
        values = process_values(p, tuple(procs))
        seen = Region({p.start})
        todo = [p.start]
        while todo:
            key = todo.pop()
            owner = starts.get(key)
            for callee, data in adjacency.get(key, ()):
                if callee in seen:
                    continue
                if called_only and data["kind"] == "stored" and not any((callee, f) in through for f in data["fields"]):
                    continue  # queued where no call through its field runs it
                if edge_ok is not None:
                    ok = allowed.get(id(data))
                    if ok is None:
                        ok = allowed[id(data)] = edge_ok(key, data)
                    if not ok:
                        continue
                if data["guards"]:
                    if option_test and key not in tests:
                        tests[key] = option_test(graph.functions.get(key))
                    if not runs_with(values, data["guards"], tests.get(key)):
                        continue
                if owner is not None and ("child" if owner is p else "parent") not in sides(owner, data["line"], data["guards"]):
                    continue  # the other side of this function's fork
                if state is not None and not state.edge_ok(p.name, key, callee, data):
                    continue  # constant-false in this process (procstate.py)
                seen.add(callee)
                seen.tree[callee] = (key, data)
                todo.append(callee)
        out[p.name] = seen
    return out


class Region(set):
    """The functions a process runs (a set of call-graph keys), with `tree`: for each but the
    start, the caller and the edge through which the walk first reached it."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.tree: dict[str, tuple[str, dict]] = {}


def message_processes(line: int, fn_key: str, procs: list[Process], region: dict[str, set[str]],
                      guards: Iterable[Any], option_test: Any = None,
                      state: ProcessState | None = None) -> tuple[str, ...]:
    """Processes whose region holds the function and in which the call at `line` under
    `guards` can run (not on the other side of a fork, not constant-false there, not past a
    read through a pointer NULL there)."""
    guards = tuple(guards)
    return tuple(p.name for p in procs if fn_key in region[p.name] and runs_in(p, procs, guards, option_test)
                 and not other_side(p, procs, fn_key, line, guards)
                 and not (state is not None and (guards and state.guards_false(p.name, guards, function=fn_key)
                                                 or state.never_past(p.name, fn_key, {"line": line, "guards": guards}))))


# ---------------------------------------------------------------------------- facilities

@dataclass
class Model:
    procs: list[Process]
    idents: dict[str, list[Pattern]]  # process name -> its ident patterns
    region: dict[str, set[str]]
    sites: dict[str, list[OpenlogSite]]  # process name -> the openlog sites it runs
    facts: Facts
    assignments: list[Assignment]
    logging: Logging
    option_names: frozenset[str]
    graph: CallGraph
    guard_filter: GuardFilter
    settings: Any
    regions_with: dict[Any, dict[str, set[str]]]  # regions under the settings plus a message's options
    state: ProcessState | None = None  # each process's constant state (procstate.py)
    unpruned: dict[str, set[str]] | None = None  # the regions under the settings, without it
    everywhere: dict[str, set[str]] | None = None  # the regions under any options, without state
    views: dict[str, tuple[dict[str, set[str]], ProcessState]] = field(default_factory=dict)  # by mode
    mode_states: dict[tuple, ProcessState] = field(default_factory=dict)  # by the regions in force (_state_in_force)
    child_never: dict[str, frozenset[str]] = field(default_factory=dict)  # child -> modes that never start it
    more_options: dict[tuple, "Region"] = field(default_factory=dict)  # childoptions' walks, by (process, levels, closed)
    setters: frozenset[str] = frozenset()  # functions setting the facility up (facilityflow.read_logging)

    @functools.cached_property
    def by_option(self) -> dict[str, list[Assignment]]:
        grouped: dict[str, list[Assignment]] = defaultdict(list)
        for a in self.assignments:
            grouped[a.option].append(a)
        return grouped

    def regions_anywhere(self) -> dict[str, set[str]]:
        if None not in self.regions_with:
            self.regions_with[None] = regions(self.graph, self.procs, state=self.state)
        return self.regions_with[None]

    @functools.cached_property
    def modes(self) -> tuple[str, ...]:
        """Options not in force that some call reached from a process start needs (keepalived's
        -t, under which the parent runs the children's configuration code): each is a way of
        running the program whose processes run other code (`mode_view`)."""
        anywhere = self.regions_anywhere()
        entry = set().union(*(anywhere[p.name] for p in self.procs if p.start == "main"))
        given = set(self.settings.levels) | self.guard_filter.free  # (keywords: any setting, GuardFilter)
        found: set[str] = set()
        seen: set[int] = set()
        for caller, _, data in self.graph.graph.edges(data=True):
            fn = self.graph.functions.get(caller)
            if not data["guards"] or caller not in entry or fn is None:
                continue
            for guard in data["guards"]:
                requirement = guard_requirement(guard, self.guard_filter.index, fn)
                if requirement.is_true or id(requirement) in seen:
                    continue
                seen.add(id(requirement))
                for alternative in requirement.alternatives():
                    found.update(a for a in alternative if not a.startswith("!") and option_name(a) not in given)
        return tuple(sorted(found))

    def mode_view(self, mode: str) -> tuple[dict[str, set[str]], ProcessState]:
        """(regions, constant state) when the program runs with `mode` on top of the settings."""
        if mode not in self.views:
            # Only the entry point: srcscan cannot yet tell whether a mode ends the program
            # before it forks (keepalived's -t exits in config_test_exit(), a function whose
            # switch exits in every case), so a child's region under a mode is not trusted.
            entry = {p.name for p in self.procs if p.start == "main"}
            settings = with_atoms(self.settings, [mode])
            edge_ok, option_test = self.guard_filter.edge_ok(settings), self.guard_filter.option_test(settings)
            unpruned = {**(self.unpruned or {}), **regions(self.graph, self.procs, edge_ok, option_test, which=entry,
                                                           called_only=True)}
            state = self._state_in_force(unpruned)
            region = regions(self.graph, self.procs, edge_ok, option_test, state, which=entry, called_only=True)
            self.views[mode] = ({p.name: region.get(p.name, set()) for p in self.procs}, state)
        return self.views[mode]

    def _state_in_force(self, in_force: dict[str, set[str]]) -> ProcessState | None:
        """The constant state with `in_force` regions, one per distinct regions: a state is a
        function of its regions (with_in_force), and lighttpd 1.4.85's 166 modes have only 54
        distinct ones; each new state works out its edges again (most of a mode's cost)."""
        if self.state is None:
            return None
        key = tuple(sorted((name, frozenset(region)) for name, region in in_force.items()))
        state = self.mode_states.get(key)
        if state is None:
            state = self.mode_states[key] = self.state.with_in_force(in_force)
        return state

    def processes_of(self, line: int, key: str, guards: tuple, requires: tuple[tuple[str, ...], ...]
                     ) -> tuple[tuple[str, ...], dict[str, str], dict[str, set[str]]]:
        """(processes that can run the call at `line` of function `key` under `guards`, the
        processes among them that run it only in one of the modes: process -> that option,
        and for each process the region it was found in). A mode the call's requirement rules
        out (`!-t`) is not tried, nor any once the entry's processes, the only ones a mode's
        view holds (mode_view), all run the call."""
        region = self.region_for(requires)
        where = {q: region[q] for q in message_processes(line, key, self.procs, region, guards, state=self.state)}
        first, only, entry = requires[0] if requires else (), {}, {p.name for p in self.procs if p.start == "main"}
        ruled_out = {option_name(a[1:]) for a in first if a.startswith("!")}
        for mode in self.modes:
            if entry <= where.keys() or self.everywhere is not None and not any(key in self.everywhere[q] for q in entry):
                break  # (a mode's walk from the entry stays within `everywhere`)
            if option_name(mode) in ruled_out or mode in first:
                continue
            view, state = self.mode_view(mode)
            for q in message_processes(line, key, self.procs, view, guards, state=state):
                if q not in where:
                    only[q], where[q] = mode, view[q]
        order = [p.name for p in self.procs]
        return tuple(sorted(where, key=order.index)), only, where

    def region_for(self, requires: tuple[tuple[str, ...], ...]) -> dict[str, set[str]]:
        """Regions under the settings plus the options a message needs (its first alternative):
        a -D dump runs where -D takes the program, not where -t would."""
        atoms = [a for a in (requires[0] if requires else ()) if not a.startswith("!") and option_name(a) not in self.guard_filter.free]
        if not atoms:
            return self.region
        key = tuple(sorted(atoms))
        if key not in self.regions_with:
            settings = with_atoms(self.settings, atoms)
            self.regions_with[key] = regions(self.graph, self.procs, self.guard_filter.edge_ok(settings),
                                             self.guard_filter.option_test(settings), self.state)
        return self.regions_with[key]


def inherited_regions(graph: CallGraph, procs: list[Process], everywhere: dict[str, set[str]],
                      guard_filter: GuardFilter, settings: Any,
                      out_never: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    """Child process name -> the functions of the entry process whose writes the child can inherit:
    the entry's region without the calls that need an option under which the entry never starts
    that child (keepalived's -t run, `if (__test_bit(CONFIG_TEST_BIT, &debug)) { validate_config();
    config_test_exit(); }`, sets vrrp_data in start_vrrp() and exits before any fork: no child has
    vrrp_data from it). Such an option is one some call from the entry needs (Model.modes) under
    which the child's start function is out of the entry's region; `out_never` receives, per
    child, those options (the modes under which the entry never starts it)."""
    main = next((p for p in procs if p.start == "main"), None)
    if main is None or all(p is main for p in procs):  # no child (lighttpd): no mode's walk needed
        return {}
    entry, given = everywhere[main.name], set(settings.levels) | guard_filter.free
    candidates: set[str] = set()
    for caller, _, data in graph.graph.edges(data=True):
        fn = graph.functions.get(caller)
        if not data["guards"] or caller not in entry or fn is None:
            continue
        for guard in data["guards"]:
            for alternative in guard_requirement(guard, guard_filter.index, fn).alternatives():
                candidates.update(a for a in alternative if not a.startswith("!") and option_name(a) not in given)
    modes: dict[str, set[str]] = {}  # mode -> the entry's region when it is in force
    for mode in sorted(candidates):
        with_mode = with_atoms(settings, [mode])
        modes[mode] = regions(graph, procs, guard_filter.edge_ok(with_mode), guard_filter.option_test(with_mode),
                              which={main.name}, called_only=True)[main.name]
    out: dict[str, set[str]] = {}
    walks: dict[frozenset[str], set[str]] = {}
    for p in procs:
        if p is main:
            continue
        never = frozenset(mode for mode, region in modes.items() if p.start not in region)
        out_never[p.name] = never
        if never not in walks:
            needs = [(mode, Requirement.atom(mode)) for mode in sorted(never)]

            def edge_ok(caller: str, data: dict, needs=needs) -> bool:
                fn = graph.functions.get(caller)
                if fn is None or not needs:
                    return True
                for guard in data["guards"]:
                    found = guard_requirement(guard, guard_filter.index, fn)
                    if any((found & ~atom).is_false for _, atom in needs):
                        return False  # run only in a mode that never starts the child
                return True

            walks[never] = regions(graph, procs, edge_ok, which={main.name})[main.name] if never else entry
        out[p.name] = walks[never]
    return out


def _mode_test(graph: CallGraph, index: Any) -> Callable[[CExpr, str | None, str], bool]:
    """A function (test, call-graph key of the function holding it or None, mode: an option's
    atom name) -> whether the test holds only when the option `mode` is given (its formula,
    analyze.optiontests.option_test with `index`, an optionindex.Index, is false without it):
    keepalived's `__test_bit(CONFIG_TEST_BIT, &debug)` needs -t. False without a function.
    Memoised per expression object. For procstate.ProcessState's `mode_test`."""
    memo: dict[tuple[int, str | None, str], tuple[CExpr, bool]] = {}

    def needs(e: CExpr, function: str | None, mode: str) -> bool:
        hit = memo.get((id(e), function, mode))
        if hit is None or hit[0] is not e:
            fn = graph.functions.get(function) if function is not None else None
            found = test_formula(e, index, fn) if fn is not None else None
            hit = memo[(id(e), function, mode)] = (e, found is not None and (found & ~Requirement.atom(mode)).is_false)
        return hit[1]
    return needs


def build_model(graph: CallGraph, facts: Facts, options: Iterable[Option], rules: Rules,
                settings: Any = None, index: Any = None) -> Model:
    options = list(options)
    settings = settings or Settings()
    guard_filter = GuardFilter(graph, index or option_index(graph, options, rules))
    named = find_processes(graph, facts, dict(rules.processes.names), Idents(facts, graph, hole_names(options, facts, graph)),
                           rules.processes.children)
    procs = [p for p, _ in named]
    everywhere = regions(graph, procs)
    unpruned = regions(graph, procs, guard_filter.edge_ok(settings), guard_filter.option_test(settings))
    never: dict[str, frozenset[str]] = {}
    inherited = inherited_regions(graph, procs, everywhere, guard_filter, settings, never)
    state = ProcessState(graph, facts, procs, everywhere, other_side, unpruned, inherited,
                         guard_filter.index.var_writes, never, _mode_test(graph, guard_filter.index),
                         guard_filter.index.local_lines)
    state.region_of = lambda name: regions(graph, procs, guard_filter.edge_ok(settings), guard_filter.option_test(settings),
                                           state, which={name})[name]  # (ParamValues.field_values)
    region = regions(graph, procs, guard_filter.edge_ok(settings), guard_filter.option_test(settings), state)
    sites = {p.name: process_sites(p, procs, region, facts) for p in procs}
    if not any(sites.values()):  # syslog opened only under an option (lighttpd): where it would be
        sites = {p.name: process_sites(p, procs, everywhere, facts) for p in procs}
    names = frozenset(n for o in options for n in o.names)
    logging, setters = read_logging(rules.logging, facts.sites, guard_filter.index.var_writes, options, guard_filter.index, graph)
    setters |= opening_functions(rules.logging, graph)
    assignments = option_assignments(facts, options)
    if not setters:  # (the option's switch writing the facility variable sets it up: keepalived's -S)
        passed = {s.facility[1] for s in facts.sites if s.facility[0] == "var"}  # what openlog is given
        setters = assigning_functions((a.variable for a in assignments if a.variable in passed),
                                      guard_filter.index.var_writes, graph)
    return Model(procs, {p.name: i for p, i in named}, region, sites, facts,
                 assignments, logging, names, graph, guard_filter, settings, {},
                 state, unpruned, everywhere, child_never=never, setters=setters)
