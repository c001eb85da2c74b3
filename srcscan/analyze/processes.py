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
from dataclasses import dataclass, replace
from typing import Any, Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.facilities import (Assignment, Priorities, facility_changes, facility_expressions,
                                        message_facility, option_assignments, process_facilities)
from srcscan.analyze.idents import Idents, Pattern, all_forms, has_hole, hole_names, pattern_text, pattern_texts
from srcscan.analyze.logfuncs import log_function_of
from srcscan.analyze.options import Option
from srcscan.analyze.procstate import ProcessState
from srcscan.analyze.syslogfacts import UNKNOWN, Facts, OpenlogSite, gather
from srcscan.catalog import Message
from srcscan.extract.calls import integer_value
from srcscan.extract.walk import strip
from srcscan.rules import LoggingRules as Logging, Rules


@dataclass(frozen=True)
class Process:
    name: str
    start: str  # call-graph key of the start function
    fork_line: int  # 0 for the entry point
    fork_var: str  # variable holding fork()'s result in the start function
    values: tuple[tuple[str, int], ...] = ()  # constants the child gives globals after the fork



# ---------------------------------------------------------------------------- processes

def find_processes(graph: CallGraph, facts: Facts, names: dict[str, str],
                   idents: Idents) -> list[tuple[Process, list[Pattern]]]:
    """Processes with the ident patterns they open syslog with (the entry point first)."""
    starts: dict[str, tuple[int, str]] = {}
    for site in facts.sites:
        if site.function == "main":
            continue
        before = [(line, var) for line, var in facts.forks.get(site.function, []) if line < site.line]
        if before:
            starts.setdefault(site.function, max(before))
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
    out = []
    region = regions(graph, procs)  # names do not depend on the options given
    for p in procs:
        patterns = sorted({q for s in process_sites(p, procs, region, facts) for q in idents.patterns(s.ident, s.function)},
                          key=lambda q: (len(q), pattern_text(q)))
        out.append((p, patterns))
    main_idents = all_forms(out[0][1]) if out and out[0][0].start == "main" else []
    named = []
    for p, patterns in out:
        plain = [f for f in all_forms(patterns) if not has_hole(f)]
        if p.start == "main":
            name = "parent" if len(out) > 1 else (_clean(plain[0]) if plain else "main")
        else:
            name = _child_name(plain, main_idents, graph.functions[p.start].name if p.start in graph.functions else p.start)
        named.append((replace(p, name=names.get(name, name)), patterns))
    return named


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


def _parent_branch(guards: Iterable[Any], var: str) -> bool:
    """True where a guard says the fork's result is non-zero (the parent), or negative (failed)."""
    if not var:
        return False
    bare = re.escape(var)
    nonzero = [rf"^{bare}$", rf"^{bare}\s*(>|<|!=)\s*0$", rf"^{bare}\s*==\s*-1$", rf"^{bare}\s*<=\s*-1$"]
    zero = [rf"^!\s*\(?{bare}\)?$", rf"^{bare}\s*==\s*0$"]
    for g in guards:
        text = re.sub(r"^\((.*)\)$", r"\1", g.text.strip())
        if g.kind in ("case", "default", "loop"):
            continue
        forms = zero if g.negated else nonzero
        if any(re.match(f, text) for f in forms):
            return True
    return False


def _on_child_side(p: Process, line: int, guards: Iterable[Any]) -> bool:
    if p.start == "main":
        return True
    return line > p.fork_line and not _parent_branch(guards, p.fork_var)


def _other_side(p: Process, procs: list[Process], function: str, line: int, guards: Iterable[Any]) -> bool:
    """True when `line` of `function` runs in a process other than `p`: the function starts a
    child, and the line is on the parent's side of its fork while `p` is the child, or on the
    child's side while `p` is not."""
    owner = next((q for q in procs if q.start == function and q.start != "main"), None)
    return owner is not None and _on_child_side(owner, line, guards) != (owner is p)


def process_sites(p: Process, procs: list[Process], region: dict[str, set[str]], facts: Facts) -> list[OpenlogSite]:
    """The openlog sites process `p` runs."""
    own = []
    for s in facts.sites:
        if s.function in region[p.name] and not _other_side(p, procs, s.function, s.line, ()):
            own.append(s)
    return own


