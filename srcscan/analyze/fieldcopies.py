"""Function pointers a call copies from one struct field into another: keepalived's checkers
keep their first callback in `checker->launch` (queue_checker, called by each checker's keyword
handler) and the start-up hands it over with `thread_add_timer(master, checker->launch, checker,
...)`, which stores its argument in `thread->func`, the field the scheduler calls. A function
stored in `launch` is then also one stored in `func`: the stores of `launch` are stores of
`func` too (analyze.optionindex.field_stores), so what a call through `func` needs includes
what storing it in `launch` needed.

Plain facts in (the call graph's functions, the FunctionRefs, extract's typed call
arguments), field names out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph, parameter_fields
from srcscan.cexpr import Member, strip
from srcscan.model import FunctionRef


def pointer_copies(graph: CallGraph, refs: Iterable[FunctionRef]) -> dict[str, frozenset[str]]:
    """Field -> the fields whose value some call passes to a function storing that argument in
    it (`thread_add_timer(master, checker->launch, ...)` with thread_add_timer storing its
    argument in `func`: func -> {launch}), followed through chains (a -> b -> c gives c -> {a,
    b}). Calls through pointers and arguments that are not a field's value (`x->f`, `x.f`,
    a cast around it looked through) copy nothing. Empty when no function stores a parameter
    in a field."""
    stores = parameter_fields(graph, refs)
    if not stores:
        return {}
    direct: dict[str, set[str]] = defaultdict(set)
    for key, fn in graph.functions.items():
        for call in fn.calls:
            callee = None if call.indirect else graph.key_for(call.callee, call.file)
            for i, arg in enumerate(call.exprs if callee else ()):
                arg = strip(arg)
                for name in stores.get((callee, i), ()) if isinstance(arg, Member) else ():
                    if name != arg.field:
                        direct[name].add(arg.field)
    return {name: frozenset(_closure(name, direct)) for name in sorted(direct)}


def _closure(name: str, direct: Mapping[str, set[str]]) -> set[str]:
    """The fields copied into `name`, directly or through other copies."""
    found: set[str] = set()
    todo = list(direct.get(name, ()))
    while todo:
        source = todo.pop()
        if source not in found and source != name:
            found.add(source)
            todo.extend(direct.get(source, ()))
    return found
