"""A field of a list's entries tested while walking the list, when every store adding an entry
to the list also gives that field a constant (analyze.optiontests' input; no I/O).

dnsmasq's --mx-host and --srv-host fill one list, `daemon->mxnames`: --mx-host's case stores
`new->issrv = 0` beside `daemon->mxnames = new`, --srv-host's `new->issrv = 1`, and read_opts
adds an entry of its own after its option loop (`mx->issrv = 0; ... daemon->mxnames = mx;`
under `(daemon->mxtarget || option_bool(OPT_LOCALMX)) && !mx`). So in a walk `for (rec =
daemon->mxnames; rec; rec = rec->next) if (!rec->issrv ...)` the entry tested came from one of
the stores giving 0: the test needs --mx-host, --mx-target or --localmx, not --srv-host.

Only when sure: the walker is given only the list's head and steps along it; every store of the
head that is not a constant (NULL) hands it a local of the storing function, and that function
stores a constant in the local's field under the very same guards (one value), and no other
write of that field is seen anywhere (`if (arg[0] == '_') new->issrv = 0;`, a walk resetting
it: the value tested may be another); no option fills
the list through a pointer (`*up = new`), which no such store shows. Read as a necessary
condition (a test of the run beside it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from srcscan.analyze.optionvalues import integer_of, local_of, target_of, walk_step
from srcscan.cexpr import Binary, CExpr, Member, Name, Unary, strip
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

GuardReader = Callable[[Guard, "Index", FunctionFacts], Requirement]
_HOLDS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def entry_field_test(e: CExpr, index: Index, fn: FunctionFacts | None, reader: GuardReader) -> Requirement | None:
    """What a test of a walked entry's field against a constant (`!rec->issrv`, `rec->issrv`,
    `rec->issrv == 1`) needs: one of the stores adding an entry whose constant passes it ran
    (their guards, read in the storing function). None when the test is of no such shape or a
    store cannot be read."""
    if fn is None:
        return None
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        member, op, value = strip(e.operand), "==", 0
    elif isinstance(e, Binary) and e.op in _HOLDS and integer_of(e.right) is not None:
        member, op, value = strip(e.left), e.op, integer_of(e.right)
    elif isinstance(e, Binary) and e.op in _HOLDS and integer_of(e.left) is not None:
        member, op, value = strip(e.right), e.op, integer_of(e.left)
    else:
        member, op, value = e, "!=", 0
    if not (isinstance(member, Member) and member.arrow and isinstance(strip(member.base), Name)):
        return None
    walker = strip(member.base).name
    head = _walked_list(walker, index, fn)
    if head is None:
        return None
    stored = entry_values(head, member.field, index)
    if stored is None:
        return None
    found, seen = [], set()
    for w, constant in stored:
        store_fn = index.graph.functions.get(index.graph.key_for(w.function, w.file) or "") if index.graph else None
        if store_fn is None:
            return None
        need = Requirement.all_of(reader(g, index, store_fn) for g in w.guards if g.kind != "loop")
        seen.update(a.lstrip("!") for alt in need.alternatives() for a in alt)
        if _HOLDS[op](constant, value):
            found.append(need)
    if any(not set(o.names) & seen for o, _ in index.by_var.get(head, ())):
        return None  # an option filling the list by a store srcscan did not pair (`*up = new`)
    return Requirement.any_of(found) if found else Requirement.FALSE


def _walked_list(walker: str, index: Index, fn: FunctionFacts) -> str | None:
    """The path of the list `walker` walks in `fn` (`dnsmasq_daemon.mxnames`): every value it
    is given is that list's head or a step along it; None otherwise."""
    values = local_of(walker, index, fn)
    if not values:
        return None
    heads = set()
    for v in values:
        if v is None or walk_step(v, walker, index, fn):  # declared without a value
            continue
        target = target_of(v)
        if target is None or target.kind != "field" or not target.root or not isinstance(strip(v), Member):
            return None
        heads.add(target.root)
    return heads.pop() if len(heads) == 1 else None


def entry_values(head: str, field: str, index: Index) -> list[tuple[Write, int]] | None:
    """Each store adding an entry to the list at `head` with the constant it gives the entry's
    `field`; None when a store hands over something else than a local, or its function gives
    that local's field no single constant under the store's guards."""
    fills = [w for w in index.field_writes.get(head.rsplit(".", 1)[-1], ()) if w.target == head]
    if not fills:
        return None
    found, paired = [], set()
    for w in fills:
        if integer_of(w.value) == 0:
            continue  # emptied
        local = strip(w.value) if w.value is not None else None
        if not (isinstance(local, Name) and local.ref == "var"):
            return None
        stores = [s for s in index.field_writes.get(field, ())
                  if s.function == w.function and s.file == w.file and s.base == local.name
                  and s.target == "." + field and _same_guards(s.guards, w.guards)]
        values = {integer_of(s.value) for s in stores}
        if len(values) != 1 or None in values:
            return None
        paired.update(stores)
        found.append((w, values.pop()))
    if any(s not in paired for s in index.field_writes.get(field, ()) if s.target.endswith("." + field)):
        return None  # the field written elsewhere too (under another test, by a walk of the list)
    return found or None


def _same_guards(a: tuple[Guard, ...], b: tuple[Guard, ...]) -> bool:
    return len(a) == len(b) and all((x.kind, x.line, x.negated, x.labels, x.text) == (y.kind, y.line, y.negated, y.labels, y.text)
                                    for x, y in zip(a, b))
