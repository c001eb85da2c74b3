"""Evaluating `#if` expressions under an assignment of macros, and solving for the fewest
changes to a build's macros that make a condition hold (what a build must define to reach a
line)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from srcscan.preprocessor.expr import (FALSE, Expr, ExprSyntaxError, apply_op, int_value, NEGATED_COMPARISON,
                                       parsed_value, atoms, call_key, parse_expr, simplify)

# ---------------------------------------------------------------------------- evaluation

UNKNOWN_VALUE = "?"  # a macro that is defined, with a value only the compiler knows
Assignment = Mapping[str, "str | None"]  # macro -> replacement text, None when undefined (a missing macro: undefined)


def evaluate(expr: Expr, values: Assignment, depth: int = 0) -> int | None:
    """The value of an #if expression under an assignment; None when it depends on
    something unknown (an opaque call, a value only the system headers know)."""
    op = expr.op
    if op == "int":
        return expr.value
    if op == "defined":
        return int(values.get(expr.name) is not None or values.get(expr.name + "(...)") is not None)
    if op == "macro":
        text = values.get(expr.name)
        return 0 if text is None else _value_of(text, values, depth)
    if op == "call":
        key = call_key(expr)
        text = values.get(key) if key else None
        return None if text is None else _value_of(text, values, depth)
    if op in ("&&", "||"):
        results = [evaluate(a, values, depth) for a in expr.args]
        stop, other = (0, 1) if op == "&&" else (1, 0)
        if any(r is not None and bool(r) == bool(stop) for r in results):
            return stop
        return other if all(r is not None for r in results) else None
    if op == "?:":
        cond = evaluate(expr.args[0], values, depth)
        if cond is None:
            a, b = (evaluate(x, values, depth) for x in expr.args[1:])
            return a if a == b else None
        return evaluate(expr.args[1 if cond else 2], values, depth)
    args = [evaluate(a, values, depth) for a in expr.args]
    if any(a is None for a in args):
        return None
    return apply_op(op, args)


def _value_of(text: str, values: Assignment, depth: int) -> int | None:
    if text == UNKNOWN_VALUE or depth > 8:
        return None
    if re.fullmatch(r"\d+[uUlL]*", text):
        return int_value(text)
    expr = parsed_value(text)
    return evaluate(expr, values, depth + 1) if expr is not None else None


# ---------------------------------------------------------------------------- solving

@dataclass(frozen=True)
class Solution:
    """How a build reaches a condition, or why none does."""

    status: str  # "holds" (the base build already does), "solved", "unsure" (depends on what only the
    #             compiler knows; worth a try), "never" (#if 0), "contradiction", "fixed" (needs a macro
    #             the system headers, the tree or the rules fix)
    changes: tuple[tuple[str, str | None], ...] = ()  # macro -> value (None: -U), sorted
    why: str = ""

    @property
    def reachable(self) -> bool:
        return self.status in ("holds", "solved", "unsure")


MAX_CHANGES = 4
MAX_EVALUATIONS = 20000


def solve(cond: Expr, base: Assignment, fixed: frozenset[str] = frozenset(),
          last_resort: frozenset[str] = frozenset()) -> Solution:
    """The smallest change to the base assignment under which `cond` holds.

    Macros in `fixed` keep their base value; `last_resort` ones (macros the tree defines
    itself) are set from outside only when nothing else works."""
    tested = atoms(cond)
    cond = simplify(cond)
    if cond == FALSE:
        if tested:
            return Solution("contradiction", why="contradictory conditions: no build takes this branch")
        return Solution("never", why="#if 0: never compiled")
    if evaluate(cond, base) == 1:
        return Solution("holds")
    names = atoms(cond)
    found = (_search(cond, base, sorted(names - fixed - last_resort))
             or _search(cond, base, sorted(names - fixed)))
    if found and found[1]:
        return Solution("solved", found[0])
    if found:
        return Solution("unsure", found[0], "depends on values only the compiler knows")
    relaxed = _search(cond, base, sorted(names))
    if relaxed:
        stuck = tuple((name, value) for name, value in relaxed[0] if name in fixed)
        return Solution("fixed", stuck, f"needs {', '.join(n for n, _ in stuck)} changed, which the build cannot set")
    return Solution("contradiction", why="contradictory conditions: no build takes this branch")


def satisfiable(expr: Expr) -> bool:
    """Does some assignment of its macros make the expression true (or possibly true)?"""
    expr = simplify(expr)
    return evaluate(expr, {}) != 0 or _search(expr, {}, sorted(atoms(expr))) is not None


def _domain(name: str, cond: Expr) -> list[str | None]:
    """Values worth trying for a macro: undefined, 1, and around every integer it is compared with."""
    if name.endswith("(...)"):
        return ["1", "0"]  # a function-like macro: undefined would be an error, not false
    values: list[str | None] = [None, "1"]
    for c in sorted(_compared_with(name, cond)):
        for v in (c - 1, c, c + 1):
            if str(v) not in values:
                values.append(str(v))
    return values


def _compared_with(name: str, expr: Expr) -> set[int]:
    out = set()
    if expr.op in NEGATED_COMPARISON and len(expr.args) == 2:
        a, b = expr.args
        for x, y in ((a, b), (b, a)):
            if x.op == "macro" and x.name == name and y.op == "int":
                out.add(y.value)
    for a in expr.args:
        out |= _compared_with(name, a)
    return out


def _search(cond: Expr, base: Assignment, names: list[str]) -> tuple[tuple[tuple[str, str | None], ...], bool] | None:
    """(changes, certain) with the fewest changes; certain=False when the best is only "maybe"."""
    domains = {n: [v for v in _domain(n, cond) if v != base.get(n)] for n in names}
    budget = MAX_EVALUATIONS
    maybe = None
    for k in range(1, min(MAX_CHANGES, len(names)) + 1):
        for chosen in itertools.combinations(names, k):
            for values in itertools.product(*(domains[n] for n in chosen)):
                budget -= 1
                if budget < 0:
                    return maybe
                trial = {**base, **dict(zip(chosen, values))}
                result = evaluate(cond, trial)
                changes = tuple(zip(chosen, values))
                if result == 1:
                    return changes, True
                if result is None and maybe is None:
                    maybe = (changes, False)
    return maybe


def build_holds(build: str, defined: Iterable[str], undefined: Iterable[str] = ()) -> bool:
    """Can a call with this build condition be compiled in a build that defines every macro
    of `defined` (and none of `undefined`)? Other macros may take any value. An empty
    condition always holds; one srcscan cannot read is given the benefit of the doubt.

        build_holds("defined(_WITH_BFD_) && !defined(_WITH_LVS_)", {"_WITH_BFD_"})   -> True
        build_holds("!defined(_WITH_BFD_)", {"_WITH_BFD_"})                           -> False
    """
    if not build.strip():
        return True
    try:
        expr = simplify(parse_expr(build))
    except (ExprSyntaxError, RecursionError):
        return True
    base: dict[str, str | None] = {name: "1" for name in defined}
    base.update({name: None for name in undefined})
    fixed = frozenset(base)
    # Function-like macros (`KERNEL_VERSION(3, 4, 0)`) are left unknown, not guessed.
    base.update({name: UNKNOWN_VALUE for name in atoms(expr) if name.endswith("(...)")})
    if evaluate(expr, base) != 0:
        return True
    return _search(expr, base, sorted(atoms(expr) - fixed - set(base))) is not None
