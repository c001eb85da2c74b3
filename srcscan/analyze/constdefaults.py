"""Calls that parse the daemon's own constant default with the parser of a config key's value.

lighttpd's mod_accesslog parses accesslog.format in the key's case
(`mod_accesslog_process_format(BUF_PTR_LEN(cpv->v.b), srv)`) and, when no format was given,
its built-in one (`static const char fmt[] = "%h %V %u %t ..."; ...
mod_accesslog_process_format(CONST_STR_LEN(fmt), srv)`, mod_accesslog.c:501-504). The
default is written to parse: the parser's errors need the key. A call passing a string
constant where another call of the same function passes a key's value read in a key switch's
case is such a default; the call paths through it carry nothing (analyze.inherited). A
function given a constant that no key's value reaches (`fdlog_open("/dev/null")`) keeps its
messages. Facts in (the call graph, the option index), call edges out; no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcscan.analyze.callgraph import CallGraph
from srcscan.cexpr import CExpr, Const, Member, Name, strip, walk
from srcscan.model import FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def default_parses(graph: CallGraph, index: Index) -> frozenset[tuple[str, str, object]]:
    """(caller key, callee key, edge key) of the direct calls passing a string constant (a
    literal, or a local holding only literals) in a parameter another call of the same function
    fills with a key's value (an argument reading the variable a key switch's case switches on,
    `cpv->v.b`, under that case). Empty without `[config] key_switch`."""
    if not index.key_switch:
        return frozenset()
    keyed: set[tuple[str, int]] = set()
    constant: list[tuple[tuple[str, str, object], int]] = []
    for caller, callee, key, data in graph.graph.edges(keys=True, data=True):
        call = data.get("call")
        if call is None or data["kind"] != "direct" or not call.exprs:
            continue
        fn = graph.functions[caller]
        roots = {x.name for g in call.guards if g.kind == "case" and _key_switch(g.expr, index.key_switch)
                 for x in walk(g.expr) if isinstance(x, Name)}
        for position, arg in enumerate(call.exprs):
            if roots and any(isinstance(x, Name) and x.name in roots for x in walk(arg)):
                keyed.add((callee, position))
            elif _constant_string(arg, index, fn):
                constant.append(((caller, callee, key), position))
    return frozenset(edge for edge, position in constant if (edge[1], position) in keyed)


def _key_switch(e: CExpr | None, field: str) -> bool:
    e = strip(e) if e is not None else None
    return isinstance(e, Member) and e.field == field


def _constant_string(arg: CExpr, index: Index, fn: FunctionFacts) -> bool:
    e = strip(arg)
    if isinstance(e, Const):
        return e.value is None and e.text.startswith('"')
    if isinstance(e, Name) and e.ref == "var":
        values = index.local_values.get((fn.file, fn.name), {}).get(e.name)
        return bool(values) and all(isinstance(v, Const) and v.value is None and v.text.startswith('"')
                                    for v in values)
    return False