def regions(graph: CallGraph, procs: list[Process], edge_ok: Any = None, option_test: Any = None,
            state: ProcessState | None = None) -> dict[str, set[str]]:
    """Functions each process runs.

    Calls under a guard that the options in force do not satisfy are left out (keepalived's
    parent runs the children's code only under -t, to test the configuration).
    Calls through a struct field are left out: a scheduler shared by every process calls
    `thread->func`, resolved to every function stored in any `func` field, which would put
    all of them in every process. Where a callback is handed over (registered) counts instead."""
    out = {}
    allowed: dict[int, bool] = {}  # id(edge data) -> edge_ok, the same for every process
    tests: dict[str, Any] = {}
    adjacency = graph.direct_calls()
    starts: dict[str, Process] = {}  # functions that fork a child
    for q in procs:
        if q.start != "main":
            starts.setdefault(q.start, q)
    for p in procs:
        values = _process_values(p, tuple(procs))
        seen = {p.start}
        todo = [p.start]
        while todo:
            key = todo.pop()
            owner = starts.get(key)
            for callee, data in adjacency.get(key, ()):
                if callee in seen:
                    continue
                if edge_ok is not None:
                    ok = allowed.get(id(data))
                    if ok is None:
                        ok = allowed[id(data)] = edge_ok(key, data)
                    if not ok:
                        continue
                if data["guards"]:
                    if option_test and key not in tests:
                        tests[key] = option_test(graph.functions.get(key))
                    if not _runs_in(values, data["guards"], tests.get(key)):
                        continue
                if owner is not None and _on_child_side(owner, data["line"], data["guards"]) != (owner is p):
                    continue  # the other side of this function's fork
                if state is not None and not state.edge_ok(p.name, key, callee, data):
                    continue  # constant-false in this process (procstate.py)
                seen.add(callee)
                todo.append(callee)
        out[p.name] = seen
    return out


def runs_in(p: Process, procs: list[Process], guards: Iterable[Any], option_test: Any = None) -> bool:
    """False when a guard tests a process variable for a value process `p` does not have
    (`if (prog_type == PROG_TYPE_VRRP)` in code shared by every process)."""
    return _runs_in(_process_values(p, tuple(procs)), guards, option_test)


def _runs_in(values: tuple, guards: Iterable[Any], option_test: Any = None) -> bool:
    variables, own, others = values
    if not variables:
        return True
    for guard in guards:
        if guard.cond is None or guard.kind in ("case", "default"):
            continue
        value = _process_test(guard.cond, own, others, variables, option_test)
        if value is not None and value == guard.negated:
            return False
    return True


@functools.lru_cache(maxsize=64)
def _process_values(p: Process, procs: tuple[Process, ...]) -> tuple[set[str], dict[str, int], dict[str, set[int]]]:
    variables = {var for q in procs for var, _ in q.values}
    others = {var: {v for q in procs if q is not p for w, v in q.values if w == var} for var in variables}
    return variables, dict(p.values), others


def _process_test(node: Any, own: dict[str, int], others: dict[str, set[int]], variables: set[str],
                  option_test: Any = None) -> bool | None:
    """Three-valued: does the condition hold in the process whose variables are `own`? For the
    parent (which sets none of them) a test for a child's value is false."""
    node = strip(node)
    if node.kind == "PAREN_EXPR" and node.children:
        return _process_test(node.children[0], own, others, variables, option_test)
    if node.kind == "UNARY_OPERATOR" and node.op == "!" and node.children:
        inner = _process_test(node.children[0], own, others, variables, option_test)
        return None if inner is None else not inner
    if node.kind == "BINARY_OPERATOR" and len(node.children) == 2:
        if node.op in ("&&", "||"):
            a, b = (_process_test(c, own, others, variables, option_test) for c in node.children)
            if node.op == "&&":
                return False if a is False or b is False else (True if a and b else None)
            return True if a is True or b is True else (False if a is False and b is False else None)
        if node.op in ("==", "!="):
            left, right = (strip(c) for c in node.children)
            if left.kind != "DECL_REF_EXPR":
                left, right = right, left
            value = integer_value(right)
            if left.kind != "DECL_REF_EXPR" or left.name not in variables or value is None:
                return option_test(node) if option_test else None
            if left.name in own:
                equal = own[left.name] == value
            elif value in others[left.name]:
                equal = False  # a value only children take
            else:
                return None
            return equal if node.op == "==" else not equal
    # `prog_type == PROG_TYPE_VRRP || __test_bit(CONFIG_TEST_BIT, &debug)`: an option test
    # decides the other operand under the options in force.
    return option_test(node) if option_test else None


