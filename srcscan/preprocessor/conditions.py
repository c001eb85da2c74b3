"""Condition stacks: which `#if` branches hold each line of a file, and its include guard."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from srcscan.preprocessor.expr import TRUE, Expr, conjoin, directive_condition, negate, render
from srcscan.preprocessor.lex import Directive

# ---------------------------------------------------------------------------- condition stacks

@dataclass(frozen=True)
class Branch:
    """One level of the #if nesting around a line: the branch's own condition, already
    including "and no earlier branch of this #if was taken" for #elif/#else."""

    line: int  # line of the #if/#elif/#else that opened the branch
    if_line: int  # line of the #if the branch belongs to
    cond: Expr
    guard: bool = False  # the include guard of a header: holds in every build
    tests: frozenset[str] = frozenset()  # macros the #if chain up to this branch names (none for `#if 0`)

    @property
    def text(self) -> str:
        return render(self.cond)


@dataclass(frozen=True)
class Conditionals:
    """The #if structure of one file: the branch stack holding each line."""

    starts: tuple[int, ...]  # first line of each region, ascending
    stacks: tuple[tuple[Branch, ...], ...]  # branch stack of each region, outermost first
    unbalanced: bool = False  # an #else/#endif without #if, or an #if never closed
    spans: tuple[tuple[Branch, int], ...] = ()  # every branch with the line of the directive ending it

    def stack(self, line: int) -> tuple[Branch, ...]:
        i = bisect.bisect_right(self.starts, line) - 1
        return self.stacks[i] if i >= 0 else ()

    def build(self, line: int) -> Expr:
        """The simplified condition a build must meet for `line` to be compiled."""
        return conjoin([b.cond for b in self.stack(line) if not b.guard])


OPENERS = ("if", "ifdef", "ifndef")
ELSES = ("elif", "elifdef", "elifndef", "else")


def conditionals(directives: tuple[Directive, ...]) -> Conditionals:
    """Branch stacks by line for one file's directives."""
    guard_line = include_guard(directives)
    starts, stacks = [1], [()]
    spans: list[tuple[Branch, int]] = []
    frames: list[tuple[int, list[Expr], Branch]] = []  # (#if line, conditions of its branches so far, open branch)
    unbalanced = False
    for d in directives:
        if d.kind in OPENERS:
            cond = directive_condition(d)
            frames.append((d.line, [cond], Branch(d.line, d.line, cond, d.line == guard_line, _named(d))))
        elif d.kind in ELSES:
            if not frames:
                unbalanced = True
                continue
            if_line, previous, branch = frames[-1]
            spans.append((branch, d.line))
            cond = TRUE if d.kind == "else" else directive_condition(d)
            taken = conjoin([negate(c) for c in previous] + [cond])
            previous.append(cond)
            frames[-1] = (if_line, previous, Branch(d.line, if_line, taken, tests=branch.tests | _named(d)))
        elif d.kind == "endif":
            if not frames:
                unbalanced = True
                continue
            spans.append((frames.pop()[2], d.line))
        else:
            continue
        starts.append(d.last_line + 1)
        stacks.append(tuple(f[2] for f in frames))
    return Conditionals(tuple(starts), tuple(stacks), unbalanced or bool(frames), tuple(spans))


def _named(d: Directive) -> frozenset[str]:
    """Macro names written in a directive (before any simplification: `#if A && !A` names A)."""
    return frozenset(re.findall(r"[A-Za-z_]\w*", d.text)) - {"defined"} if d.kind != "else" else frozenset()


def include_guard(directives: tuple[Directive, ...]) -> int | None:
    """Line of a header's include guard: `#ifndef X` / `#define X` first, its #endif last."""
    conds = [d for d in directives if d.kind in OPENERS + ELSES + ("endif",)]
    if len(directives) < 3 or not conds or directives[0] is not conds[0]:
        return None
    first = directives[0]
    name = guard_name(first)
    if name is None or directives[1].kind != "define" or directives[1].text.split()[:1] != [name]:
        return None
    depth = 0
    for d in conds:
        depth += d.kind in OPENERS
        depth -= d.kind == "endif"
        if depth == 0:
            return first.line if d is conds[-1] and d is directives[-1] else None
    return None


def guard_name(d: Directive) -> str | None:
    """The macro an `#ifndef X` or `#if !defined(X)` tests (an include guard's candidate), else None."""
    if d.kind == "ifndef":
        return d.text.split()[0] if d.text.split() else None
    if d.kind == "if":
        m = re.fullmatch(r"!\s*defined\s*\(?\s*([A-Za-z_]\w*)\s*\)?", d.text)
        return m.group(1) if m else None
    return None
