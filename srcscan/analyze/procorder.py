"""Values of file-scope state where the entry process first runs a function: only the writes
that can run before it.

ProcessState (procstate.py) gives each process every value its writes can store, whatever the
order. Some code runs once, early, on the entry function's straight path, before the code that
writes a flag: keepalived's parent writes its pidfile (keepalived/core/main.c:2853,
`pidfile_write(&main_pidfile)`) before the scheduler runs start_keepalived(), which sets
`children_started = true` (main.c:565), so pidfile_write()'s `if (children_started)` branch
(keepalived/core/pidfile.c:266-298) never runs in the parent, though the flag is true there
later. A function the entry process reaches by exactly one call, made at most once (no loop
around it, no way back to it), from a function reached the same way from the entry, sees only
the writes of what can run before that call: everything the calls above it reach (callbacks
stored there included), its callers' own writes above it, and its own writes.
"""

from __future__ import annotations

from typing import Any


def values_before(state: Any, process: str, path: str, function: str) -> frozenset | None:
    """The values (a frozenset of ints) `path` can hold in the entry process `process` when
    `function` (a call-graph key) runs, from the initial value and the writes that can run
    before it; None when that is not known (another process, a function reached by several
    calls, under a loop, or again after, or a write whose value is not known)."""
    if process != state.entry_name or function is None:
        return None
    memo = state.__dict__.setdefault("_values_before", {})
    if (path, function) not in memo:
        memo[(path, function)] = _values_before(state, process, path, function)
    return memo[(path, function)]


def _values_before(state: Any, process: str, path: str, function: str) -> frozenset | None:
    chain = _chain(state, process, function)
    if chain is None:
        return None
    graph, view = state.graph, state.views[process][0]
    elsewhere = state.views[process][1]
    on_chain = {function} | {caller for caller, _ in chain}
    before: set[str] = set()
    for caller, line in chain:
        before |= _reached(state, process, [callee for callee, data in graph.running_calls().get(caller, ())
                                            if data["line"] < line and callee in view and not elsewhere(caller, data)])
    if before & on_chain:
        return None  # something that runs before may run the function (or a caller) again
    initial = state._initial(path)
    if initial is None:
        return None
    values = {initial}
    limits = {caller: line for caller, line in chain}
    for key in before | on_chain:
        fn = graph.functions.get(key)
        for line, written, value, conds in state.facts.state_writes.get(key, ()):
            if written != path or (key in limits and line >= limits[key]):
                continue
            guards = state._write_guards.get((fn.file, fn.name, line, written), ()) if fn is not None else ()
            if elsewhere(key, {"line": line, "guards": guards}):
                continue  # the other side of a fork
            got = state._write_values(value, key, view, elsewhere, conds)
            if got is None:
                return None
            values |= got
    return frozenset(values)


def _reached(state: Any, process: str, starts: list[str]) -> set[str]:
    """The functions of the process's view reachable from `starts` by the calls it makes
    (CallGraph.running_calls: a callback runs from where it is handed over, not from every call
    through a field of its name) and not on another process's side of a fork."""
    view, elsewhere = state.views[process]
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        todo.extend(callee for callee, data in state.graph.running_calls().get(key, ())
                    if callee in view and callee not in seen and not elsewhere(key, data))
    return seen


def _chain(state: Any, process: str, function: str) -> list[tuple[str, int]] | None:
    """(caller key, line of its call) from `function` up to the entry's start function, when
    each function on the way is called exactly once in the process, directly and outside any
    loop; None otherwise."""
    view, elsewhere = state.views[process]
    chain: list[tuple[str, int]] = []
    key, seen = function, {function}
    while key != state.entry_start:
        calls = [(caller, data) for caller, data in state.graph.callers(key)
                 if caller in view and not elsewhere(caller, data)]
        if len(calls) != 1:
            return None
        caller, data = calls[0]
        if data["kind"] != "direct" or caller in seen or any(g.kind == "loop" for g in data["guards"]):
            return None
        chain.append((caller, data["line"]))
        key = caller
        seen.add(key)
    return chain
