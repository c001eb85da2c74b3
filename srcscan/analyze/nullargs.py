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
from srcscan.cexpr import Binary, Call, CExpr, Name, Unary, strip
from srcscan.model import FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def null_argument(e: CExpr, index: Index, fn: FunctionFacts | None, depth: int = 0) -> CExpr | None:
    """For a direct call `f(a0, a1, ...)` in `fn`: the argument whose NULL makes f return 0,
    when every return of f with another value than the constant 0 runs inside a walk or an
    `if` testing that parameter's truth (`while (p)`, `if (p != NULL)`, not negated; code after
    `if (!p || ...) return NULL;`) or returns a value NULL with it (a walker started from it,
    dnsmasq's find_config_match `for (config = configs; config; ...) ... return config;`, or a
    local holding such calls' results, find_config's `ret`), and f gives the parameter no value
    but steps along it (`p = p->next`); None otherwise (a call through a pointer, a callee
    srcscan has no facts of, a return of a value of the run outside such a test, no return at
    all)."""
    e = strip(e)
    graph = getattr(index, "graph", None)
    if not isinstance(e, Call) or not isinstance(e.function, Name) or graph is None or fn is None or depth > 4:
        return None
    key = graph.key_for(e.function.name, fn.file)
    callee = graph.functions.get(key) if key else None
    if callee is None or not callee.returns or len(e.args) != len(callee.params):
        return None
    held = None
    for ret in callee.returns:
        if ret.value is not None and integer_of(ret.value) == 0:
            continue
        tested = {p for g in ret.guards if g.expr is not None for p in _tested(g, callee)}
        tested |= _null_with(ret.value, callee, index, depth, frozenset())
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


def _tested(g, callee: FunctionFacts) -> set[str]:
    """The parameters a guard needs non-zero for the code under it: a walk or `if` testing one
    (`p`, `p != NULL`, either side of a holding `&&`), or an early return under `!p || ...`."""
    if g.kind in ("loop", "if") and not g.negated:
        return _needed_true(g.expr, True, callee)
    if g.kind == "early-return" and g.negated:
        return _needed_true(g.expr, False, callee)
    return set()


def _needed_true(e: CExpr, holds: bool, callee: FunctionFacts) -> set[str]:
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        return _needed_true(e.operand, not holds, callee)
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        if (e.op == "&&") == holds:  # both sides come out `holds`
            return _needed_true(e.left, holds, callee) | _needed_true(e.right, holds, callee)
        return set()
    if holds and (p := _truth_of(e, callee)) is not None:
        return {p}
    return set()


def _null_with(value: CExpr | None, callee: FunctionFacts, index: Index, depth: int, busy: frozenset[str]) -> set[str]:
    """The parameters of `callee` whose NULL makes `value` (returned) NULL: the parameter itself,
    a local every value of which is NULL, a step along it, or such a value (a walker started
    from the parameter), or a call NULL with its argument NULL (null_argument)."""
    value = strip(value) if value is not None else None
    if isinstance(value, Name) and value.ref == "param" and value.name in callee.params:
        return {value.name}
    if isinstance(value, Name) and value.ref == "var" and value.name not in busy:
        values = local_of(value.name, index, callee)
        if not values:
            return set()
        found = None
        for v in values:
            if v is None or integer_of(v) == 0 or walk_step(v, value.name, index, callee):
                continue
            got = _null_with(v, callee, index, depth, busy | {value.name})
            found = got if found is None else found & got
            if not found:
                return set()
        return found or set()
    if isinstance(value, Call) and (arg := null_argument(value, index, callee, depth + 1)) is not None:
        arg = strip(arg)
        if isinstance(arg, Name) and arg.ref == "param" and arg.name in callee.params:
            return {arg.name}
    return set()


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
