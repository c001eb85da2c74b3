"""Expressions of file-scope state: integer constant expressions, the constant a call passes,
and the path naming a variable or a field of one (`kw.active`); the prunes a state keeps
(Prunes). Used by procstate.py and processes.py; no I/O."""

from __future__ import annotations

from typing import Any

from srcscan.cexpr import Call, CExpr, Const, Index, Member, Name, Other, Unary, evaluate, strip, walk


_CONSTANTS: dict[int, tuple[CExpr, int | None]] = {}  # id(e) -> (e, its constant()): the walks ask again and again


def constant(e: CExpr) -> int | None:
    """The value of an integer constant expression (literals, enumerators, NULL and operators
    over them); None for anything that reads an object, calls or takes an address. Kept per
    expression object (the process analysis tests the same guards in every region it walks)."""
    hit = _CONSTANTS.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    if len(_CONSTANTS) > 1 << 17:
        _CONSTANTS.clear()
    value = _constant(e)
    _CONSTANTS[id(e)] = (e, value)  # (e kept: its id stays its own)
    return value


def _constant(e: CExpr) -> int | None:
    e = strip(e)
    for x in walk(e):
        if isinstance(x, (Call, Member, Index, Other)) or (isinstance(x, Const) and x.value is None):
            return None
        if isinstance(x, Name) and x.ref != "enum" and x.name != "NULL":
            return None
        if isinstance(x, Unary) and x.op not in ("-", "+", "~", "!"):
            return None
    return evaluate(e)


def argument(call: Any, index: int) -> int | None:
    """The constant a call passes as argument `index` (NULL is 0), None when not a constant."""
    if index < len(call.exprs):
        return constant(call.exprs[index])
    return call.args[index].integer if index < len(call.args) else None


def state_path(e: CExpr) -> str | None:
    """`kw.active` or `vrrp_data`: a variable, or a field of one reached with `.` only (a field
    through a pointer, `p->x`, belongs to whatever the pointer holds); None otherwise."""
    fields = []
    e = strip(e)
    while isinstance(e, Member) and not e.arrow:
        fields.append(e.field)
        e = strip(e.base)
    if isinstance(e, Name) and e.ref == "var":
        return ".".join([e.name] + fields[::-1])
    return None


class Prunes(dict):
    """A process state's prunes (procstate.Prune by (process, caller, callee, line)), only ever
    added to (setdefault), with `in_order()`: the prunes sorted by caller and line, sorted
    again only once some were added (ProcessState.why_not asks for every message)."""

    _ordered: tuple[int, list[Any]] = (0, [])

    def in_order(self) -> list[Any]:
        if self._ordered[0] != len(self):
            self._ordered = (len(self), sorted(self.values(), key=lambda q: (q.caller, q.line)))
        return self._ordered[1]
