"""Where a flag bit named by a macro can be: the parameters it is passed into.

dnsmasq's query log tests `flags & F_NOEXTRA` (cache.c, log_query). F_NOEXTRA is written in no
variable or field: it appears only in calls (`log_query(F_NOEXTRA | F_UPSTREAM, ...)` in
dnssec.c, `log_query_mysockaddr(F_NOEXTRA | ...)`, which passes its `flags` on to log_query).
So the bit can be only in the parameters those calls fill, and in the parameters those pass
theirs into: make_local_answer's `flags`, filled from forward_query's locals, never holds it,
and `log_query(flags | gotname | F_NEG | F_CONFIG | F_FORWARD, ...)` there cannot write the
F_NOEXTRA form. A macro written anywhere (a variable, a field), passed through a pointer call,
or carried by a parameter the function writes somewhere, can be anywhere: no answer for it.
Plain facts in (FunctionFacts' calls, extract.writes' records); no I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from srcscan.cexpr import Binary, Call, CExpr, Cast, Cond, Const, Member, Name, Unary, children, evaluate, strip, walk
from srcscan.model import FunctionFacts, Write

Carriers = dict[str, frozenset[tuple[str, int]]]  # macro -> (function name, parameter index) that may hold it


def carried(e: CExpr) -> set[str]:
    """The named constants `e` may carry into a value (not under `~`, `!`, `&` or a comparison:
    those mask or test)."""
    e = strip(e)
    if isinstance(e, Const):
        return {e.text} if e.value and re.fullmatch(r"[A-Za-z_]\w*", e.text or "") else set()
    if isinstance(e, Unary) and e.op in ("~", "!"):
        return set()
    if isinstance(e, Binary) and e.op in ("|", "+", "^", "=", "|=", ","):
        return carried(e.left) | carried(e.right)
    if isinstance(e, Binary):
        return set()
    return {m for c in children(e) for m in carried(c)}


def _params(e: CExpr, fn: FunctionFacts) -> set[int]:
    """Indexes of fn's parameters `e` may carry on (the same positions as `carried`)."""
    e = strip(e)
    if isinstance(e, Name):
        return {fn.params.index(e.name)} if e.ref == "param" and e.name in fn.params else set()
    if isinstance(e, Unary) and e.op in ("~", "!"):
        return set()
    if isinstance(e, Binary) and e.op not in ("|", "+", "^", "=", "|=", ","):
        return set()
    return {i for c in children(e) for i in _params(c, fn)}


def flag_carriers(functions: Iterable[FunctionFacts], writes: Iterable[Write]) -> Carriers:
    """macro -> the parameters (function name, index) that may hold it, for the macros that
    reach values only through direct calls' arguments (module docstring)."""
    functions = list(functions)
    written: dict[str, set[str]] = defaultdict(set)  # function -> parameters it writes somewhere
    escaped: set[str] = set()
    for w in writes:
        if w.value is None:
            continue
        escaped |= carried(w.value)
        written[w.function].update(x.name for x in _names(w.value))
    found: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for fn in functions:
        for r in fn.returns:
            if r.value is not None:
                escaped |= carried(r.value)  # (a function returning it: its callers' values)
        for call in fn.calls:
            for i, e in enumerate(call.exprs):
                macros = carried(e)
                if call.indirect:
                    escaped |= macros
                for m in macros:
                    found[m].add((call.callee, i))
    changed = True
    while changed:
        changed = False
        for fn in functions:
            holds = {m: {i for name, i in at if name == fn.name} for m, at in found.items() if m not in escaped}
            holds = {m: ix for m, ix in holds.items() if ix}
            if not holds:
                continue
            for m, ix in holds.items():
                if any(fn.params[i] in written.get(fn.name, ()) for i in ix if i < len(fn.params)):
                    escaped.add(m)  # (a parameter holding it is written into a variable or field)
            for call in fn.calls:
                for j, e in enumerate(call.exprs):
                    passed = _params(e, fn)
                    for m, ix in holds.items():
                        if m in escaped or not passed & ix:
                            continue
                        if call.indirect:
                            escaped.add(m)
                        elif (call.callee, j) not in found[m]:
                            found[m].add((call.callee, j))
                            changed = True
    return {m: frozenset(at) for m, at in found.items() if m not in escaped}


def local_values(writes: Iterable[Write]) -> dict[tuple[str, str], dict[str, list]]:
    """(file, function) -> local -> the values its assignments and initializer give it (None for
    a declaration without one), from extract.writes' records (assignments inside a condition,
    `(flag = in_arpa_name_2_addr(name, &addr)) &&`, included)."""
    out: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for w in writes:
        if w.local and w.op in ("=", "|=", "decl"):
            out[(w.file, w.function)][w.target].append(w.value)
    return out


def _names(e: CExpr) -> Iterable[Name]:
    e = strip(e)
    if isinstance(e, Name):
        yield e
    for c in children(e):
        yield from _names(c)


