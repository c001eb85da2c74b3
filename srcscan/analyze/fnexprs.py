"""The expressions srcscan holds of a function, for analyses that look for a shape anywhere in
its body (an address taken, a field read, an object handed whole to a call)."""

from __future__ import annotations

from typing import Iterable, Iterator

from srcscan.cexpr import CExpr
from srcscan.model import FunctionFacts, Write


def function_expressions(fn: FunctionFacts, writes: Iterable[Write]) -> Iterator[CExpr]:
    """Every expression srcscan holds of `fn` (typed expressions, extract/expressions.py): its
    calls' arguments and guards, the `writes`' values and guards (the function's own writes, as
    the caller selected them: model.Write), its returns' values. A guard shared by several calls
    comes once per call."""
    for call in fn.calls:
        yield from call.exprs
        yield from (g.expr for g in call.guards if g.expr is not None)
    for w in writes:
        if w.value is not None:
            yield w.value
        yield from (g.expr for g in w.guards if g.expr is not None)
    for r in fn.returns:
        if r.value is not None:
            yield r.value
