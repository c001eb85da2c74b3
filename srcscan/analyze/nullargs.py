"""A call whose result is 0 when one argument is NULL: its test needs that argument set.

dnsmasq's `rr_on_list(daemon->filter_rr, qtype)` (util.c) walks its list parameter and
returns 1 only inside the walk, 0 after it:

    int rr_on_list(struct rrlist *list, unsigned short rr)
    { while (list) { if (list->rr == rr) return 1; list = list->next; } return 0; }

so `if (... && rr_on_list(daemon->filter_rr, qtype))` holds only when `daemon->filter_rr`
is non-NULL: only --filter-rr (or --filter-A/--filter-AAAA) fill it. The test's necessary
reading is then the reading of its argument's truth (optiontests). Facts: the callee's
return statements and their guards (FunctionFacts.returns) and the values it assigns to the
parameter (Index.local_values). Pure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcscan.analyze.optionvalues import integer_of, local_of, walk_step
from srcscan.cexpr import Binary, Call, CExpr, Name, strip
from srcscan.model import FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def null_argument(e: CExpr, index: Index, fn: FunctionFacts | None) -> CExpr | None:
    """For a direct call `f(a0, a1, ...)` in `fn`: the argument whose NULL makes f return 0,
    when every return of f with another value than the constant 0 runs inside a walk or an
    `if` testing that parameter's truth (`while (p)`, `if (p != NULL)`, not negated) and f
    gives the parameter no value but steps along it (`p = p->next`); None otherwise (a call
    through a pointer, a callee srcscan has no facts of, a return of a value of the run outside
    such a test, no return at all)."""
    e = strip(e)
    graph = getattr(index, "graph", None)
    if not isinstance(e, Call) or not isinstance(e.function, Name) or graph is None or fn is None:
        return None
    key = graph.key_for(e.function.name, fn.file)
    callee = graph.functions.get(key) if key else None
    if callee is None or not callee.returns or len(e.args) != len(callee.params):
        return None
    held = None
    for ret in callee.returns:
        if ret.value is not None and integer_of(ret.value) == 0:
            continue
        tested = {p for g in ret.guards if g.kind in ("loop", "if") and not g.negated and g.expr is not None
                  and (p := _truth_of(g.expr, callee)) is not None}
        held = tested if held is None else held & tested
        if not held:
            return None
    if not held:
        return None
    for param in sorted(held, key=callee.params.index):
        values = local_of(param, index, callee) or ()
        if all(v is not None and walk_step(v, param, index, callee) for v in values):
            return e.args[callee.params.index(param)]
    return None


def _truth_of(e: CExpr, callee: FunctionFacts) -> str | None:
    """The parameter a test holds only when non-zero: `p`, `p != 0`, `0 != p` (NULL is 0)."""
    e = strip(e)
    if isinstance(e, Binary) and e.op == "!=":
        if integer_of(e.right) == 0:
            e = strip(e.left)
        elif integer_of(e.left) == 0:
            e = strip(e.right)
        else:
            return None
    if isinstance(e, Name) and e.ref == "param" and e.name in callee.params:
        return e.name
    return None
