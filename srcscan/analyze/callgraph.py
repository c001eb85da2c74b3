"""The call graph of a whole tree, with the conditions under which each call happens.

Plain facts in (FunctionFacts, FunctionRef), a networkx MultiDiGraph out; no I/O. Nodes
are function keys (`FunctionFacts.key`: the name, or `file:name` for a static function).
Each edge is one way the caller makes the callee run, with attributes:

  kind    "direct" (a call by name), "pointer" (a call through a struct field or
          variable, resolved to the functions stored there) or "registered" (the caller
          hands the callee's address to another function, e.g. a scheduler, that will
          call it later: the callee runs if and where the registration runs); "stored"
          when that function keeps the address in a struct field: when the callee runs
          is then decided where the field is called (the "pointer" edges), and in which
          process by where it was handed over (this edge)
  guards  the Guards enclosing the call or registration in the caller
  line    line of the call or registration
  via     the field, variable or registering function that carries a pointer ("" for direct)
  resolution  on "pointer" edges resolved by value flow: where the function was stored and
          which object reached the call (valueflow.py); such an edge starts at the function
          that passed the object, at its call, when the call is through a parameter's field
  fields  on "stored" edges: the struct fields the registering function stores the callee in;
          store_guards: the guards on the way to that store; flags: (field, Arg) the same
          registration stores beside it (an "active" flag)
  registration  on "registered" and "stored" edges: the SiteKey of the registering call
          (FunctionRef.call), to find that call among the caller's CallSites

Only functions defined in the tree are nodes; calls to libc and other outside code are
left out, since they cannot log through the project's functions.
"""

from __future__ import annotations

import bisect
import fnmatch
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import networkx as nx

from srcscan.analyze.valueflow import ValueFlow, resolve_field_call, returned_variables
from srcscan.model import CallSite, FunctionFacts, FunctionRef

ENTRY_POINT = "main"


@dataclass(frozen=True)
class CallGraph:
    graph: nx.MultiDiGraph
    functions: "Functions"  # by key
    entry_points: tuple[str, ...]  # main, then functions nothing in the tree is seen to run
    table_fields: frozenset[str] = frozenset()  # fields only file-scope initializers store functions in
    named: frozenset[str] = frozenset()  # keys of functions whose address is taken somewhere
    _direct: Any = field(default=None, repr=False, compare=False)  # direct_calls(), once built
    _running: Any = field(default=None, repr=False, compare=False)  # running_calls(), once built
    _through: Any = field(default=None, repr=False, compare=False)  # called_through(), once built

    def key_for(self, name: str, file: str) -> str | None:
        """The key a name used in `file` refers to: its own static function first."""
        return _resolve(self.functions, name, file)

    def direct_calls(self) -> dict[str, tuple[tuple[str, dict], ...]]:
        """(callee, edge data) of every edge but calls through pointers, by caller; built once
        (networkx's edge views cost more than the walks over them)."""
        if self._direct is None:
            direct: dict[str, list[tuple[str, dict]]] = {}
            for caller, callee, data in self.graph.edges(data=True):
                if data["kind"] != "pointer":
                    direct.setdefault(caller, []).append((callee, data))
            object.__setattr__(self, "_direct", {k: tuple(v) for k, v in direct.items()})
        return self._direct

    def running_calls(self) -> dict[str, tuple[tuple[str, dict], ...]]:
        """direct_calls(), plus the calls through pointers to functions that no registration
        hands over (no "registered" or "stored" edge), when the call was resolved by value flow
        or its field is one only file-scope tables fill and the call passes as many arguments
        as the function takes: a function found only in a table
        (`static const checker_funcs_t http_checker_funcs = { ..., dump_http_check, ... }`)
        runs where a call through its field runs. (A field name that registrations fill too,
        keepalived's `handler` of keywords and of the VRRP state table, says nothing of which
        function a call through it reaches.) Built once."""
        if self._running is None:
            handed = {callee for _, callee, data in self.graph.edges(data=True) if data["kind"] in ("registered", "stored")}
            running = {k: list(v) for k, v in self.direct_calls().items()}
            for caller, callee, data in self.graph.edges(data=True):
                if data["kind"] == "pointer" and callee not in handed and \
                        (data.get("resolution") or data["via"] in self.table_fields and self._fits(callee, data)):
                    running.setdefault(caller, []).append((callee, data))
            object.__setattr__(self, "_running", {k: tuple(v) for k, v in running.items()})
        return self._running

    def called_through(self) -> frozenset[tuple[str, str]]:
        """(function, field) of every call through a pointer the graph resolved to that
        function by that field; built once (the process analysis asks for every region)."""
        if self._through is None:
            object.__setattr__(self, "_through", frozenset(
                (callee, data["via"]) for _, callee, data in self.graph.edges(data=True) if data["kind"] == "pointer"))
        return self._through

    def _fits(self, callee: str, data: dict) -> bool:
        """A call by a field's name can reach `callee` only with as many arguments as it takes
        (keepalived 1.1.19's VRRP_FSM[].read(vrrp, buf, len) is not SMTP_FSM[].read(thread, n))."""
        fn, call = self.functions.get(callee), data.get("call")
        return fn is None or call is None or fn.variadic or len(call.args) == len(fn.params)

    def callers(self, key: str) -> Iterator[tuple[str, dict]]:
        for caller, _, data in self.graph.in_edges(key, data=True):
            yield caller, data

    def reachable(self, starts: Iterable[str], stop: frozenset[str] = frozenset(),
                  kinds: frozenset[str] | None = None) -> set[str]:
        """Functions reachable from `starts` without entering a function of `stop`, by edges of
        every kind or, given `kinds`, only by edges of those kinds ("direct", "pointer", ...)."""
        seen: set[str] = set()
        todo = [s for s in starts if s in self.graph]
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            if kinds is None:
                todo.extend(n for n in self.graph.successors(key) if n not in seen and n not in stop)
            else:
                todo.extend(n for _, n, data in self.graph.out_edges(key, data=True)
                            if data["kind"] in kinds and n not in seen and n not in stop)
        return seen


