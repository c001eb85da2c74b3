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
    if isinstance(e, Binary) and e.op == "=" and isinstance(strip(e.left), Name) and strip(e.left).name == var:
        return "parent"  # `(p = fork())`: its value is the result
    if isinstance(e, Name):
        return "parent" if e.name == var else None
    if isinstance(e, Binary) and e.op == "&&":
        # a conjunction holds only where each of its terms does
        found = {fork_side(term, var) for term in _conjuncts(e)} - {None}
        return found.pop() if len(found) == 1 else None
    if isinstance(e, Unary) and e.op == "!":
        inner = fork_side(e.operand, var)
        return None if inner is None else ("child" if inner == "parent" else "parent")
    if isinstance(e, Binary) and e.op in _MIRROR:
        left, right, op = strip(e.left), strip(e.right), e.op
        left, right = _assigned(left, var), _assigned(right, var)
        if not (isinstance(left, Name) and left.name == var):
            left, right, op = right, left, _MIRROR[op]
        value = constant(right)
        if not (isinstance(left, Name) and left.name == var) or value is None:
            return None
        if (op, value) == ("==", 0):
            return "child"
        return "parent" if (op, value) in _PARENT_TESTS else None
    return None


def _assigned(e: CExpr, var: str) -> CExpr:
    """`(p = fork())` stands for `p` in a comparison."""
    if isinstance(e, Binary) and e.op == "=" and isinstance(strip(e.left), Name) and strip(e.left).name == var:
        return strip(e.left)
    return e


def _conjuncts(e: CExpr) -> list[CExpr]:
    e = strip(e)
    if isinstance(e, Binary) and e.op == "&&":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def sides(p: Process, line: int, guards: Iterable[Any]) -> frozenset[str]:
    """Which sides of child `p`'s fork run `line` of its start function under `guards`: a subset
    of {"parent", "child"}. Before the fork, the parent; after it, a branch whose test holds
    only in the parent (fork_side: `pid > 0`, `(pid = fork()) != 0 && x`, or the else branch of
    a test holding only in the child) runs there, the rest in the child, except the else branch
    of a conjunction holding the fork's test with other terms (`if (!debug && pipe(fds) == 0 &&
    (p = fork()) != 0) {parent} else {...}`: the child, and the parent where another term failed
    and it did not fork; the else branch of `x && (p = fork()) == 0` is the parent's alone). The
    entry point (`start` "main") is on the child's side of every line."""
    if p.start == "main":
        return _CHILD
    if line <= p.fork_line:
        return _PARENT
    parent = both = False
    for g in guards:
        if g.kind in ("case", "default", "loop") or g.expr is None or not p.fork_var:
            continue
        side = fork_side(g.expr, p.fork_var)
        if side is None:
            continue
        if g.negated and side == "parent" and len(_conjuncts(g.expr)) > 1:
            both = True  # the child, or the parent where another term failed and it did not fork
        elif side == ("child" if g.negated else "parent"):
            parent = True
    # (a branch of neither kind after the fork is the child's, as on_child_side has it)
    return _PARENT if parent else _BOTH if both else _CHILD


_PARENT, _CHILD, _BOTH = frozenset({"parent"}), frozenset({"child"}), frozenset({"parent", "child"})


def on_child_side(p: Process, line: int, guards: Iterable[Any]) -> bool:
    """Whether `line` of `p`'s start function, under `guards`, runs in `p`: always for the entry
    point; for a child, a line after its fork (`fork_line`, a line number) outside a branch
    that holds only in the parent (parent_branch)."""
    return "child" in sides(p, line, guards)
