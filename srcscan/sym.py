"""Symbolic values of the log-setup facts: small tuples that say what an argument or an
initial value is, built by extract/logsetup.py and evaluated by the analyses against
whole-tree knowledge (initial values of globals, what an option assigns). Plain data: no
parser node travels in them.

    ("int", 136)            a constant (LOG_LOCAL1 after expansion)
    ("str", "Keepalived")   a string literal
    ("var", "log_facility") a variable of file or global scope
    ("local", "facility")   a local of the function the expression is in
    ("param", 0, "ident")   the function's parameter, by position
    ("fn", "dump_sock")     a function's address
    ("cond", c, a, b)       c ? a : b
    ("bin", op, a, b)       a op b
    ("not", a)              !a
    ("member", base, f)     base.f or base->f
    ("index", base, i)      base[i]
    ("call", name, args)    a call
    ("?", text)             anything else, as written
"""

from __future__ import annotations

from typing import Iterator

Sym = tuple


def walk_sym(s: Sym) -> Iterator[Sym]:
    """`s` and every symbolic value inside it, `s` first (pre-order)."""
    yield s
    for part in s[1:]:
        if isinstance(part, tuple) and part and isinstance(part[0], str):
            yield from walk_sym(part)
        elif isinstance(part, tuple):
            for p in part:
                if isinstance(p, tuple):
                    yield from walk_sym(p)