def build_call_graph(functions: Iterable[FunctionFacts], refs: Iterable[FunctionRef],
                     entry_patterns: Iterable[str] = (), objects: Iterable[tuple[str, str, dict]] = ()) -> CallGraph:
    """The call graph; `objects` (function name, file, extract.objects facts) lets calls through
    fields be resolved by value flow (valueflow.py) before falling back to the field's name."""
    by_key = Functions(functions)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(sorted(by_key))
    # A function parsed in several build profiles names the same functions in each: keep the
    # first parse's reference (the base profile's, as all_functions keeps its calls), whose
    # guards read the enumerators the options were found with.
    refs = _first_of_each(refs)
    store_guards: dict[tuple[str, int], tuple] = {}
    param_fields = _param_fields(by_key, refs, store_guards)
    flow = ValueFlow(objects, lambda name, file: _resolve(by_key, name, file), returned_variables(by_key.values()))
    stored = _stored_pointers(by_key, refs, _resolved_tables(flow))
    handed: dict[tuple, frozenset[str]] = {}  # registrations that go into fields: resolved where a field is called
    for ref in refs:
        if ref.context == "argument" and ":" in ref.via:
            name, _, index = ref.via.rpartition(":")
            callee = _resolve(by_key, name, ref.file)
            target = _resolve(by_key, ref.target, ref.file)
            fields = param_fields.get((callee, int(index))) if callee and index.isdigit() else None
            if fields and target:
                for name in fields:
                    stored[name].add(target)
                handed[ref] = (
                    frozenset(fields), store_guards.get((callee, int(index)), ()),
                    _flags(by_key, param_fields, ref, callee, int(index)))
    callers = _direct_callers(by_key)
    for key in sorted(by_key):
        fn = by_key[key]
        for call in fn.calls:
            resolved = resolve_field_call(flow, key, fn, call, callers.get(key, [])) \
                if call.indirect == "field" and flow.by_key else None
            if resolved is not None:
                for r in resolved:
                    if r.target is None:  # this call's holder is not followed: by the field's name, here only
                        for target, kind, via in _targets(by_key, stored, call):
                            graph.add_edge(r.caller, target, kind=kind, guards=r.guards, line=r.line, via=via,
                                           call=r.call)
                        continue
                    graph.add_edge(r.caller, r.target, kind="pointer", guards=r.guards, line=r.line, via=call.callee,
                                   call=r.call, resolution=r.via)
                continue
            for target, kind, via in _targets(by_key, stored, call):
                graph.add_edge(key, target, kind=kind, guards=call.guards, line=call.line, via=via, call=call)
    for ref in sorted(refs, key=lambda r: (r.file, r.line, r.target)):
        if ref.context != "argument" or not ref.function:
            continue
        caller = _resolve(by_key, ref.function, ref.file)
        target = _resolve(by_key, ref.target, ref.file)
        if caller and target:
            fields, on_the_way, flags = handed.get(ref, (frozenset(), (), ()))
            graph.add_edge(caller, target, kind="stored" if fields else "registered", guards=ref.guards, line=ref.line,
                           via=ref.via.split(":")[0], call=None, fields=fields, store_guards=on_the_way, flags=flags,
                           registration=ref.call)
    named = {r.target for r in refs if r.context != "param_field"}
    patterns = tuple(entry_patterns)
    runnable = {k for k in by_key if by_key[k].name in named or any(fnmatch.fnmatchcase(by_key[k].name, p) for p in patterns)}
    return CallGraph(graph, by_key, _entry_points(graph, runnable), _table_fields(refs),
                     frozenset(k for k in by_key if by_key[k].name in named))