def message_processes(m: Message, fn_key: str, procs: list[Process], region: dict[str, set[str]],
                      guards: Iterable[Any], option_test: Any = None,
                      state: ProcessState | None = None) -> tuple[str, ...]:
    out = []
    guards = tuple(guards)
    for p in procs:
        if fn_key in region[p.name] and runs_in(p, procs, guards, option_test) \
                and not _other_side(p, procs, fn_key, m.line, guards) \
                and not (state is not None and guards and state.guards_false(p.name, guards)):
            out.append(p.name)
    return tuple(out)


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

    def region_for(self, requires: tuple[tuple[str, ...], ...]) -> dict[str, set[str]]:
        """Regions under the settings plus the options a message needs (its first alternative):
        a -D dump runs where -D takes the program, not where -t would."""
        from srcscan.analyze.settings import Settings

        atoms = [a for a in (requires[0] if requires else ()) if not a.startswith("!")]
        if not atoms:
            return self.region
        key = tuple(sorted(atoms))
        if key not in self.regions_with:
            levels = dict(self.settings.levels)
            for atom in atoms:
                name, _, level = atom.partition(">=")
                name = name.split("==")[0]
                levels[name] = max(levels.get(name, 0), int(level) if level.isdigit() else 1)
            settings = Settings(dict(self.settings.values), levels, self.settings.macros)
            self.regions_with[key] = regions(self.graph, self.procs, self.guard_filter.edge_ok(settings),
                                             self.guard_filter.option_test(settings), self.state)
        return self.regions_with[key]


def build_model(graph: CallGraph, facts: Facts, options: Iterable[Option], rules: Rules,
                settings: Any = None, index: Any = None) -> Model:
    from srcscan.analyze.requirements import option_index
    from srcscan.analyze.settings import Settings

    options = list(options)
    settings = settings or Settings()
    guard_filter = GuardFilter(graph, index or option_index(graph, options, rules))
    named = find_processes(graph, facts, dict(rules.processes.names), Idents(facts, graph, hole_names(options, facts, graph)))
    procs = [p for p, _ in named]
    everywhere = regions(graph, procs)
    unpruned = regions(graph, procs, guard_filter.edge_ok(settings), guard_filter.option_test(settings))
    state = ProcessState(graph, facts, procs, everywhere, _other_side, unpruned)
    region = regions(graph, procs, guard_filter.edge_ok(settings), guard_filter.option_test(settings), state)
    sites = {p.name: process_sites(p, procs, region, facts) for p in procs}
    if not any(sites.values()):  # syslog opened only under an option (lighttpd): where it would be
        sites = {p.name: process_sites(p, procs, everywhere, facts) for p in procs}
    names = frozenset(n for o in options for n in o.names)
    return Model(procs, {p.name: i for p, i in named}, region, sites, facts,
                 option_assignments(facts, options), rules.logging, names, graph, guard_filter, settings, {},
                 state, unpruned)


class GuardFilter:
    """Which calls run under given settings: a call whose guards need options not in force
    does not; nor does one whose test of a process variable fails for the process."""

    def __init__(self, graph: CallGraph, index: Any) -> None:
        self.graph = graph
        self.index = index  # requirements.Index: options by what they write

    def edge_ok(self, settings: Any) -> Any:
        from srcscan.analyze.requirements import guard_requirement
        from srcscan.analyze.settings import levels_of

        levels = levels_of(settings)

        def edge_ok(caller: str, data: dict) -> bool:
            fn = self.graph.functions.get(caller)
            if fn is None:
                return True
            return all(guard_requirement(guard, self.index, fn).holds(levels) for guard in data["guards"])

        return edge_ok

    def option_test(self, settings: Any) -> Any:
        """fn -> condition -> does it hold under the settings (None: not an option test)."""
        from srcscan.analyze.requirements import option_test
        from srcscan.analyze.settings import levels_of
        # Until this module reads Guard.expr: the node of a condition becomes its typed expression here.
        from srcscan.extract.expressions import to_cexpr

        levels = levels_of(settings)

        def for_function(fn: Any) -> Any:
            def test(node: Any) -> bool | None:
                found = option_test(to_cexpr(node), self.index, fn) if fn is not None else None
                return found.holds(levels) if found is not None else None
            return test

        return for_function


# ---------------------------------------------------------------------------- the analysis