def bit_absent(e: CExpr, owner: FunctionFacts, carriers: Carriers, functions: dict[str, FunctionFacts],
               called: frozenset[str] = frozenset(), locals_: dict | None = None) -> bool:
    """Whether the test `value & MASK` (either order) certainly fails, where the value's names are
    those of function `owner`: its constants lack MASK's bit, and each of its other parts cannot
    hold it: a local of `owner` whose every assignment is a constant or the result of a function
    (in `functions`, by name) returning only constants, lacking the bit (answer_auth's `flag =
    in_arpa_name_2_addr(...)`, which returns F_IPV4 or F_IPV6); or, for a MASK named by a macro
    with carriers, a local, a field or a parameter of `owner` that no call fills with it when
    some call of the tree calls `owner` directly (`called`: code outside the tree may call a
    function the tree never does, with any value). `locals_`: local_values(writes)."""
    e = strip(e)
    if not (isinstance(e, Binary) and e.op == "&"):
        return False
    for value, mask in ((e.left, e.right), (e.right, e.left)):
        mask = strip(mask)
        bit = evaluate(mask)
        if isinstance(mask, Const) and bit:
            at = carriers.get(mask.text)
            return _lacks(value, bit, _Parts(owner, at, functions, owner.name in called, locals_ or {}))
    return False


class _Parts:
    """What the unknown parts of a value in `owner` may hold (bit_absent)."""

    def __init__(self, owner: FunctionFacts, carriers: frozenset[tuple[str, int]] | None,
                 functions: dict[str, FunctionFacts], called: bool, locals_: dict) -> None:
        self.owner, self.carriers, self.functions, self.called = owner, carriers, functions, called
        self.locals = locals_  # (file, function) -> local -> the values assigned to it (None: none)

    def lacks(self, e: Name | Member, bit: int) -> bool:
        if isinstance(e, Name) and e.ref == "var":
            bits = self._local_bits(e.name)
            if bits is not None:
                return not bits & bit
        if self.carriers is None:
            return False
        if isinstance(e, Name) and e.ref == "param":
            params = self.owner.params
            return self.called and e.name in params and (self.owner.name, params.index(e.name)) not in self.carriers
        return isinstance(e, Member) or isinstance(e, Name) and e.ref == "var"

    def _local_bits(self, name: str) -> int | None:
        writes = [v for v in self.locals.get((self.owner.file, self.owner.name), {}).get(name, ())] or \
            [w.value for w in self.owner.local_writes if w.variable == name]
        if not writes or name in _addressed(self.owner):
            return None  # (no assignment seen, or its address handed to a call that may write it)
        bits = 0
        for written in writes:
            value = evaluate(written) if written is not None else None
            if value is None and written is not None:
                value = self._returned(strip(written))
            if value is None:
                return None
            bits |= value
        return bits

    def _returned(self, e: CExpr) -> int | None:
        if not (isinstance(e, Call) and isinstance(strip(e.function), Name)):
            return None
        fn = self.functions.get(strip(e.function).name)
        if fn is None or not fn.returns:
            return None
        bits = 0
        for r in fn.returns:
            value = evaluate(r.value) if r.value is not None else None
            if value is None:
                return None
            bits |= value
        return bits


_ADDRESSED: dict[int, tuple[FunctionFacts, frozenset[str]]] = {}  # id(function) -> (it, _addressed(it))


def _addressed(fn: FunctionFacts) -> frozenset[str]:
    """The names whose address `fn` hands to a call (`&flag` in an argument): worked out once
    per function, not once per question (dnsmasq's built texts asked 20,000 times, each walking
    every argument of the function's calls)."""
    hit = _ADDRESSED.get(id(fn))
    if hit is None or hit[0] is not fn:
        if len(_ADDRESSED) > 100_000:
            _ADDRESSED.clear()
        hit = _ADDRESSED[id(fn)] = (fn, frozenset(
            strip(x.operand).name for c in fn.calls for e in c.exprs for x in walk(e)
            if isinstance(x, Unary) and x.op == "&" and isinstance(strip(x.operand), Name)))
    return hit[1]


def _lacks(e: CExpr, bit: int, parts: _Parts) -> bool:
    e = strip(e)
    value = evaluate(e)
    if value is not None:
        return not value & bit
    if isinstance(e, Cast):
        return _lacks(e.operand, bit, parts)
    if isinstance(e, Binary) and e.op in ("|", "^", "+"):
        return _lacks(e.left, bit, parts) and _lacks(e.right, bit, parts)
    if isinstance(e, Binary) and e.op == "&":
        return _lacks(e.left, bit, parts) or _lacks(e.right, bit, parts)
    if isinstance(e, Cond):
        return _lacks(e.yes, bit, parts) and _lacks(e.no, bit, parts)
    if isinstance(e, (Name, Member)):
        return parts.lacks(e, bit)
    return False