def _first_of_each(refs: Iterable[FunctionRef]) -> list[FunctionRef]:
    """The references in order, a repeat of the same place and target left out."""
    seen: set[tuple] = set()
    out = []
    for r in refs:
        key = (r.function, r.target, r.context, r.via, r.file, r.line)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _table_fields(refs: Iterable[FunctionRef]) -> frozenset[str]:
    """Field names that only initializers of file-scope tables store functions in (no
    assignment, parameter store or registration into a field of that name)."""
    table, other = set(), set()
    for ref in refs:
        if ref.context == "initializer" and not ref.function:
            table.add(ref.via)
        elif ref.context in ("field", "param_field", "initializer"):
            other.add(ref.via)
    return frozenset(table - other)


def _flags(by_key: Functions, param_fields: dict, ref: FunctionRef, callee: str, index: int) -> tuple:
    """(field, Arg) pairs the registration stores beside the function: `install_keyword_root(
    "virtual_server", &vs_handler, active, NULL)` also stores its `active` argument in `active`."""
    caller = _resolve(by_key, ref.function, ref.file)
    for call in by_key[caller].calls if caller and ref.call else ():
        if call.key == ref.call:
            return tuple((f, arg) for j, arg in enumerate(call.args) if j != index
                         for f in sorted(param_fields.get((callee, j), ())))
    return ()


def _direct_callers(by_key: Functions) -> dict[str, list[tuple[str, CallSite]]]:
    out: dict[str, list[tuple[str, CallSite]]] = defaultdict(list)
    for key, fn in by_key.items():
        for call in fn.calls:
            if not call.indirect:
                callee = _resolve(by_key, call.callee, call.file)
                if callee:
                    out[callee].append((key, call))
    return out


def parameter_fields(graph: CallGraph, refs: Iterable[FunctionRef]) -> dict[tuple[str, int], set[str]]:
    """(function key, parameter index) -> the struct fields the function stores that parameter
    in, directly or through the functions it passes it on to (`thread_add_timer(m, func, ...)`
    stores `func` in `thread->func`)."""
    return _param_fields(graph.functions, list(refs))


def _param_fields(by_key: Functions, refs: list[FunctionRef],
                  store_guards: dict | None = None) -> dict[tuple[str, int], set[str]]:
    """(function key, parameter index) -> struct fields the function stores that parameter in,
    directly (`new->dump = dump_func`) or by passing it on to a function that does. With
    `store_guards`, also the guards on the way to the store, by the same key (keepalived's
    keyword_alloc_sub stores nothing `if (!keyword->active) return;`)."""
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    guards = store_guards if store_guards is not None else {}
    for ref in refs:
        if ref.context == "param_field":
            key = _resolve(by_key, ref.function, ref.file)
            if key and ref.target in by_key[key].params:
                out[(key, by_key[key].params.index(ref.target))].add(ref.via)
                guards.setdefault((key, by_key[key].params.index(ref.target)), tuple(ref.guards))
    for _ in range(4):  # alloc_list(f, d) { return alloc_mlist(f, d, 1); }
        changed = False
        for key, fn in by_key.items():
            for call in fn.calls:
                if call.indirect:
                    continue
                callee = _resolve(by_key, call.callee, call.file)
                for j, arg in enumerate(call.args):
                    fields = out.get((callee, j)) if callee else None
                    if fields and arg.text.strip() in fn.params:
                        mine = out[(key, fn.params.index(arg.text.strip()))]
                        guards.setdefault((key, fn.params.index(arg.text.strip())),
                                          tuple(call.guards) + guards.get((callee, j), ()))
                        if not fields <= mine:
                            mine |= fields
                            changed = True
        if not changed:
            break
    return out


