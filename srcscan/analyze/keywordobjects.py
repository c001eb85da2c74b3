"""Objects only some configuration makes: keepalived allocates a vrrp_t only in alloc_vrrp(),
which only the handler of the `vrrp_instance` keyword calls (vrrp/vrrp_data.c), so code reading
a field of a vrrp_t (`vrrp->iname`) runs only when the configuration has a `vrrp_instance`
block; likewise a virtual_server_t, a real_server_t, a vrrp_script_t.

A struct counts when every allocation of it found (a local given the result of one of the
rules' `[config] allocation_calls`, or of a function returning one, whose fields are then read
or written through it, or through the parameter of a function it is passed to) is in a
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
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping

from srcscan.analyze.fnexprs import function_expressions
from srcscan.cexpr import Binary, Call, Cast, CExpr, Cond, Member, Name, Unary, render, strip, walk
from srcscan.model import CallSite, FunctionFacts, Write
from srcscan.requirement import Requirement

# A struct made under more ways of configuring than this (keepalived's ip_address_t: an
# instance's virtual_ipaddress, virtual_ipaddress_excluded, virtual_routes, virtual_rules, and
# the static_ipaddress, static_routes, static_rules blocks) is read in code that walks one of
# the lists they fill: which one is not known here, and the union would offer alternatives the
# code cannot take. Such a struct names nothing.
MAX_WAYS = 3


@dataclass(frozen=True)
class Objects:
    """What object_makers found: struct (Member.owner: where clang saw it declared) -> the
    call-graph keys of the functions allocating one (`makers`); function key -> the names
    (parameters, locals copying them) that may point at an object made on the stack or at a
    global one (`stacked`: reads through them tell nothing)."""

    makers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stacked: dict[str, frozenset[str]] = field(default_factory=dict)


def object_makers(functions: Iterable[FunctionFacts], writes: Iterable[Write], allocation_calls: Iterable[str],
                  key_for) -> Objects:
    """The structs' allocations (`new = MALLOC(sizeof(*new)); new->iname = ...`: a field written
    or read through the local holding the result of one of the rules' `allocation_calls`), for
    the structs no code uses by value other than as a local (a global, a field of another
    struct, an array element: such an object exists without an allocation). An object on the
    stack or a global one passed by address (keepalived's `vrrp_t old = {0};
    get_diff_address(&old, ...)` for the static addresses) makes the parameter it is passed in,
    and those it is passed on in, Objects.stacked; not one a write fills from an object of the
    same struct beside its declaration (`addr_vrrp.iname = vrrp->iname`: made from a configured
    one). `key_for(name, file)`: the call graph's key of a function (CallGraph.key_for). Empty
    without allocation calls."""
    allocators = frozenset(allocation_calls)
    if not allocators:
        return Objects()
    functions = list(functions)
    by_function: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        by_function[(w.file, w.function)].append(w)
    allocators = _returning_allocations(functions, by_function, allocators)
    by_key = {key_for(fn.name, fn.file) or fn.key: fn for fn in functions}
    makers: dict[str, set[str]] = defaultdict(set)
    by_value: set[str] = set()
    passed: list[tuple[str, str]] = []  # (function, local or global) whose address is taken
    for fn in functions:
        own = by_function.get((fn.file, fn.name), [])
        key = key_for(fn.name, fn.file) or fn.key
        fresh = {w.target for w in own if w.local and w.value is not None and _allocates(w.value, allocators)}
        declared = {w.target: w for w in own if w.local and w.op == "decl"}
        for w in own:  # `new->iname = iname`; also `new->e_list.next` (a list_head's: counted too,
            # which can only add allocations, and so only take a struct away from the keywords)
            if w.base in fresh and w.owner:
                makers[w.owner].add(key)
        for e in {id(x): x for x in function_expressions(fn, own)}.values():  # a guard over many calls: once
            for m in walk(e):
                if not isinstance(m, Member) or not m.owner:
                    continue
                base = strip(m.base)
                if not m.arrow and not (isinstance(base, Name) and base.name in declared):
                    by_value.add(m.owner)  # `tracker->script.path`, `global.field`, `table[i].field`
                elif m.arrow and isinstance(base, Name) and base.name in fresh:
                    makers[m.owner].add(key)
        for call in fn.calls:
            for owner in _filled_by_callee(call, fresh, by_key, by_function, key_for):
                makers[owner].add(key)  # `v = MALLOC(...); init_vrrp(v);`: the helper's fields tell the struct
            for arg in call.exprs:
                arg = strip(arg)
                if isinstance(arg, Unary) and arg.op == "&" and isinstance(strip(arg.operand), Name) \
                        and strip(arg.operand).ref == "var":
                    name = strip(arg.operand).name
                    if name not in declared or not _filled_from(name, declared[name], own):
                        passed.append((key, name))
    return Objects({owner: tuple(sorted(keys)) for owner, keys in makers.items() if owner not in by_value},
                   _given(passed, by_key, key_for, by_function))


def _filled_from(local: str, declaration: Write, writes: Iterable[Write]) -> bool:
    """Whether a write into a field of `local` under the same guards as its declaration reads a
    field of the same struct elsewhere (`addr_vrrp.iname = vrrp->iname`)."""
    lines = [g.line for g in declaration.guards]
    return any(w.base == local and w.value is not None and w.owner and [g.line for g in w.guards] == lines
               and any(m.owner == w.owner for m in _read(w.value)) for w in writes)


def _given(passed: Iterable[tuple[str, str]], by_key: Mapping[str, FunctionFacts], key_for,
           writes: Mapping[tuple[str, str], list[Write]]) -> dict[str, frozenset[str]]:
    """Function key -> its parameters given the address of a variable (`passed`: (function,
    variable) pairs, `&old`), directly or from a parameter of a caller given one, with the
    locals a write copies such a parameter into."""
    todo = [(key, name, True) for key, name in passed]
    seen: set[tuple[str, str, bool]] = set()
    out: dict[str, set[str]] = defaultdict(set)
    while todo:
        key, name, address = todo.pop()
        fn = by_key.get(key)
        if fn is None or (key, name, address) in seen:
            continue
        seen.add((key, name, address))
        for call in fn.calls:
            callee = None if call.indirect else key_for(call.callee, call.file)
            target = by_key.get(callee) if callee else None
            if target is None:
                continue
            for i, arg in enumerate(call.exprs[:len(target.params)]):
                arg = strip(arg)
                if address and isinstance(arg, Unary) and arg.op == "&":
                    arg = strip(arg.operand)
                elif address:
                    continue
                if isinstance(arg, Name) and arg.name == name:
                    param = target.params[i]
                    out[callee].add(param)
                    out[callee].update(w.target for w in writes.get((target.file, target.name), ())
                                       if w.local and w.value is not None and isinstance(strip(w.value), Name)
                                       and strip(w.value).name == param)
                    todo.append((callee, param, False))
    return {k: frozenset(v) for k, v in out.items()}


def object_requirements(objects: Objects, inherited: Mapping[str, Requirement], keywords: Iterable[str]) \
        -> dict[str, Requirement]:
    """Struct -> what one of its allocations needs of the configuration `keywords` (any of the
    allocating functions' inherited requirements, `inherited`: analyze.inherited, with every
    other atom left free: keepalived's sockets are made only without -t, which says nothing of
    the configuration), for the structs whose allocations all need some keyword in at most
    MAX_WAYS alternatives; functions never called (FALSE) allocate nothing."""
    names = frozenset(keywords)
    out = {}
    for owner, keys in objects.makers.items():
        needs = [inherited.get(k, Requirement.TRUE) for k in keys]
        found = Requirement.any_of(needs).exists(lambda a: a.name not in names).simplified()
        if not found.is_true and not found.is_false and len(found.alternatives()) <= MAX_WAYS:
            out[owner] = found
    return out


def read_objects(call: CallSite) -> list[Member]:
    """The fields of structs a call reads in any case before it runs, first found first: in its
    arguments and guards, outside the operands `&&`, `||` and `?:` may skip, and not under `&`
    (an address reads nothing)."""
    exprs = list(call.exprs) + [g.expr for g in call.guards if g.expr is not None]
    return [m for e in exprs for m in _read(e)]


def site_objects(call: CallSite, function: str, needs: Mapping[str, Requirement], objects: Objects) \
        -> tuple[Requirement, tuple[str, ...]]:
    """What the objects a call in `function` (its call-graph key) reads (read_objects) need
    (`needs`: object_requirements), but those read through a name that may point at one on the
    stack (Objects.stacked), and a line per object saying why (`vrrp->iname: a struct only
    alloc_vrrp() allocates, which needs vrrp_instance`)."""
    requirement, why, seen = Requirement.TRUE, [], set()
    for m in read_objects(call):
        need = needs.get(m.owner)
        base = strip(m.base)
        if need is None or m.owner in seen or isinstance(base, Name) and base.name in objects.stacked.get(function, ()):
            continue
        seen.add(m.owner)
        requirement = requirement & need
        names = ", ".join(k.rsplit(":", 1)[-1] + "()" for k in objects.makers.get(m.owner, ()))
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


def _returning_allocations(functions: list[FunctionFacts], writes: Mapping[tuple[str, str], list[Write]],
                           allocators: frozenset[str]) -> frozenset[str]:
    """`allocators` and the functions returning what one of them gives (`return MALLOC(...)`,
    or a local given it: `new = MALLOC(...); ...; return new;`), to a fixed point."""
    found = set(allocators)
    changed = True
    while changed:
        changed = False
        for fn in functions:
            if fn.name in found:
                continue
            fresh = {w.target for w in writes.get((fn.file, fn.name), ()) if w.local and w.value is not None
                     and _allocates(w.value, frozenset(found))}
            if any(r.value is not None and (_allocates(r.value, frozenset(found)) or isinstance(strip(r.value), Name)
                                            and strip(r.value).name in fresh) for r in fn.returns):
                found.add(fn.name)
                changed = True
    return frozenset(found)


def _filled_by_callee(call: CallSite, fresh: set[str], by_key: Mapping[str, FunctionFacts],
                      writes: Mapping[tuple[str, str], list[Write]], key_for) -> set[str]:
    """The structs whose fields the function `call` reaches reads or writes through the
    parameters given a fresh allocation (a local of `fresh`)."""
    callee = None if call.indirect else key_for(call.callee, call.file)
    target = by_key.get(callee) if callee else None
    if target is None:
        return set()
    params = {target.params[i] for i, arg in enumerate(call.exprs[:len(target.params)])
              if isinstance(strip(arg), Name) and strip(arg).name in fresh}
    if not params:
        return set()
    own = writes.get((target.file, target.name), [])
    # (a write through a parameter does not say which one, extract.writes' `base` ""; only the
    # helper's reads through the parameter tell)
    owners = {w.owner for w in own if w.owner and w.target.startswith(".") and w.base in params}
    for e in function_expressions(target, own):
        owners.update(m.owner for m in walk(e) if isinstance(m, Member) and m.arrow and m.owner
                      and isinstance(strip(m.base), Name) and strip(m.base).name in params)
    return owners


def _allocates(value: CExpr, allocators: frozenset[str]) -> bool:
    """A value that is the result of an allocating call (a cast around it looked through)."""
    value = strip(value)
    return isinstance(value, Call) and isinstance(strip(value.function), Name) and strip(value.function).name in allocators

