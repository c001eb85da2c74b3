"""Flags on by default: a config field its defaults function sets to a constant other than 0
(lighttpd 1.4.19's `host->check_local = 1;` in mod_fastcgi_set_defaults, before the host's
key table points `check-local` at it) is 0 only when the key turned it off. So a test that
it is 0 (`host->check_local == 0`, `!host->check_local`) needs the key given off, written
`!check-local` as for any flag a key turns off; a test that it is set needs nothing. Only
when no other code writes the field: the defaults function's constant and the key's own
switch case (`case 5: host->check_local = (0 != cpv->v.u);`) are its only writes. No I/O.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Iterable

from srcscan.analyze.optionvalues import integer_of, set_by_default, target_of, value_options
from srcscan.cexpr import Binary, CExpr, Member, evaluate, render, strip
from srcscan.model import FunctionFacts, Write
from srcscan.requirement import Atom, Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def on_by_default(e: CExpr, index: Index, fn: FunctionFacts | None, necessary: bool | None) -> Requirement | None:
    """What the test `e` needs when it reads a flag on by default (module docstring): for a
    test that the flag is 0, any of its keys given off (`!check-local`); for a test that it is
    set, nothing when `necessary` (it holds by default), "none of the keys given off" as the
    sufficient formula (`necessary` False), so that its negation reads as the keys given off;
    for the exact formula (`necessary` None), "none given off, or a run-time test" (no key
    is needed for it to hold). None for any other test."""
    e = strip(e)
    zero = False
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if integer_of(other) == 0 and target_of(side) is not None:
                e, zero = strip(side), e.op == "=="
                break
        else:
            return None
    names = _flag_keys(e, index, fn)
    if not names:
        return None
    off = Requirement.any_of(Requirement.atom(n, negated=True) for n in names)
    if zero:
        return off
    if necessary is None:  # set unless a key turned it off, and then maybe set again at run time
        return ~off | Requirement.atom(Atom(f"?{fn.key if fn else ''}:{render(e)}", test=e))
    return Requirement.TRUE if necessary else ~off


def _flag_keys(e: CExpr, index: Index, fn: FunctionFacts | None) -> list[str]:
    """The keys of the field `e` reads when it is a flag on by default, else []."""
    target = target_of(e)
    if fn is None or target is None or target.kind != "field" or target.name == "used" \
            or not set_by_default(fn.file, target.name, target.owner, index):
        return []
    writes = [w for w in index.field_writes.get(target.name, ())
              if not w.owner or not target.owner or w.owner == target.owner]
    defaults = [w for w in writes if _is_default(w, index.defaults_functions)]
    if not defaults or not all(w in defaults or _in_key_case(w, index.key_switch) for w in writes):
        return []
    return value_options(target, index, fn, by_default=False)


def _is_default(w: Write, patterns: tuple[str, ...]) -> bool:
    """A defaults function's write of an integer constant other than 0 (`check_local = 1`)."""
    value = evaluate(w.value) if w.value is not None else None
    return w.op == "=" and isinstance(value, int) and value != 0 and any(
        fnmatch.fnmatchcase(w.function, p) for p in patterns)


def _in_key_case(w: Write, key_switch: str) -> bool:
    """A write under a case of a key switch (`switch (cpv->k_id)`): the key's own value."""
    return bool(key_switch) and any(g.kind == "case" and isinstance(g.expr, Member) and g.expr.field == key_switch
                                    for g in w.guards)


def default_owners(writes: Iterable[Write], defaults: frozenset[tuple[str, str]],
                   patterns: tuple[str, ...]) -> dict[tuple[str, str], frozenset[str]]:
    """(file, field) of options.find_defaults -> the structs whose field of that name the
    defaults function sets ("" when the parse did not name one): lighttpd 1.4.19's
    mod_fastcgi_set_defaults gives `proc->port = host->port + pno` (a process's port, struct
    fcgi_proc), which is no default of the host's `port` that the `port` key fills."""
    out: dict[tuple[str, str], set[str]] = {}
    for w in writes:
        slot = (w.file, w.target.rsplit(".", 1)[-1])
        if slot in defaults and not w.local and w.op == "=" and w.value is not None and evaluate(w.value) != 0 \
                and any(fnmatch.fnmatchcase(w.function, p) for p in patterns):
            out.setdefault(slot, set()).add(w.owner)
    return {k: frozenset(v) for k, v in out.items()}

