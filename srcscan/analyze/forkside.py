"""Which side of a fork(2) a line runs on, and the process record it decides.

POSIX fork() returns 0 in the child, the child's pid in the parent and -1 in the parent when
it failed: a start function's code before the fork and in a branch whose test holds only for
a non-zero result runs in the parent, the rest in the child (processes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from srcscan.analyze.stateexpr import constant
from srcscan.cexpr import Binary, CExpr, Name, Unary, strip


@dataclass(frozen=True)
class Process:
    """One process of the daemon: the entry point (`start` "main", `fork_line` 0) or a child a
    start function forks and that opens syslog itself (processes.find_processes); `values`
    are the (variable, constant) pairs the child sets after its fork that tell the children
    apart (keepalived's `prog_type = PROG_TYPE_VRRP`)."""

    name: str
    start: str  # call-graph key of the start function
    fork_line: int  # 0 for the entry point
    fork_var: str  # variable holding fork()'s result in the start function
    values: tuple[tuple[str, int], ...] = ()  # constants the child gives globals after the fork


def parent_branch(guards: Iterable[Any], var: str) -> bool:
    """True where a guard says the fork's result is non-zero (the parent), or negative (failed)."""
    if not var:
        return False
    for g in guards:
        if g.kind in ("case", "default", "loop") or g.expr is None:
            continue
        side = fork_side(g.expr, var)
        if side is not None and side == ("child" if g.negated else "parent"):
            return True
    return False


# `pid` compared with a constant: which side of fork() the test holds on (POSIX fork():
# 0 in the child, the child's pid in the parent, -1 when it failed, in the parent).
_PARENT_TESTS = frozenset({(">", 0), ("<", 0), ("!=", 0), ("==", -1), ("<=", -1)})
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


def fork_side(e: CExpr, var: str) -> str | None:
    """"parent" when `e` holds only where fork()'s result `var` is non-zero, "child" when only
    where it is zero, None when `e` does not test it that way."""
    e = strip(e)
    if isinstance(e, Name):
        return "parent" if e.name == var else None
    if isinstance(e, Unary) and e.op == "!":
        inner = fork_side(e.operand, var)
        return None if inner is None else ("child" if inner == "parent" else "parent")
    if isinstance(e, Binary) and e.op in _MIRROR:
        left, right, op = strip(e.left), strip(e.right), e.op
        if not (isinstance(left, Name) and left.name == var):
            left, right, op = right, left, _MIRROR[op]
        value = constant(right)
        if not (isinstance(left, Name) and left.name == var) or value is None:
            return None
        if (op, value) == ("==", 0):
            return "child"
        return "parent" if (op, value) in _PARENT_TESTS else None
    return None


def on_child_side(p: Process, line: int, guards: Iterable[Any]) -> bool:
    """Whether `line` of `p`'s start function, under `guards`, runs in `p`: always for the entry
    point; for a child, a line after its fork (`fork_line`, a line number) outside a branch
    that holds only in the parent (parent_branch)."""
    if p.start == "main":
        return True
    return line > p.fork_line and not parent_branch(guards, p.fork_var)
