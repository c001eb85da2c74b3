"""Tests of fields of a freshly zeroed allocation: `p = calloc(1, sizeof *p); if (p->debug)
log(...)` never logs, whatever the options, because calloc(3) zeroes the object ("The memory is
set to zero", calloc(3)) and nothing wrote `p->debug` since.

The reading is deliberately narrow, so that "never" is said only when it is sure. The variable
must be a local whose only assignment in the function is the allocation (made under no
condition, before the guard), and after that allocation no write in the function may store into
a field of that name through it or through a pointer srcscan cannot name, no assignment may copy the variable (an alias could
write the field), and no call may be handed it before the guard (or at all, when the guard is
inside a loop: a later iteration would see the call's writes). Otherwise the field may hold
anything and the guard stays a run-time test. Facts in, answers out; no I/O.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping, NamedTuple

from srcscan.cexpr import Binary, Call, CExpr, Member, Name, Unary, evaluate, strip, walk
from srcscan.model import CallSite, FunctionFacts, Guard, Write

# Allocators whose result is all zero bytes (calloc(3): "The memory is set to zero"); the tree's
# own wrappers are found by zeroing_functions (lighttpd's ck_calloc in src/ck.c).
ZEROING = frozenset({"calloc"})
_TESTS = ("if", "else", "early-return", "and", "or", "ternary")


class ZeroedTest(NamedTuple):
    """A guard that needs `variable->field` non-zero right after `variable = text` zeroed it."""

    variable: str
    field: str
    text: str  # the allocation as written, `calloc(1, sizeof *fresh)`


def zeroed_field_test(guard: Guard, fn: FunctionFacts, written: Iterable[Write], inside_loop: bool,
                      zeroing: frozenset[str] = ZEROING) -> ZeroedTest | None:
    """The field test of `guard` that never holds because its struct was just zeroed by an
    allocator of `zeroing` (module docstring for the conditions), else None. `written`: the
    writes of `fn` (extract.writes, locals and fields); `inside_loop`: the call under the guard
    runs in a loop of `fn`."""
    if guard.expr is None or guard.kind not in _TESTS:
        return None
    written = tuple(written)
    for variable, fieldname in _nonzero_fields(guard.expr, not guard.negated):
        alloc = _only_allocation(variable, fieldname, guard.line, written, zeroing)
        if alloc is None or _handed_over(variable, alloc.line, guard.line, fn.calls, inside_loop):
            continue
        return ZeroedTest(variable, fieldname, alloc.text)
    return None


def zeroing_functions(functions: Iterable[FunctionFacts], written: Mapping[tuple[str, str], Iterable[Write]],
                      zeroing: frozenset[str] = ZEROING) -> frozenset[str]:
    """`zeroing` and the names of the tree's functions each of whose returns hands back a zeroed
    allocation untouched: `return calloc(n, size);`, or a local whose only assignment is such a
    call and through which the function writes no field (lighttpd's `ck_calloc`: `void *ptr =
    calloc(nmemb, elt_sz); ck_assert(NULL != ptr); return ptr;`). `written`: (file, function) ->
    that function's writes (extract.writes)."""
    found = set(zeroing)
    functions = [fn for fn in functions if fn.returns]
    grown = True
    while grown:
        grown = False
        for fn in functions:
            if fn.name in found:
                continue
            writes = tuple(written.get((fn.file, fn.name), ()))
            if all(_zeroed_value(r.value, writes, frozenset(found)) for r in fn.returns):
                found.add(fn.name)
                grown = True
    return frozenset(found)


def _zeroed_value(value: CExpr | None, writes: tuple[Write, ...], zeroing: frozenset[str]) -> bool:
    value = strip(value) if value is not None else None
    if _zeroing_call(value, zeroing):
        return True
    if not isinstance(value, Name) or value.ref != "var":
        return False
    return (_sole_zeroing_write(value.name, writes, zeroing) is not None
            and not any("." in w.target and w.base in ("", value.name) for w in writes))


def _nonzero_fields(e: CExpr, holds: bool) -> list[tuple[str, str]]:
    """(local, field) pairs `e` being `holds` needs non-zero: `p->f`, `!p->f` false, `p->f != 0`,
    `p->f == 0` false, and either operand of a `&&` that holds (or of a `||` that fails)."""
    e = strip(e)
    if isinstance(e, Member) and isinstance(strip(e.base), Name) and strip(e.base).ref == "var":
        return [(strip(e.base).name, e.field)] if holds else []
    if isinstance(e, Unary) and e.op == "!":
        return _nonzero_fields(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if evaluate(other) == 0:
                return _nonzero_fields(side, holds if e.op == "!=" else not holds)
        return []
    if isinstance(e, Binary) and e.op in ("&&", "||") and (e.op == "&&") == holds:
        return _nonzero_fields(e.left, holds) + _nonzero_fields(e.right, holds)
    return []


def _only_allocation(variable: str, fieldname: str, line: int, written: tuple[Write, ...],
                     zeroing: frozenset[str]) -> Write | None:
    """The write `variable = calloc(...)` when it is the variable's only assignment, unguarded,
    before `line`, and no later write stores into a field `fieldname` or copies the variable."""
    alloc = _sole_zeroing_write(variable, written, zeroing)
    if alloc is None or alloc.guarded or alloc.line >= line:
        return None
    for w in written:
        if w.line < alloc.line or w is alloc:
            continue
        if w.target.rsplit(".", 1)[-1] == fieldname and "." in w.target and w.base in ("", variable):
            return None  # `p->debug = 1`, or `.debug` through a root srcscan does not name (`f()->debug`)
        if w.value is not None and _mentions(w.value, variable):
            return None  # `q = p;`: q may write the field
    return alloc


def _sole_zeroing_write(variable: str, writes: tuple[Write, ...], zeroing: frozenset[str]) -> Write | None:
    """The local `variable`'s only assignment in `writes` when it is a call of an allocator of
    `zeroing` (`p = calloc(...)` or `T *p = calloc(...)`), else None."""
    own = list({w.line: w for w in writes if w.local and w.target == variable}.values())  # a line once (several profiles)
    if len(own) != 1 or own[0].op not in ("=", "decl") or not _zeroing_call(own[0].value, zeroing):
        return None
    return own[0]


def _zeroing_call(value: CExpr | None, zeroing: frozenset[str]) -> bool:
    value = strip(value) if value is not None else None
    return isinstance(value, Call) and isinstance(strip(value.function), Name) and strip(value.function).name in zeroing


def _handed_over(variable: str, start: int, line: int, calls: Iterable[CallSite], inside_loop: bool) -> bool:
    """Whether a call after the allocation (and before the guard, or anywhere after it when the
    guard is in a loop) is handed the variable, so that it may write the field."""
    for c in calls:
        if c.line <= start or (c.line >= line and not inside_loop):
            continue
        if any(_mentions(a, variable) for a in c.exprs) or (not c.exprs and _names(c.text, variable)):
            return True
    return False


def _names(text: str, variable: str) -> bool:
    """Whether C text (a call read from the text, without expressions) names the identifier
    `variable` as a whole word: `f(fresh)` does, `f(fresh2)` and `f(my_fresh)` do not."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(variable)}(?![A-Za-z0-9_])", text) is not None


def _mentions(e: CExpr, variable: str) -> bool:
    return any(isinstance(n, Name) and n.name == variable for n in walk(e))
