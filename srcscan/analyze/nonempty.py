"""Strings the code stores, non-empty only where some options hold (analyze.optiontests' and
analyze.conditions' input; no I/O).

dnsmasq's `strlen(serv->domain) != 0` (the rules' `[config] string_lengths`): `serv->domain` is
stored only by add_update_server(), `serv->domain = alloc_domain`, where `alloc_domain =
whine_malloc(1)` (a zeroed byte: "") under `*domain == 0` and `canonicalise(domain, NULL)`
otherwise; its parameter `domain` is NULL from reload_servers() (resolv.conf's servers), a
string of --server=/domain/..., --local, --address, --rev-server, or D-Bus's. So a test that the
field is non-empty needs what the calls passing a string that may be non-empty need (their
guards and their function's call paths).

Read as a necessary condition, only when sure: every store of the field (its struct's, when the
parse named it) is read; a value is empty when it is NULL, "", a zeroing allocation (analyze.zeroed)
or the field's own earlier value, may be non-empty under its guards when it is anything else; a
local is read through its assignments, and an assignment under a test that a parameter's first
character is 0 failing (`*domain == 0`) needs that parameter non-empty. A parameter is read at
the function's direct calls, when nothing calls it otherwise and the function assigns it only ""
or a pointer into itself (`domain + 1`). Call paths come from the first reading of the callers
(`Index.run_needs`): until it is there, nothing is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from srcscan.cexpr import Binary, Call, Cast, CExpr, Cond, Const, Member, Name, Unary, strip, walk
from srcscan.analyze.arraystores import copy_stores, first_element_empty, first_element_test
from srcscan.analyze.fnexprs import function_expressions
from srcscan.analyze.testatoms import mirror
from srcscan.analyze.wholefills import addressed
from srcscan.model import FunctionFacts, Guard
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

GuardReader = Callable[[Guard, "Index", FunctionFacts], Requirement]
_DEPTH = 4


def length_of(e: CExpr, index: Index) -> CExpr | None:
    """The string `strlen(s)` measures (casts dropped), None for any other expression."""
    e = strip(e)
    if isinstance(e, Call) and isinstance(strip(e.function), Name) and e.callee in index.string_lengths and e.args:
        s = strip(e.args[0])
        while isinstance(s, Cast):
            s = strip(s.operand)
        return s
    return None


def nonempty_test(e: CExpr, index: Index) -> CExpr | None:
    """The string a test needs non-empty when it holds: `strlen(s) != 0`, `strlen(s) > 0`,
    `0 != strlen(s)`, `strlen(s)`; None for any other test."""
    e = strip(e)
    if (s := length_of(e, index)) is not None:
        return s
    if isinstance(e, Binary) and e.op in ("!=", ">", "<"):
        for side, other, op in ((e.left, e.right, e.op), (e.right, e.left, mirror(e.op))):
            if op in ("!=", ">") and _zero(other) and (s := length_of(side, index)) is not None:
                return s
    return None


def empty_test(e: CExpr, index: Index) -> CExpr | None:
    """The test a string's emptiness test negates: `strlen(s) == 0` and `0 == strlen(s)` give
    `strlen(s) != 0`; None for any other test."""
    e = strip(e)
    if isinstance(e, Binary) and e.op == "==":
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if _zero(other) and length_of(side, index) is not None:
                return Binary("!=", side, other)
    return first_element_empty(e)  # `m[0] == 0` (analyze.arraystores)


def _zero(e: CExpr) -> bool:
    e = strip(e)
    while isinstance(e, Cast):
        e = strip(e.operand)
    return isinstance(e, Const) and e.value == 0


def nonempty_field_test(e: CExpr, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """What a test that a stored string field is non-empty (`strlen(serv->domain) != 0`) needs,
    or a parameter of `fn` its callers fill (query_full()'s `strlen(domain) == 0` failing, given
    `master->domain` or NULL); None for any other test, or when srcscan cannot tell."""
    if not getattr(index, "run_needs", None):
        return None
    s = nonempty_test(e, index)
    if s is None and (m := first_element_test(e)) is not None:
        # `serv->interface[0] != 0`: only of a char array field its copies alone fill (arraystores)
        if _assigned(m.field, m.owner, index) or not copy_stores(m.field, m.owner, index):
            return None
        return field_need(m.field, m.owner, index, reader, 0)
    if isinstance(s, Name) and s.ref == "param" and fn is not None and s.name in fn.params:
        return param_need(fn, s.name, index, reader, 0)
    if not isinstance(s, Member):
        return None
    return field_need(s.field, s.owner, index, reader, 0)


def _assigned(field: str, owner: str, index: Index) -> bool:
    return any(w.target.endswith("." + field) and not (owner and w.owner and w.owner != owner)
               for w in index.field_writes.get(field, ()))


def field_need(field: str, owner: str, index: Index, reader: GuardReader, depth: int) -> Requirement | None:
    """What the field holding a non-empty string needs: one of its stores of a value that may be
    non-empty ran. None when a store cannot be read, when some code takes the field's address
    (`set_domain(&serv->domain, ...)` stores through it) or fills an object of its struct whole
    (Index.whole_filled). A field read back while it is worked out (fields copying each other)
    counts as FALSE there; the answers of the fields worked out meanwhile are then not kept."""
    key = ("nonempty", field, owner)
    open_keys = index.memo.setdefault(("nonempty", "open"), [])  # fields being worked out, outermost first
    if key in index.memo:
        if key in open_keys:  # read back while worked out: what the fields opened since give is partial
            index.memo.setdefault(("nonempty", "partial"), set()).update(open_keys[open_keys.index(key) + 1:])
        return index.memo[key]
    index.memo[key] = Requirement.FALSE  # a store reading the field again adds nothing
    open_keys.append(key)
    try:
        found = _field_need(field, owner, index, reader, depth)
    finally:
        open_keys.pop()
    partial = index.memo.get(("nonempty", "partial"), set())
    if key in partial:  # computed with an outer field's placeholder: not kept
        partial.discard(key)
        del index.memo[key]
    else:
        index.memo[key] = found
    return found


def _field_need(field: str, owner: str, index: Index, reader: GuardReader, depth: int) -> Requirement | None:
    graph = index.graph
    stores = [w for w in index.field_writes.get(field, ()) if w.target.endswith("." + field) and not (
        owner and w.owner and w.owner != owner)]
    taken = _addressed(index)
    if owner in index.whole_filled or (not owner and index.whole_filled) or (field, owner) in taken \
            or (field, "") in taken or (not owner and any(f == field for f, _ in taken)):
        return None  # stored through its address (`set_domain(&serv->domain, ...)`), or its struct filled whole
    found: Requirement | None = None
    if graph is not None and stores and depth < _DEPTH:
        needs = []
        for w in stores:
            fn = graph.functions.get(graph.key_for(w.function, w.file) or "")
            need = None if fn is None or w.value is None else _value_need(w.value, fn, w.guards, field, index, reader, depth)
            if need is None:
                needs = None
                break
            needs.append(need)
        found = Requirement.any_of(needs).simplified() if needs is not None else None
    elif graph is not None and not stores and depth < _DEPTH and (copies := copy_stores(field, owner, index)):
        needs = []  # a char array the string copies alone fill (`safe_strncpy(serv->interface, ...)`)
        for fn, call, source in copies:
            other = strip(source)  # another struct's field of the same name is not this one's earlier value
            same = field if not (isinstance(other, Member) and other.owner and owner and other.owner != owner) else ""
            need = _value_need(source, fn, call.guards, same, index, reader, depth)
            if need is None:
                return None
            needs.append(need)
        found = Requirement.any_of(needs).simplified()
    return found


def _addressed(index: Index) -> frozenset[tuple[str, str]]:
    """The (field, struct) pairs whose address some function takes (`&serv->domain`)."""
    key = ("nonempty", "addressed")
    if key not in index.memo:
        functions = index.graph.functions.values() if index.graph is not None else ()
        index.memo[key] = frozenset((m.field, m.owner) for fn in functions for e in function_expressions(fn, ())
                                    for m in addressed(e))
    return index.memo[key]


def _value_need(v: CExpr, fn: FunctionFacts, guards: tuple[Guard, ...], field: str, index: Index,
                reader: GuardReader, depth: int) -> Requirement | None:
    """What `v`, assigned in `fn` under `guards`, being a non-empty string needs."""
    v = strip(v)
    while isinstance(v, Cast):
        v = strip(v.operand)
    if _empty(v, index) or (isinstance(v, Member) and v.field == field):
        return Requirement.FALSE  # "", NULL, a zeroed allocation, or the field's earlier value
    base = _guards_need(guards, fn, index, reader, depth)
    if base is None or base.is_false:
        return base
    if isinstance(v, Name) and v.ref == "param" and v.name in fn.params:
        need = param_need(fn, v.name, index, reader, depth + 1)
        return None if need is None else base & need
    if isinstance(v, Name) and v.ref == "var":
        values = [value for value, _ in index.local_writes.get((fn.file, fn.name), {}).get(v.name, ()) if value is not None]
        handed = _handed_over(v.name, fn)
        if not values or handed == "address":
            return base  # a file-scope variable, an array, or a local a call may set (`&domain`)
        needs = []
        for value, wguards in index.local_writes[(fn.file, fn.name)][v.name]:
            if value is None:
                continue  # declared without a value
            if handed and _empty(strip(value), index) and not _one_byte(strip(value), index):
                return base  # `char buf[64] = ""` handed to a call, which may fill it
            need = _value_need(value, fn, wguards, field, index, reader, depth + 1)
            if need is None:
                return None
            needs.append(need)
        return base & Requirement.any_of(needs)
    if isinstance(v, Member):
        need = field_need(v.field, v.owner, index, reader, depth + 1)
        return base if need is None else base & need
    return base  # a value of the run (canonicalise(domain, NULL)): may be non-empty under its guards


def _handed_over(name: str, fn: FunctionFacts) -> str:
    """"address" when `fn` hands a call the local `name`'s address (dbus_message_iter_get_basic(
    &iter, &domain)), "value" when it hands the local itself (an array sprintf() fills), ""
    otherwise."""
    found = ""
    for call in fn.calls:
        for arg in call.exprs:
            arg = strip(arg)
            if isinstance(arg, Unary) and arg.op == "&" and isinstance(strip(arg.operand), Name) \
                    and strip(arg.operand).name == name:
                return "address"
            if isinstance(arg, Name) and arg.name == name:
                found = "value"
    return found


def _one_byte(v: CExpr, index: Index) -> bool:
    """A zeroed allocation of one byte (`whine_malloc(1)`, `calloc(1, 1)`): "" whatever is done
    with it."""
    return isinstance(v, Call) and _empty(v, index) and bool(v.args) \
        and all(isinstance(strip(a), Const) and strip(a).value is not None and strip(a).value <= 1 for a in v.args)


def _empty(v: CExpr, index: Index) -> bool:
    if isinstance(v, Const):
        return v.value == 0 or (v.value is None and v.text == '""')
    return isinstance(v, Call) and v.callee in getattr(index, "zeroing", ()) and isinstance(strip(v.function), Name)


def _guards_need(guards: tuple[Guard, ...], fn: FunctionFacts, index: Index, reader: GuardReader,
                 depth: int) -> Requirement | None:
    """What `guards` in `fn` need, with `fn`'s call paths: a test that a parameter's first
    character is 0 failing (`else` of `*domain == 0`) needs that parameter non-empty."""
    need = index.run_needs.get(fn.key, Requirement.TRUE)
    for g in guards:
        if g.kind == "loop":
            continue
        param = _first_char_nonzero(g, fn)
        if param is not None:
            pneed = param_need(fn, param, index, reader, depth + 1)
            if pneed is None:
                return None
            need = need & pneed
        else:
            need = need & reader(g, index, fn)
    return need


def _first_char_nonzero(g: Guard, fn: FunctionFacts) -> str | None:
    """The parameter whose first character this guard needs non-zero (`else` of `*p == 0`, `if
    (*p != 0)`, `if (*p)`), None otherwise."""
    e, holds = strip(g.expr) if g.expr is not None else None, not g.negated
    while isinstance(e, Unary) and e.op == "!":
        e, holds = strip(e.operand), not holds
    if isinstance(e, Binary) and e.op in ("==", "!=") and _zero(e.right):
        holds = holds if e.op == "!=" else not holds
        e = strip(e.left)
    if not holds or not (isinstance(e, Unary) and e.op == "*"):
        return None
    p = strip(e.operand)
    return p.name if isinstance(p, Name) and p.ref == "param" and p.name in fn.params else None


def param_need(fn: FunctionFacts, param: str, index: Index, reader: GuardReader, depth: int) -> Requirement | None:
    """What `fn`'s parameter `param` holding a non-empty string on entry needs: one of the direct
    calls passing a value that may be one ran. TRUE when `fn` is called otherwise or assigns the
    parameter anything but "" or a pointer into itself (any value); None when a call's argument
    reads a field srcscan cannot read."""
    graph = index.graph
    if graph is None or depth >= _DEPTH or fn.key not in graph.graph:
        return Requirement.TRUE
    for value, _ in index.local_writes.get((fn.file, fn.name), {}).get(param, ()):
        v = strip(value) if value is not None else None
        if v is None or _empty(v, index):
            continue
        if not (isinstance(v, Binary) and v.op == "+" and isinstance(strip(v.left), Name) and strip(v.left).name == param):
            return Requirement.TRUE
    position = fn.params.index(param)
    needs = []
    for caller_key, _, data in graph.graph.in_edges(fn.key, data=True):
        call = data.get("call")
        caller = graph.functions.get(caller_key)
        if data.get("kind") != "direct" or call is None or caller is None or position >= len(call.exprs):
            return Requirement.TRUE
        need = _argument_need(call.exprs[position], caller, call.guards, index, reader, depth)
        if need is None:
            return None
        needs.append(need)
    return Requirement.any_of(needs) if needs else Requirement.TRUE


def _argument_need(arg: CExpr, caller: FunctionFacts, guards: tuple[Guard, ...], index: Index,
                   reader: GuardReader, depth: int) -> Requirement | None:
    arg = strip(arg)
    while isinstance(arg, Cast):
        arg = strip(arg.operand)
    if isinstance(arg, Cond):
        yes = _argument_need(arg.yes, caller, guards, index, reader, depth)
        no = _argument_need(arg.no, caller, guards, index, reader, depth)
        return None if yes is None or no is None else yes | no
    return _value_need(arg, caller, guards, "", index, reader, depth + 1)


def stored_string_tests(graph, index: Index) -> bool:
    """Whether some guard of the tree tests that a field the code stores holds a non-empty string
    (then the callers are read once more with analyze.nonempty)."""
    if not index.string_lengths:
        return False
    seen: set[int] = set()
    for fn in graph.functions.values():
        for call in fn.calls:
            for g in call.guards:
                if g.expr is None or id(g.expr) in seen:
                    continue
                seen.add(id(g.expr))
                for x in walk(g.expr):
                    s = nonempty_test(x, index) if isinstance(x, (Call, Binary)) else None
                    if isinstance(s, Member) and s.field in index.field_writes:
                        return True
                    if (m := first_element_test(x)) is not None and copy_stores(m.field, m.owner, index):
                        return True
    return False
