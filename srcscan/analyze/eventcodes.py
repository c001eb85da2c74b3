"""Which event codes a rules' `[[events]]` channel can carry at all (rules.schema.EventChannel):
the constants its send function is called with, and through a function handing its own
parameter on as the code (dnsmasq's `queue_event(int event) { send_event(pipewrite, event, 0,
NULL); }`) the constants its direct callers pass. A receiver's `case` whose codes no call can
send (dnsmasq's EVENT_LUA_ERR, sent only by helper.c under HAVE_LUASCRIPT, a build srcscan did
not parse) is never logged in the build read. Facts in, codes out; no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Name, strip
from srcscan.model import FunctionFacts, Guard, Write

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

Assigned = Mapping[tuple[str, str], Mapping[str, tuple[Write, ...]]]


def sendable_codes(graph: CallGraph, channels: Iterable, assigned: Assigned) -> dict[str, frozenset[int] | None]:
    """Receiver function -> every code a call can send it; None when some call passes a code
    srcscan cannot list (a value of the run, or a parameter some caller does not give as a
    constant), so that no code can be said never sent. `assigned`: (file, function) -> local ->
    its writes (lastwrite.local_assignments), for a local given only constants (dnsmasq's
    sig_handler: `event = EVENT_RELOAD;` ... `send_event(pipewrite, event, 0, NULL)`)."""
    out: dict[str, frozenset[int] | None] = {}
    for channel in channels:
        codes: set[int] | None = set()
        for fn in graph.functions.values():
            for call in fn.calls:
                if codes is None:
                    break
                if call.indirect or call.callee != channel.send:
                    continue
                found = _codes(graph, fn, call, channel.code_arg, assigned)
                codes = None if found is None else codes | found
        for receiver in channel.receivers:
            known = out.get(receiver, frozenset())
            out[receiver] = None if known is None or codes is None else frozenset(known | codes)
    return out


def _codes(graph: CallGraph, fn, call, arg: int, assigned: Assigned) -> set[int] | None:
    """The codes one send call passes: its constant, the constants a local holding it is given,
    or for a parameter of its function the constants every direct caller of that function
    passes there; None when not all known."""
    if arg >= len(call.args):
        return None
    if call.args[arg].integer is not None:
        return {call.args[arg].integer}
    expr = strip(call.exprs[arg]) if arg < len(call.exprs) else None
    if isinstance(expr, Name) and expr.ref == "var":
        writes = assigned.get((fn.file, fn.name), {}).get(expr.name, ())
        values = [integer_of(w.value) if w.value is not None and w.op in ("=", "decl") else None
                  for w in writes if w.op != "decl" or w.value is not None]
        return set(values) if values and None not in values else None  # type: ignore[arg-type]
    if not (isinstance(expr, Name) and expr.ref == "param" and expr.name in fn.params):
        return None
    position = fn.params.index(expr.name)
    found: set[int] = set()
    callers = 0
    for other in graph.functions.values():
        for c in other.calls:
            if c.indirect or c.callee != fn.name:
                continue
            callers += 1
            value = c.args[position].integer if position < len(c.args) else None
            if value is None:
                return None
            found.add(value)
    if _named_elsewhere(graph, fn.name):
        return None  # called through a pointer too: callers not all seen
    return found if callers else set()


def _named_elsewhere(graph: CallGraph, name: str) -> bool:
    """Whether the function's address is taken (a pointer edge reaches it in the call graph)."""
    keys = [k for k, f in graph.functions.items() if f.name == name]
    return any(data.get("kind") != "direct" for k in keys if k in graph.graph
               for _, _, data in graph.graph.in_edges(k, data=True))


def unsent_case(guards: Iterable[Guard], fn: FunctionFacts, index: "Index") -> tuple[str, ...]:
    """The labels (as written) of the innermost `case` among `guards` when they are codes of
    which no call can send any to `fn` (Index.sendable: every code is known); () otherwise."""
    sendable = index.sendable.get(fn.name)
    if sendable is None or not sendable:
        return ()
    for g in reversed(tuple(guards)):
        if g.kind == "case" and g.labels:
            if all(isinstance(label, int) and label not in sendable for label in g.labels):
                return tuple(str(label) for label in g.labels)
            return ()
    return ()


def case_line(guards: Iterable[Guard]) -> int:
    """The line of the innermost `case` among `guards`."""
    return next((g.line for g in reversed(tuple(guards)) if g.kind == "case"), 0)
