"""The value a local holds at a test when one assignment decides it: lighttpd 1.4.69's
mod_gnutls_verify_set_tlist() gives `d` the CA list (`d = req && ... ? ... : ...`), then
`d = hctx->conf.ssl_ca_crl_file;` and tests `if (NULL != d && ...)`: at that test `d` is the CRL
list, which only ssl.ca-crl-file fills, whatever else the function gave it before.

Only when sure: the last assignment before the test is a statement of the function's body
itself (no guard but early returns before it: no branch, switch label or counting loop), it
gives a struct field's value, and nothing assigns the local again at or after the test's line
(no value carried round a loop). A local given one of two fields by a choice (keepalived's
`notify_script = rs->alive ? rs->notify_up : rs->notify_down;` then `if (notify_script)`) is
decided the same way, as that choice (choice_at_line), which optiontests reads branch by branch.
Facts in (extract.writes' local writes), expressions out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Iterable

from srcscan.cexpr import CExpr, Cond, Member, Name, strip, substitute, walk
from srcscan.model import FunctionFacts, Write

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def local_assignments(writes: Iterable[Write]) -> dict[tuple[str, str], dict[str, tuple[Write, ...]]]:
    """(file, function) -> local -> its declarations and assignments (`=`, and any other
    operator: they count as assignments after a test), in line order."""
    out: dict[tuple[str, str], dict[str, list[Write]]] = defaultdict(lambda: defaultdict(list))
    for w in writes:
        if w.local and not w.param:
            out[(w.file, w.function)][w.target].append(w)
    return {k: {n: tuple(sorted(set(ws), key=lambda w: w.line)) for n, ws in d.items()} for k, d in out.items()}


def at_line(e: CExpr, index: Index, fn: FunctionFacts | None, line: int, choices: bool = False) -> CExpr | None:
    """`e` with each local it reads replaced by the field the local holds at `line` (module
    docstring); None when there is none to replace. With `choices`, a local holding `c ? a : b`
    of two fields is replaced by that choice too."""
    if fn is None or not line:
        return None
    assigned = index.local_assignments.get((fn.file, fn.name), {})
    values = {}
    for x in walk(e):
        if isinstance(x, Name) and x.ref == "var" and x.name in assigned and x.name not in values:
            value = _decided(assigned[x.name], fn, line, choices)
            if value is not None:
                values[x.name] = value
    if not values:
        return None
    return substitute(e, values, ref="var")


def choice_at_line(e: CExpr, index: Index, fn: FunctionFacts | None, line: int) -> Cond | None:
    """The choice of two fields a local `e` holds at `line` (`rs->alive ? rs->notify_up :
    rs->notify_down`); None for any other test or value."""
    e = strip(e)
    if not isinstance(e, Name) or e.ref != "var":
        return None
    found = at_line(e, index, fn, line, choices=True)
    return found if isinstance(found, Cond) else None


def _decided(ws: tuple[Write, ...], fn: FunctionFacts, line: int, choices: bool = False) -> CExpr | None:
    before = [w for w in ws if fn.line <= w.line < line]
    if not before or any(w.line >= line for w in ws):
        return None
    last = before[-1]
    if last.op != "=" and not (choices and last.op == "decl") or last.value is None \
            or any(g.kind != "early-return" for g in last.guards) or sum(1 for w in before if w.line == last.line) > 1:
        return None
    value = strip(last.value)
    if choices and isinstance(value, Cond) and isinstance(strip(value.yes), Member) \
            and isinstance(strip(value.no), Member):
        return value if not any(isinstance(x, Name) and x.name == last.target for x in walk(value)) else None
    return value if isinstance(value, Member) and not any(
        isinstance(x, Name) and x.name == last.target for x in walk(value)) else None