def _resolved_tables(flow: ValueFlow) -> frozenset[tuple[str, int, str]]:
    """(file, line, function) of the entries of file-scope tables that calls through them name
    (`(*VRRP_TSM[s][w].handler)(vrrp)`, keepalived's vrrp_scheduler.c) and value flow resolves:
    such a call reaches the table's functions, and a call through another object's field of
    that name (a configuration keyword's `handler`) does not."""
    read = {holder for facts in flow.by_key.values() for *_, holder in facts.get("calls", ()) if holder[0] == "var"}
    out = set()
    for key, facts in flow.by_key.items():
        for holder, field, value, line in facts.get("stores", ()) if key.startswith("<") else ():
            if holder in read and value[0] == "fn" and flow.targets(holder, key, field) is not None:
                out.add((flow.files[key], line, value[1]))
    return frozenset(out)


def _stored_pointers(by_key: Functions, refs: Iterable[FunctionRef],
                     tables: frozenset[tuple[str, int, str]] = frozenset()) -> dict[str, set[str]]:
    """Field or variable name -> keys of the functions whose address is stored there (entries
    of the `tables` that calls through them reach by value flow left out)."""
    stored: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        if ref.context == "initializer" and not ref.function and (ref.file, ref.line, ref.target) in tables:
            continue
        if ref.context in ("field", "initializer", "variable"):
            target = _resolve(by_key, ref.target, ref.file)
            if target:
                stored[ref.via].add(target)
    return stored


def _targets(by_key: Functions, stored: dict[str, set[str]], call: CallSite) -> list[tuple[str, str, str]]:
    if not call.indirect:
        target = _resolve(by_key, call.callee, call.file)
        return [(target, "direct", "")] if target else []
    return [(t, "pointer", call.callee) for t in sorted(stored.get(call.callee, ()))]


class Functions(dict):
    """Function facts by call-graph key, with the static functions indexed by name."""

    def __init__(self, functions: Iterable[FunctionFacts]) -> None:
        super().__init__()
        for fn in functions:
            self.setdefault(fn.key, fn)
        self.statics: dict[str, list[str]] = defaultdict(list)
        for key in self:
            if ":" in key:
                self.statics[key.rsplit(":", 1)[1]].append(key)
        self._by_file: dict[str, tuple[list[int], list[FunctionFacts]]] | None = None

    def at(self, file: str, line: int) -> FunctionFacts | None:
        """The function of `file` (tree-relative path) whose definition starts last at or
        before `line`, the first in key order among those starting on that line; None when
        none does. Indexed by file on the first call (the facts are not changed after)."""
        if self._by_file is None:
            grouped: dict[str, list[tuple[int, int, FunctionFacts]]] = defaultdict(list)
            for order, fn in enumerate(self.values()):
                grouped[fn.file].append((fn.line, -order, fn))
            self._by_file = {}
            for name, rows in grouped.items():
                rows.sort(key=lambda r: r[:2])
                self._by_file[name] = ([r[0] for r in rows], [r[2] for r in rows])
        lines, fns = self._by_file.get(file, ((), ()))
        i = bisect.bisect_right(lines, line)
        return fns[i - 1] if i else None


def _resolve(by_key: Functions, name: str, file: str) -> str | None:
    local = f"{file}:{name}"
    if local in by_key:
        return local
    if name in by_key:
        return name
    # A static function of a header, called from the .c file that includes it.
    matches = by_key.statics.get(name, ())
    return matches[0] if len(matches) == 1 else None


def _entry_points(graph: nx.MultiDiGraph, runnable: set[str]) -> tuple[str, ...]:
    """main, plus every function nothing in the tree calls but whose address is taken
    somewhere (a handler given to libc, a callback in a table the graph could not follow) or
    that the rules name (plugins found with dlsym): those run unconditionally as far as the
    tree can tell. A function never called and never named cannot run: it is dead code
    (keepalived's unused list helpers), not an entry point."""
    entries = ([ENTRY_POINT] if ENTRY_POINT in graph else []) + sorted(
        n for n in graph if graph.in_degree(n) == 0 and n != ENTRY_POINT and n in runnable)
    reached = set().union(*(nx.descendants(graph, e) | {e} for e in entries)) if entries else set()
    # Cycles that nothing outside them runs (mutual recursion reached only from outside).
    for node in sorted(graph):
        if node not in reached and node in runnable:
            entries.append(node)
            reached |= nx.descendants(graph, node) | {node}
    return tuple(entries)