def analyze_processes(context) -> tuple[list[Message], dict[str, Any]]:
    from srcscan.analyze.settings import parse_with

    graph = context.graph
    facts = gather(context.scan.all_files, graph)
    settings = parse_with(context.with_options, context.options, context.rules.config.false_values)
    model = build_model(graph, facts, context.options, context.rules, settings, context.index)
    values = dict(settings.values)
    syslog_on = model.logging.destination == "syslog" or settings.levels.get(model.logging.syslog_option, 0) > 0
    facilities = process_facilities(model, values, syslog_on)
    changes = facility_changes(model, values)
    calls_at = {(c.file, c.line, fn.name): (c, fn) for fn in context.functions for c in fn.calls}
    priorities = Priorities(graph, facts)
    by_file = file_processes(graph, model)
    messages, counts, by_file_count = [], defaultdict(int), 0
    for m in context.messages:
        call, fn = calls_at.get((m.file, m.line, m.function), (None, None))
        guards = call.guards if call is not None else ()
        key = (graph.key_for(fn.name, fn.file) if fn else None) or graph.key_for(m.function, m.file) or m.function
        procs = message_processes(m, key, model.procs, model.region_for(m.requires), guards, state=model.state) \
            or message_processes(m, key, model.procs, model.regions_anywhere(), guards, state=model.state)
        other_build: tuple[str, ...] = ()
        if not procs and not any(key in r for r in model.regions_anywhere().values()) \
                and not model.state.never_runs(key):
            procs, where = _other_build_callers(fn or graph.functions.get(key), model)
            if procs:
                other_build = (f"processes: called only where this build's preprocessor skips: {where}",)
            else:
                # Not reached from any process start (called through a pointer the graph could
                # not resolve): the processes that run the rest of its file.
                procs = by_file.get(m.file) or tuple(p.name for p in model.procs)  # (an assert handler: any)
                by_file_count += 1
        pruned = tuple(f"not in process {q}: {why}" for q in _pruned_from(m, key, guards, procs, model) if (
            why := model.state.why_not(q, key, tuple(guards))))
        outcomes = _priority_outcomes(m, call, fn, graph, priorities, context.log_functions)
        facility, with_, why = message_facility(outcomes, procs, facilities, changes, syslog_on)
        for p in procs:
            counts[p] += 1
        messages.append(replace(m, processes=procs, facility=facility, facility_with=with_,
                                derivation=m.derivation + other_build + pruned + why))
    table = []
    for p in model.procs:
        fn = graph.functions.get(p.start)
        table.append({
            "name": p.name,
            "start": fn.name if fn else p.start,
            "file": fn.file if fn else "",
            "fork_line": p.fork_line,
            "idents": all_forms(model.idents[p.name]),
            "ident_patterns": pattern_texts(model.idents[p.name]),
            "facility_expression": facility_expressions(model, p),
            "facility": list(facilities[p.name]),
            "facility_with": {o: c[p.name] for o, c in sorted(changes.items()) if p.name in c},
            "messages": counts[p.name],
        })
    return messages, {"processes": table, "processes_from_file": by_file_count, "logging": {"destination": model.logging.destination,
                                                      "syslog_option": model.logging.syslog_option,
                                                      "facility_option": model.logging.facility_option}}


def _other_build_callers(fn: Any, model: Model) -> tuple[tuple[str, ...], str]:
    """Processes that run the functions whose skipped `#if` branches call `fn` (a helper only a
    feature build calls: `#ifdef WITH_PERF run_perf("vrrp"); #endif` in the VRRP child)."""
    if fn is None or fn.name in model.facts.active_calls:
        return (), ""  # called in this build too, where no parse sees it (a macro here)
    found: list[str] = []
    where = []
    for file, line in sorted(model.facts.skipped_calls.get(fn.name, ())):
        here = [f for f in model.graph.functions.values() if f.file == file and f.line <= line]
        if not here:
            continue
        caller = max(here, key=lambda f: f.line)
        if caller.key == fn.key:
            continue
        for p in model.procs:
            if caller.key in model.region[p.name] and not _other_side(p, model.procs, caller.key, line, ()) \
                    and p.name not in found:
                found.append(p.name)
        where.append(f"{caller.name}() at {file}:{line}")
    order = [p.name for p in model.procs]
    return tuple(sorted(found, key=order.index)), "; ".join(where)


def _pruned_from(m: Message, key: str, guards: Any, procs: tuple[str, ...], model: Model) -> list[str]:
    """Processes that would run the message but for their constant state."""
    if model.state is None or model.unpruned is None:
        return []
    unpruned = message_processes(m, key, model.procs, model.unpruned, guards)
    return [q for q in unpruned if q not in procs]


def _priority_outcomes(m: Message, call: Any, fn: Any, graph: CallGraph, priorities: Priorities,
                       log_functions: dict[str, Any]) -> set:
    """What the message's priority argument makes of its facility (Priorities.of_call)."""
    if call is None or fn is None:
        return set()
    log_fn = log_function_of(log_functions, fn.file, call.callee)
    if log_fn is None or log_fn.priority_arg is None or log_fn.priority_arg >= len(call.args):
        return set()
    value = call.args[log_fn.priority_arg].integer
    target = call.callee if call.callee in ("syslog", "vsyslog") else graph.key_for(call.callee, fn.file)
    return priorities.of_call(target, UNKNOWN if value is None else value) if target else set()


def file_processes(graph: CallGraph, model: Model) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = defaultdict(list)
    for p in model.procs:
        for key in model.region[p.name]:
            fn = graph.functions.get(key)
            if fn is not None and p.name not in out[fn.file]:
                out[fn.file].append(p.name)
    order = [p.name for p in model.procs]
    return {f: tuple(sorted(names, key=order.index)) for f, names in out.items()}

