"""Tests of a counter only a list walk counts up: dnsmasq's check_servers() counts the entries of
`daemon->local_domains` (`for (count = 0, serv = daemon->local_domains; serv; ...) { if (++count >
SERVERS_LOGGED) continue; ...}`) and logs `using %d more nameservers` under `count - 1 >
SERVERS_LOGGED` after the walk: the counter is 0 when the walk does not run, and the test fails
with 0, so the message needs what the increments need (the walk's list: the options filling
it). A necessary condition only: how many entries the list has is a value of the run. Facts in,
a requirement out; no I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Binary, CExpr, Name, Unary, evaluate, strip, walk
from srcscan.model import FunctionFacts, Guard
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

GuardReader = Callable[[Guard, "Index", FunctionFacts], Requirement]
_COUNTS_UP = ("++", "post++")


def counted_test(e: CExpr, index: Index, fn: FunctionFacts | None, reader: GuardReader, line: int) -> Requirement | None:
    """What a test of a local counter at `line` needs when the test fails with the counter at
    0, the last plain assignment before the test gave it 0 (or its declaration did), and it is
    counted up only by `++` written in tests of the function (`if (++count > N)`, `if (++locals
    <= N)`) between that assignment and the test: one of those increments ran, each under the
    guards around the test holding it. None for any other test, or when an increment needs no
    option."""
    if fn is None or not line:
        return None
    name = _counter(e)
    if name is None or evaluate(e, {name: 0}) != 0:
        return None
    writes = [w for w in index.local_assignments.get((fn.file, fn.name), {}).get(name, ())
              if w.line < line and (w.op != "decl" or w.value is not None)]
    if not writes or writes[-1].op not in ("=", "decl") or integer_of(writes[-1].value) != 0:
        return None
    start = writes[-1].line
    found: list[Requirement] = []
    seen: set[int] = set()
    for call in fn.calls:
        for i, g in enumerate(call.guards):
            if g.expr is None or not start <= g.line < line or g.line in seen or not _counts_up(g.expr, name):
                continue
            seen.add(g.line)
            need = Requirement.all_of(reader(o, index, fn) for o in call.guards[:i]).simplified()
            if need.is_true:
                return None
            found.append(need)
    return Requirement.any_of(found).simplified() if found else None


def _counter(e: CExpr) -> str | None:
    """The local a comparison with a constant reads (`count - 1 > N`, `locals > N`)."""
    e = strip(e)
    if not (isinstance(e, Binary) and e.op in (">", ">=", "!=", "<", "<=", "==")):
        return None
    if integer_of(e.right) is None and integer_of(e.left) is None:
        return None
    names = {x.name for x in walk(e) if isinstance(x, Name) and x.ref == "var"}
    return next(iter(names)) if len(names) == 1 else None


def _counts_up(e: CExpr, name: str) -> bool:
    """Whether `e` counts `name` up (`++name`, `name++`)."""
    return any(isinstance(x, Unary) and x.op in _COUNTS_UP and isinstance(strip(x.operand), Name)
               and strip(x.operand).name == name for x in walk(e))
