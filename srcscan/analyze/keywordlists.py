"""List heads only configuration keywords fill: keepalived's vrrp_track_process block ends in
vrrp_tprocess_end_handler(), which puts the tracked process in `vrrp_data->vrrp_track_processes`
(list_add_tail(&current_tp->e_list, &vrrp_data->vrrp_track_processes)); nothing else adds to that
list, so `if (!list_empty(&vrrp_data->vrrp_track_processes))` (a rules' emptiness test) holds only
with that block, and the process tracker it starts runs only then. The functions filling a list
are the rules' `[config] list_fills` (name -> the index of the head argument). A walk of such a
list (keepalived's list_for_each_entry(vip, &current_vrrp->evip, e_list), the loop test
`&vip->e_list != (&current_vrrp->evip)`) runs its body only when the list is not empty: it reads
as that emptiness test (list_walk), so the walk of `evip` needs virtual_ipaddress_excluded, the
only keyword filling it, whichever handler's helper walks it. A file-scope list head (keepalived's
`garp_delay`, filled by alloc_garp_delay() from the garp_group handler and from
set_default_garp_delay(), which runs only `if (global_data->vrrp_garp_interval ||
global_data->vrrp_gna_interval)`) is the keywords' whose handlers, or whose values' tests, every
way to a fill passes (_reasons); one way without either makes it no keyword's.

Plain facts in (the functions' calls, the keywords' sides), OptionEffects out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from srcscan.analyze.callgraph import Functions
from srcscan.analyze.optiontypes import OptionEffect
from srcscan.analyze.optionvalues import target_of, value_options
from srcscan.cexpr import Binary, CExpr, Member, Name, Unary, strip, walk
from srcscan.model import CallSite, FunctionFacts

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def list_fill_effects(by_key: Functions, sides: Mapping[str, frozenset[str]], fresh: set[tuple[str, str, str]],
                      list_fills: Iterable[tuple[str, int]], resolve: Callable[[str, str], str | None],
                      stack: set[tuple[str, str, str]] = frozenset(),
                      tested: Callable[[CExpr], set[str] | None] = lambda e: None) \
        -> tuple[dict[str, list[OptionEffect]], set[tuple[str, str]]]:
    """The list heads keywords fill: keyword -> effects `.field` (op "list_add", owner the
    head's struct) for each call of a rules' `list_fills` function (name, index of the head
    argument), or of a function passing its parameter on as one, in a function `sides` gives
    keywords (a handler, a block's end handler, keepalived's vrrp_tprocess_end_handler:
    `list_add_tail(&current_tp->e_list, &vrrp_data->vrrp_track_processes)` for
    vrrp_track_process, or a helper only they call: keywordsides.handler_sides); and the (field,
    owner) pairs filled anywhere else, or in an object the function is building (a local given a
    call's result, `fresh`: (file, function, local); every such object has the entry), which
    are no keyword's. `resolve(name, file)`: the function key a call names. A head that is a
    variable of file scope (not in `stack`: (file, function, variable) of block-scope ones)
    gives effects `name` (op "list_add") to the keywords of _reasons; `tested(condition)`: the
    keywords one of which a condition holding needs (None: not a test of keywords' values)."""
    fills = dict(list_fills)
    if not fills:
        return {}, set()
    heads = _head_params(by_key, fills, resolve)
    effects: dict[str, list[OptionEffect]] = defaultdict(list)
    other: set[tuple[str, str]] = set()
    callers: dict[str, list[tuple[str, CallSite]]] = defaultdict(list)
    for key, fn in by_key.items():
        for call in fn.calls:
            callee = None if call.indirect else resolve(call.callee, call.file)
            if callee is not None:
                callers[callee].append((key, call))
            for refs in call.arg_refs:  # a function passed on may be called from anywhere
                for t in refs:
                    callers[resolve(t, call.file) or t].append(("", call))
    shared: dict[str, set[str] | None] = {}  # file-scope head -> the keywords filling it (None: not only keywords)
    for key, fn in by_key.items():
        for call in fn.calls:
            for at in _heads_of(call, fills, heads, resolve):
                var = _var_head(call.exprs[at], fn, stack)
                if var is not None:
                    why = _reasons(key, call, sides, callers, tested, set())
                    shared[var] = None if why is None or shared.get(var, set()) is None else shared.get(var, set()) | why
                    continue
                head = _field_of(call.exprs[at])
                if head is None:
                    continue
                base = strip(head.base)
                if not sides.get(key) or isinstance(base, Name) and (fn.file, fn.name, base.name) in fresh:
                    other.add((head.field, head.owner))
                    continue
                for k in sides[key]:
                    effects[k].append(OptionEffect("." + head.field, "list_add", call.args[at].text, None,
                                                   owner=head.owner))
    for var, why in sorted(shared.items()):
        for k in sorted(why or ()):
            effects[k].append(OptionEffect(var, "list_add", "&" + var, None))
    return effects, other


def _var_head(e: CExpr, fn: FunctionFacts, stack: set[tuple[str, str, str]]) -> str | None:
    """The variable of file scope whose address a head argument is (`&garp_delay`), or None."""
    x = strip(e)
    if isinstance(x, Unary) and x.op == "&":
        x = strip(x.operand)
    return x.name if isinstance(x, Name) and x.ref == "var" and (fn.file, fn.name, x.name) not in stack else None


def _reasons(key: str, call: CallSite, sides: Mapping[str, frozenset[str]],
             callers: Mapping[str, list[tuple[str, CallSite]]], tested: Callable[[CExpr], set[str] | None],
             seen: set[str], depth: int = 6) -> set[str] | None:
    """The keywords one of which the call `call` in function `key` running needs: those of a
    test of keywords' values guarding it (`tested`), else the function's handler keywords
    (`sides`), else those of every call of the function (`callers`: key -> (caller key, call)),
    up to `depth` calls away. None when some way to it needs none (a function nothing calls
    directly, whose address may be taken, or the walk goes too deep)."""
    for g in call.guards:
        if g.expr is not None and not g.negated and g.kind in ("if", "and", "ternary", "loop"):
            found = tested(g.expr)
            if found:
                return set(found)
    if sides.get(key):
        return set(sides[key])
    if key in seen:
        return set()  # a recursion: the other ways decide
    if depth == 0 or not key or not callers.get(key):
        return None
    out: set[str] = set()
    for caller, site in callers[key]:
        why = _reasons(caller, site, sides, callers, tested, seen | {key}, depth - 1)
        if why is None:
            return None
        out |= why
    return out


def _heads_of(call: CallSite, fills: Mapping[str, int], heads: Mapping[str, set[int]],
              resolve: Callable[[str, str], str | None]) -> list[int]:
    """The indexes of the call's arguments naming a list head it puts entries in: a `list_fills`
    function's, or a parameter a function passes on as one (_head_params)."""
    if call.indirect:
        return []
    found = {fills[call.callee]} if call.callee in fills else set()
    callee = resolve(call.callee, call.file) if call.callee not in fills else None
    found |= heads.get(callee, set()) if callee else set()
    return sorted(i for i in found if i < len(call.exprs))


def _head_params(by_key: Functions, fills: Mapping[str, int], resolve: Callable[[str, str], str | None]) \
        -> dict[str, set[int]]:
    """Function key -> the indexes of its parameters it passes as a list head to a `list_fills`
    function, or to a function doing so (`alloc_ipaddress(list_head_t *ip_list, ...)` calling
    list_add_tail(&new->e_list, ip_list)), up to four calls deep."""
    heads: dict[str, set[int]] = defaultdict(set)
    for _ in range(4):
        changed = False
        for key, fn in by_key.items():
            for call in fn.calls:
                for at in _heads_of(call, fills, heads, resolve):
                    arg = strip(call.exprs[at])
                    if isinstance(arg, Name) and arg.ref == "param" and arg.name in fn.params \
                            and fn.params.index(arg.name) not in heads[key]:
                        heads[key].add(fn.params.index(arg.name))
                        changed = True
        if not changed:
            break
    return heads


def _field_of(e) -> Member | None:
    """The field an address points at (`&vrrp_data->vrrp_track_processes`), or None."""
    for x in walk(e):
        if isinstance(x, Member):
            return x
    return None


def list_walk(e: Binary, index: Index, fn: FunctionFacts | None) -> set[str] | None:
    """A list walk's test (keepalived's list_for_each_entry(vip, &current_vrrp->evip, e_list):
    `&vip->e_list != (&current_vrrp->evip)`), where the daemon has an emptiness test (rules'
    `emptiness_tests`): an entry's link compared unequal with the address of a list head that
    keywords fill (effects `list_add`) reads as "that list is not empty" (the walk's body runs
    only then; so does code after a walk that found an entry). `==` tells nothing: after a walk
    that found nothing the entry is the head whatever the list holds. None for any other test."""
    if not index.emptiness_tests or e.op != "!=":
        return None
    found = []
    for head, entry in ((strip(e.left), strip(e.right)), (strip(e.right), strip(e.left))):
        if not all(isinstance(x, Unary) and x.op == "&" and isinstance(strip(x.operand), Member) for x in (head, entry)):
            continue
        target = target_of(head)
        names = [n for n in value_options(target, index, fn, by_default=False, keep_own=True)
                 if any(effect.op == "list_add" and effect.target == "." + target.name
                        for effect in getattr(index.by_name.get(n), "effects", ()))]
        if names:
            found.append(names)
    return set(found[0]) if len(found) == 1 else None
