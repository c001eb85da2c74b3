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
the writes of what can run before that call: everything the calls above it (or on its line)
reach, callbacks from where they are handed over, its callers' own writes up to that line, and
its own writes and everything it calls. (The entry function itself: every value.)
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from srcscan.analyze.procstate import ProcessState

# function -> what runs before it (_order), per ProcessState (a state copied for a mode gets its own)
_MEMO: "weakref.WeakKeyDictionary[Any, dict[str, tuple[set[str], dict[str, int]] | None]]" = weakref.WeakKeyDictionary()


def values_before(state: "ProcessState", process: str, path: str, function: str | None) -> frozenset | None:
    """The values (a frozenset of ints) `path` can hold in the entry process `process` when
    `function` (a call-graph key) runs, from the initial value and the writes that can run
    before it; None when that is not known (another process, a function reached by several
    calls, under a loop, or again after, the entry itself, or a write whose value is not known)."""
    if process != state.entry_name or function is None:
        return None
    memo = _MEMO.setdefault(state, {})
    if function not in memo:
        memo[function] = _order(state, process, function)
    order = memo[function]
    if order is None:
        return None
    runs, limits = order
    initial = state.initial_value(path)
    if initial is None:
        return None
    values = {initial}
    for key in runs:
        got = state.values_written(process, key, path, limits.get(key))
        if got is None:
            return None
        values |= got
    return frozenset(values)


def _order(state: "ProcessState", process: str, function: str) -> tuple[set[str], dict[str, int]] | None:
    """The functions whose writes can run before `function`'s code in the entry process, and
    for the callers on the way the line of their call (their writes after it do not count)."""
    chain = _chain(state, process, function)
    if not chain:
        return None  # not reached that way, or the entry itself (everything it calls may run first)
    view, elsewhere = state.views[process]
    on_chain = {function} | {caller for caller, _, _ in chain}
    calls = state.graph.running_calls()
    # What the function itself calls may run before its test; what its callers call on lines
    # up to the call on the way (a call on the same line may come first) too.
    starts = [callee for callee, data in calls.get(function, ()) if callee in view and not elsewhere(function, data)]
    for caller, line, next_key in chain:
        starts += [callee for callee, data in calls.get(caller, ())
                   if data["line"] <= line and callee in view and not elsewhere(caller, data)
                   and not (data["line"] == line and callee == next_key)]
    before = _reached(state, process, starts)
    if before & on_chain:
        return None  # something that runs before may run the function (or a caller) again
    return before | on_chain, {caller: line for caller, line, _ in chain}


def _reached(state: "ProcessState", process: str, starts: list[str]) -> set[str]:
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


def _chain(state: "ProcessState", process: str, function: str) -> list[tuple[str, int, str]] | None:
    """(caller key, line of its call, the function it calls) from `function` up to the entry's
    start function, when each function on the way is called exactly once in the process,
    directly and outside any loop; None otherwise."""
    view, elsewhere = state.views[process]
    chain: list[tuple[str, int, str]] = []
    key, seen = function, {function}
    while key != state.entry_start:
        calls = [(caller, data) for caller, data in state.graph.callers(key)
                 if caller in view and not elsewhere(caller, data)]
        if len(calls) != 1:
            return None
        caller, data = calls[0]
        if data["kind"] != "direct" or caller in seen or any(g.kind == "loop" for g in data["guards"]):
            return None
        chain.append((caller, data["line"], key))
        key = caller
        seen.add(key)
    return chain
