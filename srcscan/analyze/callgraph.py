"""The call graph of a whole tree, with the conditions under which each call happens.

Plain facts in (FunctionFacts, FunctionRef), a networkx MultiDiGraph out; no I/O. Nodes
are function keys (`FunctionFacts.key`: the name, or `file:name` for a static function).
Each edge is one way the caller makes the callee run, with attributes:

  kind    "direct" (a call by name), "pointer" (a call through a struct field or
          variable, resolved to the functions stored there) or "registered" (the caller
          hands the callee's address to another function, e.g. a scheduler, that will
          call it later: the callee runs if and where the registration runs)
  guards  the Guards enclosing the call or registration in the caller
  line    line of the call or registration
  via     the field, variable or registering function that carries a pointer ("" for direct)

Only functions defined in the tree are nodes; calls to libc and other outside code are
left out, since they cannot log through the project's functions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator

import networkx as nx

from srcscan.model import CallSite, FunctionFacts, FunctionRef

ENTRY_POINT = "main"


@dataclass(frozen=True)
class CallGraph:
    graph: nx.MultiDiGraph
    functions: dict[str, FunctionFacts]  # by key
    entry_points: tuple[str, ...]  # main, then functions nothing in the tree is seen to run

    def key_for(self, name: str, file: str) -> str | None:
        """The key a name used in `file` refers to: its own static function first."""
        return _resolve(self.functions, name, file)

    def callers(self, key: str) -> Iterator[tuple[str, dict]]:
        for caller, _, data in self.graph.in_edges(key, data=True):
            yield caller, data

    def reachable(self, starts: Iterable[str], stop: frozenset[str] = frozenset()) -> set[str]:
        """Functions reachable from `starts` without entering a function of `stop`."""
        seen: set[str] = set()
        todo = [s for s in starts if s in self.graph]
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            todo.extend(n for n in self.graph.successors(key) if n not in seen and n not in stop)
        return seen


def build_call_graph(functions: Iterable[FunctionFacts], refs: Iterable[FunctionRef]) -> CallGraph:
    by_key: dict[str, FunctionFacts] = {}
    for fn in functions:
        by_key.setdefault(fn.key, fn)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(sorted(by_key))
    stored = _stored_pointers(by_key, refs)
    for key in sorted(by_key):
        fn = by_key[key]
        for call in fn.calls:
            for target, kind, via in _targets(by_key, stored, call):
                graph.add_edge(key, target, kind=kind, guards=call.guards, line=call.line, via=via, call=call)
    for ref in sorted(refs, key=lambda r: (r.file, r.line, r.target)):
        if ref.context != "argument" or not ref.function:
            continue
        caller = _resolve(by_key, ref.function, ref.file)
        target = _resolve(by_key, ref.target, ref.file)
        if caller and target:
            graph.add_edge(caller, target, kind="registered", guards=ref.guards, line=ref.line,
                           via=ref.via.split(":")[0], call=None)
    return CallGraph(graph, by_key, _entry_points(graph))


def _stored_pointers(by_key: dict[str, FunctionFacts], refs: Iterable[FunctionRef]) -> dict[str, set[str]]:
    """Field or variable name -> keys of the functions whose address is stored there."""
    stored: dict[str, set[str]] = defaultdict(set)
    for ref in refs:
        if ref.context in ("field", "initializer", "variable"):
            target = _resolve(by_key, ref.target, ref.file)
            if target:
                stored[ref.via].add(target)
    return stored


def _targets(by_key: dict[str, FunctionFacts], stored: dict[str, set[str]], call: CallSite) -> list[tuple[str, str, str]]:
    if not call.indirect:
        target = _resolve(by_key, call.callee, call.file)
        return [(target, "direct", "")] if target else []
    return [(t, "pointer", call.callee) for t in sorted(stored.get(call.callee, ()))]


def _resolve(by_key: dict[str, FunctionFacts], name: str, file: str) -> str | None:
    local = f"{file}:{name}"
    if local in by_key:
        return local
    if name in by_key:
        return name
    # A static function of a header, called from the .c file that includes it.
    matches = [k for k in by_key if k.endswith(f":{name}")]
    return matches[0] if len(matches) == 1 else None


def _entry_points(graph: nx.MultiDiGraph) -> tuple[str, ...]:
    """main, plus every function nothing in the tree runs (called from outside: signal
    handlers set through libc, library callbacks...): those run unconditionally as far
    as the tree can tell."""
    entries = ([ENTRY_POINT] if ENTRY_POINT in graph else []) + sorted(
        n for n in graph if graph.in_degree(n) == 0 and n != ENTRY_POINT)
    reached = set().union(*(nx.descendants(graph, e) | {e} for e in entries)) if entries else set()
    # Cycles that nothing outside them runs (mutual recursion reached only from outside).
    for node in sorted(graph):
        if node not in reached:
            entries.append(node)
            reached |= nx.descendants(graph, node) | {node}
    return tuple(entries)
