"""Fields of structs that exist only as a zeroing allocator made them, which only some code
makes non-zero: a test that one is set needs what one of those stores needs.

lighttpd 1.4.85's event loop is `ev = ck_calloc(1, sizeof(*ev))` (fdevent_init, fdevent_impl.c;
ck_calloc hands back calloc's result, "The memory is set to zero", calloc(3)), and only
fdevent_sched_close() (fdevent_fdnode.c) puts a descriptor on `ev->pendclose`, called by the
gateway backends (gw_backend.c) and mod_cgi: fdevent_sched_run()'s walk of the list, `for (fdnode
*fdn = ev->pendclose; fdn; )`, logs 'close() %d' only with one of those modules' keys.

A struct counts when every object of it srcscan sees is made by a zeroing function (a local
given the result of one of zeroed.zeroing_functions, whose fields are then written through it)
and none by another allocator (malloc(3), realloc(3), or a tree function handing back their
result), and when no code uses one by value (`x.field`: a global, a local on the stack, a field
of another struct, an array element, which exist without the allocation). A field of it counts
when every store of a value other than 0 in it is in a function the call graph knows, none goes
through a pointer of a struct not known (`.field` without its struct), nothing takes its
address (`&ev->pendclose` handed to a call may write it), and no store runs under a test of a
field that a write fills from another field (the test, read as one key, would say too little).
The stores' requirements are worked out with the other stores' (requirements.answer_requirements:
Index.zero_by); zero_need answers a test. A field stepped or changed by a compound assignment the
writes facts do not record (`ev->waits++`), and every field of a struct some object of which is
filled whole (memcpy(3), fread(3), `*p = tmpl`), are left out (analyze.wholefills.unmodelled). Known gap: an object allocated straight into a field
(`srv->ev = malloc(...)`) is not seen as an allocation of its struct. Facts in, stores out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from srcscan.analyze.fnexprs import function_expressions
from srcscan.analyze.optionvalues import Target, integer_of
from srcscan.analyze.zeroed import ZEROING, zeroing_functions
from srcscan.cexpr import Call, Member, Name, Unary, strip, walk
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

# Allocators whose result holds whatever the memory held (malloc(3), realloc(3)).
NOT_ZEROING = frozenset({"malloc", "realloc", "reallocarray", "aligned_alloc", "memalign", "valloc"})

Stores = tuple[tuple[str, tuple[Guard, ...]], ...]


def zero_fills(functions: Iterable[FunctionFacts], writes: Iterable[Write],
               key_for: Callable[[str, str], str | None],
               structs: frozenset[str] | None = None) -> dict[tuple[str, str], Stores]:
    """(field, struct) -> every store of a value other than 0 in it (function key, the store's
    guards), for the fields of the structs only zeroing allocations make (module docstring for
    the conditions). A copy of the same field of another object of the struct (`new->x =
    old->x`) is no store of its own: the old object's value came from one. `structs`: the
    structs to read (zeroed_structs' by default)."""
    functions, writes = list(functions), tuple(writes)
    structs = zeroed_structs(functions, writes) if structs is None else structs
    if not structs:
        return {}
    unowned = {w.target.rsplit(".", 1)[-1] for w in writes
               if not w.local and "." in w.target and not w.owner and (w.value is None or integer_of(w.value) != 0)}
    addressed = {(m.field, m.owner) for fn in functions for e in function_expressions(fn, ()) for m in _addressed(e)}
    stores: dict[tuple[str, str], set[tuple[str, tuple[Guard, ...]]]] = defaultdict(set)
    unknown: set[tuple[str, str]] = set()
    for w in writes:
        if w.local or "." not in w.target or w.owner not in structs:
            continue
        slot = (w.target.rsplit(".", 1)[-1], w.owner)
        if w.value is None:
            unknown.add(slot)
            continue
        if integer_of(w.value) == 0:
            continue
        value = strip(w.value)
        if isinstance(value, Member) and value.field == slot[0] and value.owner == w.owner:
            continue
        key = key_for(w.function, w.file) if w.function else None
        if key is None:
            unknown.add(slot)
            continue
        stores[slot].add((key, w.guards))
    crossed = {(w.target.rsplit(".", 1)[-1], w.owner) for w in writes if not w.local and "." in w.target and w.owner
               and w.value is not None and isinstance(v := strip(w.value), Member) and v.owner == w.owner
               and v.field != w.target.rsplit(".", 1)[-1]}
    return {slot: tuple(sorted(found, key=lambda s: (s[0], tuple(g.line for g in s[1]))))
            for slot, found in sorted(stores.items())
            if slot not in unknown and slot[0] not in unowned and slot not in addressed
            and not any(_reads(g, crossed) for _, guards in found for g in guards)}


def zeroed_structs(functions: Iterable[FunctionFacts], writes: Iterable[Write], nested: bool = False,
                   whole: frozenset[str] = frozenset()) -> frozenset[str]:
    """The structs (Member.owner) whose every allocation seen is a zeroing one (a local given
    a zeroing function's result, a field then written through it) and which no code uses by
    value (module docstring). With `nested`, also a struct used by value only as a member of
    such a struct (lighttpd's `server_config srvconf;` in `server`, read as
    `srv->srvconf.config_unsupported`; server_init's `ck_calloc(1, sizeof(*srv))` zeroes it
    too), unless a write stores in that member whole or code takes its address
    (analyze.deadstores; not zerofields' own reading, whose stores of such members are
    answered by the key tables instead); a struct of `whole` (filled whole: wholefills) is
    none then, nor one held in it."""
    functions = list(functions)
    written: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        written[(w.file, w.function)].append(w)
    zeroing = zeroing_functions(functions, written, ZEROING)
    plain = zeroing_functions(functions, written, NOT_ZEROING) | NOT_ZEROING
    made: set[str] = set()
    spoiled: set[str] = set()
    inside: dict[str, set[tuple[str, str]]] = defaultdict(set)  # struct -> (member, struct) holding it by value
    for fn in functions:
        own = written.get((fn.file, fn.name), [])
        fresh: dict[str, str] = {}
        for w in own:
            if w.local and w.op in ("=", "decl") and w.value is not None:
                value = strip(w.value)
                if isinstance(value, Call) and value.callee:
                    fresh[w.target] = value.callee
        for w in own:
            if w.local or "." not in w.target or not w.owner:
                continue
            if not w.target.startswith("."):
                spoiled.add(w.owner)  # a global's field: `files.used`
            elif w.base in fresh:
                if fresh[w.base] in zeroing:
                    made.add(w.owner)
                elif fresh[w.base] in plain:
                    spoiled.add(w.owner)
        for e in function_expressions(fn, own):
            for m in walk(e):
                if isinstance(m, Member) and m.owner and not m.arrow:
                    outer = strip(m.base)
                    if nested and isinstance(outer, Member) and outer.owner:
                        inside[m.owner].add((outer.field, outer.owner))  # `srv->srvconf.field`
                    else:
                        spoiled.add(m.owner)  # by value: `x.field`, `table[i].field`, `srv->conf.field`
    if not nested:
        return frozenset(made - spoiled)
    # a struct held by value counts by its holders alone (a write `c->cc.gone` through the
    # fresh `c` made none of its own)
    members = {(w.target.rsplit(".", 1)[-1], w.owner) for w in writes if not w.local and "." in w.target}
    members |= {(m.field, m.owner) for fn in functions for e in function_expressions(fn, ()) for m in _addressed(e)}
    spoiled |= {inner for inner, holders in inside.items() if holders & members}
    zeroed = made - spoiled - whole - set(inside)
    while grown := {inner for inner, holders in inside.items() if inner not in zeroed and inner not in spoiled
                    and all(o in zeroed for _, o in holders)}:
        zeroed |= grown
    return frozenset(zeroed)


def zero_need(target: Target | None, index: Index) -> Requirement | None:
    """What a test that the field `target` is set needs when it is a field of a struct only
    zeroing allocations make and only some code sets (Index.zero_by); None otherwise, and when
    one of its stores needs nothing. A target whose struct is not known is answered only when
    every struct with a field of that name is such a one."""
    if target is None or target.kind != "field" or not index.zero_by:
        return None
    if target.owner:
        slots = [(target.name, target.owner)]
    else:
        owners = {w.owner for w in index.field_writes.get(target.name, ())}
        slots = [(target.name, o) for o in sorted(owners)] if owners and "" not in owners else []
    if not slots or any(slot not in index.zero_by for slot in slots):
        return None
    return Requirement.any_of(index.zero_by[slot] for slot in slots)


def counted_fields(state_writes: Iterable[tuple], writes: Iterable[Write], functions: Iterable[FunctionFacts],
                   zero: frozenset[str], key_for: Callable[[str, str], str | None]) -> dict[str, Stores]:
    """Field path of a file-scope struct zero at start (`zero`: optionflow.zero_at_start) ->
    the functions counting it up (`++`, `--`, which extract.writes does not record; each store
    read with its function's requirement alone, guards left out: a store said to run more often
    than it does), from the logsetup facts' `state_writes`: lighttpd 1.4.85's
    `fdlog_files.ptr[fdlog_files.used++] = ...` in fdlog_file_init(), run only for a log file a
    key names, so that fdlog_files_cycle()'s `for (i = 0; i < fdlog_files.used; ++i)` needs one.
    Left out: a variable whose address some code takes (or the field's: `&fdlog_files.ptr`
    leaves `used` alone) or that a write replaces whole, and a field of its struct that a write
    through a pointer may store in (the same struct, or one not known). Merged into Index.stores, whose other writes are state_stores'."""
    functions, writes = list(functions), tuple(writes)
    parsed = {(w.file, w.line, w.target) for w in writes if not w.local}
    found: dict[str, set[tuple[str, tuple[Guard, ...]]]] = defaultdict(set)
    unknown: set[str] = set()
    for function, file, line, path, *_ in state_writes:
        if "." not in path or path.split(".", 1)[0] not in zero or (file, line, path) in parsed:
            continue
        key = key_for(function, file)
        if key is None:
            unknown.add(path)
        else:
            found[path].add((key, ()))
    if not found:
        return {}
    owners: dict[str, str] = {}
    addressed: set[str] = set()
    for fn in functions:
        for e in function_expressions(fn, ()):
            for x in walk(e):
                if isinstance(x, Member) and not x.arrow and isinstance(strip(x.base), Name) and x.owner:
                    owners[f"{strip(x.base).name}.{x.field}"] = x.owner
                if isinstance(x, Unary) and x.op == "&":  # `&fdlog_files`, `&fdlog_files.used`: not `.ptr`'s
                    inner, path = strip(x.operand), []
                    while isinstance(inner, Member) and not inner.arrow:
                        path.insert(0, inner.field)
                        inner = strip(inner.base)
                    if isinstance(inner, Name):
                        addressed.add(".".join([inner.name] + path))
    whole = {w.target for w in writes if not w.local and "." not in w.target}
    through = {(w.target[1:], w.owner) for w in writes if not w.local and w.target.startswith(".")}
    out = {}
    for path, stores in sorted(found.items()):
        variable, field = path.split(".", 1)[0], path.rsplit(".", 1)[-1]
        owner = owners.get(path)
        if path in unknown or variable in addressed or path in addressed or variable in whole or not owner \
                or (field, owner) in through or (field, "") in through:
            continue
        out[path] = tuple(sorted(stores))
    return out


def add_counts(index: Index, counted: Mapping[str, Stores], writes: Iterable[Write]) -> None:
    """Put counted_fields' increments into Index.stores: beside a path's stores there, or alone
    for a path with no parsed store of a value other than 0 (one with such stores that
    state_stores left out stays out), an option's field and one set before the getopt loop
    left out."""
    nonzero = {w.target for w in writes if not w.local and "." in w.target and w.value is not None
               and integer_of(w.value) != 0}
    for path, stores in counted.items():
        if path in index.by_var or index.start_values.get(path.rsplit(".", 1)[-1]):
            continue
        if path in index.stores:
            index.stores[path] = tuple(sorted(set(index.stores[path]) | set(stores), key=lambda k: k[0]))
        elif path not in nonzero:
            index.stores[path] = tuple(stores)



def _reads(guard: Guard, crossed: set[tuple[str, str]]) -> bool:
    """Whether `guard` tests a field some write gives another field's value (gw_backend.c's
    `host->unixsocket = host->host` for a host named by a path): read as the key filling it,
    such a test would say too little (the socket key, not the host key too), so a store under
    it is not followed."""
    return guard.expr is not None and any(isinstance(m, Member) and (m.field, m.owner) in crossed
                                          for m in walk(guard.expr))


def _addressed(e) -> Iterable[Member]:
    """The fields whose address `e` takes (`&ev->pendclose`, `(void **)&p->ptr`)."""
    for x in walk(e):
        if isinstance(x, Unary) and x.op == "&" and isinstance(strip(x.operand), Member):
            yield strip(x.operand)


def settled_zero_by(fills: Mapping[tuple[str, str], Stores], index: Index,
                    recompute: Callable[[], Mapping[str, Requirement]],
                    need_of: Callable[[Stores, Mapping[str, Requirement]], Requirement | None],
                    rounds: int = 5) -> None:
    """Put in `index.zero_by` what a test that each field of `fills` is set needs, counting a
    store whose function runs only where such a test held (directly or further up) as running
    only after one of the other stores did: a field is 0 until a store ran, so the first store
    cannot wait on the field being set. lighttpd 1.4.85's gw_spawn_connection() stores
    `proc->is_local = 1` and runs for a host with "bin-path" (gw_set_defaults_backend,
    gw_proc_spawn, gw_restart_dead_proc) or after a test of `proc->is_local`
    (gw_recv_response_error, gw_handle_waitpid_cb): read from its callers' requirement with the
    field taken as set freely, it needed any `*.server`; it needs a "bin-path".

    The answers are the least fixed point, worked out from "never set" up: each round reads the
    callers once more (`recompute`, from scratch: inherited.inherited with the index as it
    stands) and each field's stores with them (`need_of`: callneeds.stores_need). A field that
    comes out "never set" (or with no store that runs) while the answer given (read from callers
    that took the fields as set freely) was not keeps that answer, and the others are worked
    out again with it: "never" is said only from the reading that takes fields as set freely
    (a store in a function only another build's calls reach: lighttpd 1.4.85's
    mod_openssl_reload_stapling_file in mod_wolfssl.c, whose callers are under HAVE_OCSP). When
    the answers do not settle within `rounds`, index.zero_by keeps the answers it was given
    (weaker, and so sound)."""
    given = dict(index.zero_by)
    held: set[tuple[str, str]] = set()  # fields keeping the answer given
    for _ in range(rounds):
        found = _least_zero_by(fills, held, given, index, recompute, need_of, rounds)
        if found is None:
            break
        never = {slot for slot, need in found.items()
                 if (need is None or need.is_false) and not (slot in given and given[slot].is_false)}
        if not never:
            index.zero_by = {slot: need for slot, need in found.items() if need is not None and not need.is_true}
            index.zero_by.update({slot: given[slot] for slot in held if slot in given})
            return
        held |= never
    index.zero_by = given


def _least_zero_by(fills: Mapping[tuple[str, str], Stores], held: set[tuple[str, str]],
                   given: Mapping[tuple[str, str], Requirement], index: Index,
                   recompute: Callable[[], Mapping[str, Requirement]],
                   need_of: Callable[[Stores, Mapping[str, Requirement]], Requirement | None],
                   rounds: int) -> dict[tuple[str, str], Requirement | None] | None:
    """The least fixed point of the fields of `fills` not `held` (those keep `given`'s
    answer); None when it does not settle within `rounds`."""
    fixed = {slot: given[slot] for slot in held if slot in given}
    current: dict[tuple[str, str], Requirement | None] = {slot: Requirement.FALSE for slot in fills if slot not in held}
    for _ in range(rounds):
        index.zero_by = {slot: need if need is not None else Requirement.FALSE for slot, need in current.items()}
        index.zero_by.update(fixed)
        from_callers = recompute()
        found = {slot: need_of(fills[slot], from_callers) for slot in current}
        if all((found[s] is None) == (current[s] is None) and (found[s] is None or found[s] == current[s])
               for s in current):
            return found
        current = found
    return None


def zero_stores_by(fills: Mapping[tuple[str, str], Stores], need_of: Callable[[Stores], Requirement | None]) \
        -> dict[tuple[str, str], Requirement]:
    """(field, struct) -> what one of its stores needs (`need_of`: callneeds.stores_need), for
    the slots whose every store needs something."""
    return {slot: need for slot, stores in fills.items()
            if (need := need_of(stores)) is not None and not need.is_true}
