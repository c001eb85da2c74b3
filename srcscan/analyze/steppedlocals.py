"""Locals that start at 0 and change only by `++` and `--`: a test that such a local is set
needs one of those steps to have run.

keepalived 2.x's sigend() counts the children it signalled:

    int wait_count = 0;
    for (i = 0; i < NUM_CHILD_TERM; i++)
        if (*children_term[i].pid_p > 0) { if (kill(...)) ...; else wait_count++; }
    while (wait_count) { ... log_message(...) ... wait_count--; }

`wait_count` is non-zero only after a `wait_count++` ran, under a test that a child was started
(analyze.pointertables), so what the loop logs needs that too. Only when sure: every value the
function assigns the local is 0 as written (its declaration included), and every line of the
file's text writing the name (Index.assigned: assignments, steps, `&name`) is one of those
assignments or a step extract.writes.extract_steps parsed. A step's guard testing the local
itself (the loop it counts down in) is left out, and so is a step under a test that the local
is set (`while (wait_count) { ... wait_count--; }`: it changes a value already set, as
valuestores reads `if (x) x++;`). Facts in, a requirement out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable

from srcscan.analyze.guardedlocals import one_of_writes
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Binary, Name, names, strip
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

GuardReader = Callable[[Guard, "Index", FunctionFacts], Requirement]


def local_steps(steps: Iterable[Write]) -> dict[tuple[str, str], dict[str, tuple[Write, ...]]]:
    """(file, function) -> local -> its `++`/`--` steps (extract_steps), one per line and op."""
    out: dict[tuple[str, str], dict[str, dict[tuple[int, str], Write]]] = defaultdict(lambda: defaultdict(dict))
    for w in steps:
        out[(w.file, w.function)][w.target].setdefault((w.line, w.op), w)
    return {k: {n: tuple(by.values()) for n, by in d.items()} for k, d in out.items()}


def stepped_only_under(name: str, values: tuple, index: Index, fn: FunctionFacts,
                       reader: GuardReader) -> Requirement | None:
    """What local `name` of `fn` being non-zero needs when it is given only 0 (`values`: what
    the function assigns it, optionvalues.local_of) and changed only by steps (module
    docstring): one of its steps ran, under that step's guards (`reader`:
    optiontests.guard_requirement). None when a condition fails or a step needs nothing."""
    steps = getattr(index, "local_steps", {}).get((fn.file, fn.name), {}).get(name)
    if not steps or not values or any(v is None or integer_of(v) != 0 for v in values):
        return None
    parsed = {w.line for w in index.local_assignments.get((fn.file, fn.name), {}).get(name, ())}
    stepped = {w.line for w in steps}
    written = set(index.assigned.get(fn.file, {}).get(name, ()))
    if not written or written - parsed - stepped:
        return None  # a write no parse placed here (`&name` handed on, another function's local)
    # a step under a guard holding only while the local is set changes a value already set
    # (as valuestores reads `if (x) x++;`)
    return one_of_writes(index, (fn.key, name), (
        None if any(_while_set(g, name) for g in step.guards)
        else Requirement.all_of(reader(g, index, fn) for g in step.guards if g.expr is None or name not in names(g.expr))
        for step in steps))


def _while_set(g: Guard, name: str) -> bool:
    """A guard holding only while `name` is set: `while (wait_count)`, `i < N && wait_count`."""
    if g.negated or g.expr is None:
        return False
    e = strip(g.expr)
    if isinstance(e, Binary) and e.op == "&&":
        return _while_set(Guard(g.kind, None, "", g.line, expr=e.left), name) \
            or _while_set(Guard(g.kind, None, "", g.line, expr=e.right), name)
    if isinstance(e, Binary) and e.op == "!=" and integer_of(e.right) == 0:
        e = strip(e.left)
    return isinstance(e, Name) and e.name == name and e.ref == "var"
