"""Objects only some configuration makes: keepalived allocates a vrrp_t only in alloc_vrrp(),
which only the handler of the `vrrp_instance` keyword calls (vrrp/vrrp_data.c), so code reading
a field of a vrrp_t (`vrrp->iname`) runs only when the configuration has a `vrrp_instance`
block; likewise a virtual_server_t, a real_server_t, a vrrp_script_t.

A struct counts when every allocation of it found (a local given the result of one of the
rules' `[config] allocation_calls`, whose fields are then read or written through it) is in a
function whose call paths need something (the inherited requirement: a keyword handler's
keywords), and nothing uses one by value (a field of another struct, a local or a global
struct, an array: `tracker->script.path`), since such an object exists without an allocation.
A message needs what the struct's allocations need when its own arguments or guards read a
field of one in any case (`vrrp->iname`, not `vrrp ? vrrp->iname : ""`, nor `&vrrp->e_list`,
which reads nothing).

Plain data in (FunctionFacts, Writes, the inherited requirements), Requirements out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator, Mapping

from srcscan.cexpr import Binary, Call, Cast, CExpr, Cond, Member, Name, Unary, render, strip, walk
from srcscan.model import CallSite, FunctionFacts, Write
from srcscan.requirement import Requirement


def object_makers(functions: Iterable[FunctionFacts], writes: Iterable[Write], allocation_calls: Iterable[str],
                  key_for) -> dict[str, tuple[str, ...]]:
    """Struct (Member.owner: where clang saw it declared) -> the call-graph keys of the functions
    allocating one (`new = MALLOC(sizeof(*new)); new->iname = ...`: a field written or read
through the local holding an allocation's result), for the structs never used
    by value anywhere (module docstring). `allocation_calls`: the rules' allocating functions;
    `key_for(name, file)`: the call graph's key of a function (CallGraph.key_for). Empty
    without allocation calls."""
    allocators = frozenset(allocation_calls)
    if not allocators:
        return {}
    functions = list(functions)
    by_function: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        by_function[(w.file, w.function)].append(w)
    makers: dict[str, set[str]] = defaultdict(set)
    by_value: set[str] = set()
    for fn in functions:
        own = by_function.get((fn.file, fn.name), [])
        fresh = {w.target for w in own if w.local and w.value is not None and _allocates(w.value, allocators)}
        key = key_for(fn.name, fn.file) or fn.key
        for w in own:  # `new->iname = iname`; also `new->e_list.next` (a list_head's: counted too,
            # which can only add allocations, and so only take a struct away from the keywords)
            if w.base in fresh and w.owner:
                makers[w.owner].add(key)
        for e in _expressions(fn, own):
            for m in walk(e):
                if not isinstance(m, Member) or not m.owner:
                    continue
                if not m.arrow:
                    by_value.add(m.owner)  # `tracker->script.path`, `local.field`, `table[i].field`
                    continue
                base = strip(m.base)
                if isinstance(base, Name) and base.name in fresh:
                    makers[m.owner].add(key)
    return {owner: tuple(sorted(keys)) for owner, keys in makers.items() if owner not in by_value}


def object_requirements(makers: Mapping[str, tuple[str, ...]], inherited: Mapping[str, Requirement]) \
        -> dict[str, Requirement]:
    """Struct -> what one of its allocations needs (any of the allocating functions' inherited
    requirements, `inherited`: analyze.inherited), for the structs whose allocations all need
    something; functions never called (FALSE) allocate nothing."""
    out = {}
    for owner, keys in makers.items():
        needs = [inherited.get(k, Requirement.TRUE) for k in keys]
        found = Requirement.any_of(needs).simplified()
        if not found.is_true and not found.is_false:
            out[owner] = found
    return out


def read_objects(call: CallSite) -> list[Member]:
    """The fields of structs a call reads in any case before it runs: in its arguments and
    guards, outside the operands `&&`, `||` and `?:` may skip, and not under `&` (an address
    reads nothing). One Member per struct, first found first."""
    found: dict[str, Member] = {}
    exprs = list(call.exprs) + [g.expr for g in call.guards if g.expr is not None]
    for e in exprs:
        for m in _read(e):
            found.setdefault(m.owner, m)
    return list(found.values())


def site_objects(call: CallSite, needs: Mapping[str, Requirement], makers: Mapping[str, tuple[str, ...]]) \
        -> tuple[Requirement, tuple[str, ...]]:
    """What the objects a call reads (read_objects) need (`needs`: object_requirements), and a
    line per object saying why (`vrrp->iname: a struct only alloc_vrrp() allocates, which needs
    vrrp_instance`)."""
    requirement, why = Requirement.TRUE, []
    for m in read_objects(call):
        need = needs.get(m.owner)
        if need is None:
            continue
        requirement = requirement & need
        names = ", ".join(k.rsplit(":", 1)[-1] + "()" for k in makers.get(m.owner, ()))
        why.append(f"{render(m)}: a struct only {names} allocates, which needs {need}")
    return requirement, tuple(why)


def _read(e: CExpr) -> Iterator[Member]:
    """The Members `e` reads whatever the values: `&&`/`||` only their left operand, `?:` its
    test, `&x->f` nothing of x (only what its base reads)."""
    e = strip(e)
    if isinstance(e, Unary) and e.op == "&":
        inner = strip(e.operand)
        if isinstance(inner, Member):
            yield from _read(inner.base)
        else:
            yield from _read(inner)
        return
    if isinstance(e, Member):
        if e.arrow and e.owner:
            yield e
        yield from _read(e.base)
        return
    if isinstance(e, Binary):
        yield from _read(e.left)
        if e.op not in ("&&", "||"):
            yield from _read(e.right)
        return
    if isinstance(e, Cond):
        yield from _read(e.test)
        return
    if isinstance(e, (Unary, Cast)):
        yield from _read(e.operand)
        return
    if isinstance(e, Call):
        yield from _read(e.function)
        for a in e.args:
            yield from _read(a)
        return
    for child in _children(e):
        yield from _read(child)


def _children(e: CExpr) -> list[CExpr]:
    """The direct subexpressions of the other node kinds (Index)."""
    return [v for v in (getattr(e, "base", None), getattr(e, "index", None)) if v is not None]


def _allocates(value: CExpr, allocators: frozenset[str]) -> bool:
    """A value that is the result of an allocating call (a cast around it looked through)."""
    value = strip(value)
    return isinstance(value, Call) and isinstance(strip(value.function), Name) and strip(value.function).name in allocators


def _expressions(fn: FunctionFacts, writes: Iterable[Write]) -> Iterator[CExpr]:
    """Every expression srcscan holds of a function: its calls' arguments and guards, its
    writes' values and guards, its returns."""
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
