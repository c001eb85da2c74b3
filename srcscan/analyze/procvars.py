"""Whether a guard can hold in a process by its process variable: each child sets one to its own
constant right after its fork (keepalived's `prog_type = PROG_TYPE_VRRP`, processes.Process.values),
so `if (prog_type == PROG_TYPE_VRRP)` in code shared by every process runs in the VRRP child
only, and a test for a child's value is false in the parent, which sets none. processes.regions
and message_processes ask it. Plain data in, no I/O.
"""

from __future__ import annotations

import functools
from typing import Any, Iterable

from srcscan.analyze.forkside import Process
from srcscan.analyze.stateexpr import constant
from srcscan.cexpr import Binary, CExpr, Name, Unary, strip


def runs_in(p: Process, procs: list[Process], guards: Iterable[Any], option_test: Any = None) -> bool:
    """False when a guard tests a process variable for a value process `p` does not have
    (`if (prog_type == PROG_TYPE_VRRP)` in code shared by every process)."""
    return runs_with(process_values(p, tuple(procs)), guards, option_test)


def runs_with(values: tuple, guards: Iterable[Any], option_test: Any = None) -> bool:
    variables, own, others = values
    if not variables:
        return True
    for guard in guards:
        if guard.expr is None or guard.kind in ("case", "default"):
            continue
        value = process_test(guard.expr, own, others, variables, option_test)
        if value is not None and value == guard.negated:
            return False
    return True


@functools.lru_cache(maxsize=64)
def process_values(p: Process, procs: tuple[Process, ...]) -> tuple[set[str], dict[str, int], dict[str, set[int]]]:
    variables = {var for q in procs for var, _ in q.values}
    others = {var: {v for q in procs if q is not p for w, v in q.values if w == var} for var in variables}
    return variables, dict(p.values), others


def process_test(e: CExpr, own: dict[str, int], others: dict[str, set[int]], variables: set[str],
                 option_test: Any = None) -> bool | None:
    """Three-valued: does the condition hold in the process whose variables are `own`? For the
    parent (which sets none of them) a test for a child's value is false."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        inner = process_test(e.operand, own, others, variables, option_test)
        return None if inner is None else not inner
    if isinstance(e, Binary) and e.op in ("&&", "||"):
        a, b = (process_test(c, own, others, variables, option_test) for c in (e.left, e.right))
        if e.op == "&&":
            return False if a is False or b is False else (True if a and b else None)
        return True if a is True or b is True else (False if a is False and b is False else None)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        left, right = strip(e.left), strip(e.right)
        if not isinstance(left, Name):
            left, right = right, left
        value = constant(right)
        if not isinstance(left, Name) or left.name not in variables or value is None:
            return option_test(e) if option_test else None
        if left.name in own:
            equal = own[left.name] == value
        elif value in others[left.name]:
            equal = False  # a value only children take
        else:
            return None
        return equal if e.op == "==" else not equal
    # `prog_type == PROG_TYPE_VRRP || __test_bit(CONFIG_TEST_BIT, &debug)`: an option test
    # decides the other operand under the options in force.
    return option_test(e) if option_test else None
