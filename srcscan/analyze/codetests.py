"""Tests of run-time state that only code running under options makes hold; optiontests reads
them for a test no option is read in, as a necessary condition. Two kinds:

- a call's result: `if (is_dad_listeners())` holds only when the function returned a value other
  than 0, and dnsmasq's network.c returns 1 only inside `if (option_bool(OPT_NOWILD))`, so the
  test needs --bind-interfaces (FunctionFacts' returns, value and guards); so with a result
  compared with a constant (`(rc = setup_timestamp()) == -1`: -1 is returned only after
  `if (!daemon->timestamp_file) return 0;`, so the test needs --dnssec-timestamp);
- a flag bit of a struct's field named by a macro (`serv->flags & SERV_LOOP`) that code sets
  only by storing the macro in that field (`serv->flags |= SERV_LOOP`, dnsmasq's loop.c, after
  `if (!option_bool(OPT_LOOP_DETECT)) return 0;`): the test needs what one of those stores
  needs (bit_stores, then callneeds.set_by_code). A macro also written anywhere else, to
  a local or another field, or passed to a call, may reach the field another way: no answer.
No I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from collections import defaultdict
from typing import Iterable

from srcscan.analyze.callgraph import CallGraph
from srcscan.analyze.counters import counted_test
from srcscan.analyze.flagflow import carried
from srcscan.analyze.guardedlocals import GuardReader
from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Binary, Call, CExpr, Const, Member, Name, Unary, children, strip, walk
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

BitKey = tuple[str, str, str]  # (struct, field, macro): `struct server`'s flags, SERV_LOOP


def code_test(e: CExpr, index: Index, fn: FunctionFacts | None, reader: GuardReader,
              line: int = 0) -> Requirement | None:
    """What a test of run-time state needs when only code under options makes it hold: a call
    returning non-zero (returned_test), a flag bit only such code stores (Index.bits_set_by) or
    a counter only a list walk counts up, tested at `line` (counters.counted_test); None for
    any other test."""
    found = returned_test(e, index, fn, reader)
    if found is None and (key := _bit_key(strip(e), index.bit_test)) is not None:
        found = index.bits_set_by.get(key)
    if found is None:
        found = counted_test(e, index, fn, reader, line)
    return found


def _bit_key(e: CExpr, bit_test: frozenset[str] = frozenset()) -> BitKey | None:
    """`m->field & MACRO` (either order), or a rules' `bit_test` call `__test_bit(BIT,
    &m->field)` with BIT a macro or an enumerator -> (m's struct, field, BIT); None otherwise."""
    if isinstance(e, Call) and e.callee in bit_test:
        return _called_bit(e)
    if not (isinstance(e, Binary) and e.op == "&"):
        return None
    for side, other in ((strip(e.left), strip(e.right)), (strip(e.right), strip(e.left))):
        if isinstance(side, Member) and side.owner and isinstance(other, Const) and other.value \
                and re.fullmatch(r"[A-Za-z_]\w*", other.text or ""):
            return side.owner, side.field, other.text
    return None


def bit_stores(graph: CallGraph, writes: Iterable[Write], bit_set: frozenset[str] = frozenset(),
               bit_reads: frozenset[str] = frozenset()) -> dict[BitKey, tuple[tuple[str, tuple[Guard, ...]], ...]]:
    """(struct, field, macro) -> the functions storing the macro in that field (`x->f |= M` or
    `x->f = ... | M`, or a rules' `bit_set` call: keepalived's `__set_bit(VRRP_FLAG_UNICAST,
    &vrrp->flags)` under `if (!list_empty(&vrrp->unicast_peer))`, a bit an enumerator may name),
    each with the store's guards, for the macros written nowhere else: not
    in another write (a local, another field: `flags = M | N` then `x->f = flags`), not in a
    call's arguments (but a `bit_reads` call's, which tests or clears the bit: `__test_bit`,
    `__clear_bit`, and an argument of a parameter the callee only tests, _params_used:
    dnsmasq's `set_dynamic_inotify(AH_HOSTS, ...)`) nor in a return; `x->f &= ~M` clears and
    does not count. A store in a function the call graph does not know leaves the macro out.
    `writes` is read twice (a generator is taken whole first)."""
    writes = tuple(writes)
    stores: dict[BitKey, set] = defaultdict(set)
    elsewhere: set[str] = set()
    for fn in graph.functions.values():
        for call in fn.calls:
            if not call.indirect and call.callee in bit_set and (key := _called_bit(call)) is not None:
                stores[key].add((fn.key, call.guards))
    for w in writes:
        named = carried(w.value) if w.value is not None else set()
        if not named:
            continue
        if w.local or not w.target.startswith(".") and "." not in w.target or w.op not in ("=", "|=") or not w.owner:
            elsewhere |= named
            continue
        key = graph.key_for(w.function, w.file)
        field = w.target.rsplit(".", 1)[-1]
        for macro in named:
            stores[(w.owner, field, macro)].add((key or "", w.guards))
    used = _params_used(graph, writes)
    for fn in graph.functions.values():
        for call in fn.calls:
            if not call.indirect and call.callee in bit_set | bit_reads and _called_bit(call) is not None:
                continue
            callee = None if call.indirect else graph.functions.get(graph.key_for(call.callee, fn.file) or "")
            for i, arg in enumerate(call.exprs):
                if callee is not None and i < len(callee.params) and callee.params[i] not in used.get(callee.key, ()):
                    continue  # a mask the callee only tests with (`dd->flags & flag`): stored nowhere
                elsewhere |= carried(arg) | _enumerators(arg, bit_set | bit_reads)
        for r in fn.returns:  # `return SERV_LOOP;`, then `s->flags |= marked_flags();`
            if r.value is not None:
                elsewhere |= carried(r.value)
    return {k: tuple(sorted(v, key=lambda s: s[0])) for k, v in stores.items()
            if k[2] not in elsewhere and all(key for key, _ in v)}


def _params_used(graph: CallGraph, writes: Iterable[Write]) -> dict[str, set[str]]:
    """Function key -> its parameters that may carry a value on: named in a value it writes, in
    a call's argument or in a return (or written themselves). The others it only tests:
    dnsmasq's set_dynamic_inotify(int flag, ...) reads `flag` only in `!(dd->flags & flag)`, so
    cache_reload's `set_dynamic_inotify(AH_HOSTS, ...)` stores AH_HOSTS nowhere."""
    by_function: dict[tuple[str, str], list[Write]] = defaultdict(list)
    for w in writes:
        by_function[(w.file, w.function)].append(w)
    out: dict[str, set[str]] = {}
    for fn in graph.functions.values():
        names: set[str] = set()
        values = [w.value for w in by_function.get((fn.file, fn.name), ()) if w.value is not None]
        values += [e for c in fn.calls for e in c.exprs] + [r.value for r in fn.returns if r.value is not None]
        for value in values:
            names |= {x.name for x in walk(value) if isinstance(x, Name)}
        names |= {w.target for w in by_function.get((fn.file, fn.name), ()) if w.param}
        out[fn.key] = names & set(fn.params)
    return out


def _called_bit(call) -> BitKey | None:
    """`f(BIT, &m->field)` (a CallSite or a Call) -> (m's struct, field, BIT), BIT a macro's
    constant or an enumerator; None otherwise."""
    args = call.exprs if hasattr(call, "exprs") else call.args
    if len(args) < 2:
        return None
    bit, target = strip(args[0]), strip(args[1])
    name = bit.name if isinstance(bit, Name) and bit.ref == "enum" else \
        bit.text if isinstance(bit, Const) and re.fullmatch(r"[A-Za-z_]\w*", bit.text or "") else ""
    if isinstance(target, Unary) and target.op == "&":
        target = strip(target.operand)
    if not name or not isinstance(target, Member) or not target.owner:
        return None
    return target.owner, target.field, name


def _enumerators(e: CExpr, bit_calls: frozenset[str] = frozenset()) -> set[str]:
    """The enumerators named anywhere in `e` (a bit passed to a call other than a bit function's),
    but in a bit function's call nested in it (`json_bool(w, __test_bit(VRRP_FLAG_UNICAST,
    &vrrp->flags))` tests the bit)."""
    e = strip(e)
    if isinstance(e, Name):
        return {e.name} if e.ref == "enum" else set()
    if isinstance(e, Call) and isinstance(strip(e.function), Name) and strip(e.function).name in bit_calls:
        return set()
    return {m for c in children(e) for m in _enumerators(c, bit_calls)}


_FLIPPED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_HOLDS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
          ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _called(e: CExpr) -> tuple[CExpr, str, int] | None:
    """`f()`, `f() != 0`, `f() == -1`, `-1 == f()`, `(rc = f()) < 0`, `rc == 1` -> (the call, or
    the local that may hold its result, the operator comparing it, the constant compared
    with); None for any other test."""
    e = strip(e)
    op, bound = "!=", 0
    if isinstance(e, Binary) and e.op in _HOLDS:
        if (value := integer_of(e.right)) is not None:
            e, op, bound = strip(e.left), e.op, value
        elif (value := integer_of(e.left)) is not None:
            e, op, bound = strip(e.right), _FLIPPED[e.op], value
        else:
            return None
    if isinstance(e, Binary) and e.op == "=":  # `(rc = setup_timestamp()) == -1`: the value assigned
        e = strip(e.right)
    if isinstance(e, Name) and e.ref == "var":
        return e, op, bound  # a local holding a call's result (_held_call)
    return (e, op, bound) if isinstance(e, Call) and isinstance(strip(e.function), Name) else None


def _held_call(e: CExpr, index: Index, fn: FunctionFacts) -> CExpr:
    """A local every assignment of which gives it one function's result (`int rc;` ... `(rc =
    setup_timestamp()) == -1` ... `else if (rc == 1)`) -> that call; else `e` as it is. A
    declaration with a value, or any other assignment, leaves the local a value of the run."""
    if not (isinstance(e, Name) and e.ref == "var"):
        return e
    writes = index.local_assignments.get((fn.file, fn.name), {}).get(e.name, ())
    calls = [strip(w.value) for w in writes if w.op != "decl" or w.value is not None]
    if not calls or not all(isinstance(c, Call) and isinstance(strip(c.function), Name) for c in calls) \
            or len({strip(c.function).name for c in calls}) != 1 or any(w.op not in ("=", "decl") for w in writes):
        return e
    return calls[0]


def returned_test(e: CExpr, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """What a test of a direct call's result needs (`f()`, `f() != 0`, `(rc = f()) == -1`, `f() <
    0`: the call's result compared with a constant): one of the callee's returns of a constant
    for which the comparison holds ran, each under its guards (read in the callee, loops' own
    tests left out; an early `if (!daemon->timestamp_file) return 0;` before `return -1;` among
    them; a local returned stands for each value it is given, under that write's guards too:
    log_start's `int ret = 0; ... if (log_to_file && ...) ret = errno; return ret;`). None when the
    callee is unknown, returns nothing, some return that may make the comparison hold needs no
    option, or none is seen. Requirement.FALSE when the comparison fails for every return and
    each of them returns a constant as written (`return NULL;`, a function of a feature this
    build leaves out: dnsmasq's Linux netlink_init(), whose only return is `return NULL;`, so
    main()'s `if (netlink_warn) my_syslog(LOG_WARNING, netlink_warn);` never logs); not for a
    function whose parse met an error (Index.broken: its returns may be a part) nor one with lines
    another build compiles (Index.conditional: other returns there)."""
    called = _called(e)
    if called is None or fn is None or index.graph is None:
        return None
    call, op, bound = called
    call = _held_call(call, index, fn)
    if not isinstance(call, Call):
        return None
    key = index.graph.key_for(strip(call.function).name, fn.file)
    callee = index.graph.functions.get(key or "")
    if callee is None or not callee.returns:
        return None
    memo = ("returned", key, op, bound)
    if memo in index.memo:
        return index.memo[memo]
    index.memo[memo] = None  # (a function testing its own result, through recursion: unknown)
    found: list[Requirement] | None = []
    written = True  # every return so far a constant as written that fails the comparison
    for r, value, guards in _returned(callee, index):
        if value is not None and not _HOLDS[op](value, bound):
            written = written and r.value is not None and integer_of(strip(r.value)) == value
            continue  # (a value of the run, None, may make the comparison hold)
        written = False
        need = Requirement.all_of(reader(g, index, callee) for g in guards if g.kind != "loop").simplified()
        if value is None and (op, bound) == ("!=", 0) and (held := _held_value(r, callee)) is not None:
            need = (need & reader(held, index, callee)).simplified()  # `return (__test_bit(...) && ...);`
        if need.is_true:
            found = None
            break
        found.append(need)
    if found == [] and written and (callee.file, callee.name) not in index.broken | index.conditional:
        answer = Requirement.FALSE  # no return makes it hold: the test never does
    else:
        answer = Requirement.any_of(found).simplified() if found else None
    if answer is not None and answer.is_true:
        answer = None  # (returns under opposite options: any run may return non-zero)
    index.memo[memo] = answer
    return answer


def _held_value(r, callee: FunctionFacts) -> Guard | None:
    """A return of a condition (`return (__test_bit(DAEMON_VRRP, &daemon_mode) &&
    (global_data->have_vrrp_config || ...));`, keepalived's running_vrrp()) as a guard of the
    callee, for the test that its result is non-zero to read as what the condition needs; None
    for a return of no value, a call or a plain variable (a value of the run srcscan reads
    elsewhere: _held_call, the returned local's writes). A return of a field (keepalived's
    get_igscript(): `return vrrp->script;`, which only the `notify` keyword fills) is read as
    the test that the field is set."""
    value = strip(r.value) if r.value is not None else None
    if not (isinstance(value, Binary) and value.op in ("&&", "||") or isinstance(value, Member)):
        return None
    return Guard("if", None, f"return at {callee.file}:{r.line}", r.line, False, (), value)


def _returned(callee: FunctionFacts, index: Index):
    """(return, its value or None for a value of the run, the guards it runs under) for each
    return of `callee`, a returned local read as each value its writes give it (a declaration
    with a value or a plain assignment: the write's guards join the return's; any other
    assignment is a value of the run)."""
    assigned = index.local_assignments.get((callee.file, callee.name), {})
    for r in callee.returns:
        value = strip(r.value) if r.value is not None else None
        if isinstance(value, Name) and value.ref == "var" and value.name in assigned:
            writes = [w for w in assigned[value.name] if w.line <= r.line and (w.op != "decl" or w.value is not None)]
            if writes:
                for w in writes:
                    held = integer_of(w.value) if w.op in ("=", "decl") and w.value is not None else None
                    yield r, held, tuple(w.guards) + tuple(r.guards)
                continue
        yield r, integer_of(value) if value is not None else None, tuple(r.guards)
