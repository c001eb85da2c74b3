"""Flag bits of keyword handlers that code also sets in struct objects of its own stack, or
clears again (analyze.keywords' input). keepalived 2.3.4's shutdown_vrrp_instances() and
clear_diff_vrrp() set VRRP_VMAC_BIT in a stack `vrrp_t addr_vrrp` handed to
netlink_link_del_vmac(): a test there may read that object, a test in vrrp_complete_instance()
(vrrp.c:3624) reads the configured instances, whose bit only the use_vmac handler sets. And
vrrp_parser.c:461 clears the bit again for unicast without an interface: use_vmac given does
not make it hold.

Plain facts in (FunctionFacts, FileFacts' writes), Python values out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterable, Mapping

from srcscan.analyze.callgraph import Functions
from srcscan.analyze.keywordsides import field_of, resolve
from srcscan.cexpr import Cast, CExpr, Cond, Const, Member, Name, Unary, Binary, strip, walk
from srcscan.cexpr import Index as Subscript
from srcscan.model import FileFacts, FunctionFacts


def bit_observers(fn: FunctionFacts, local: str, setting, by_key: Functions,
                   stored: Mapping[tuple[str, str], tuple[CExpr, ...]]) -> frozenset[str] | None:
    """The functions (call-graph keys) where a test may see a bit set in a struct object on
    `fn`'s stack (`set_bit(VMAC, &addr_vrrp.flags)`, the call `setting`): `fn` and those the
    object is handed to, through the parameter it is passed in, and on to the functions that one
    hands it to (a library function's call tests nothing); empty when none of them tests the bit.
    None (anywhere) when the object goes to an indirect call, or one of them stores its address,
    or the object, in a variable, field or return (`current = &addr_vrrp`, `last = vrrp`): a
    pointer read elsewhere may reach it. Only tests guarding a call are seen (CallSite.guards).
    `local`: the stack variable's name; `by_key`: the tree's functions by call-graph key;
    `stored`: (file, function) -> the values its writes and returns store (stored_values).
    (keepalived 2.3.4's shutdown_vrrp_instances() and clear_diff_vrrp() hand their stack vrrp_t
    to netlink_link_del_vmac(), which tests VRRP_VMAC_BIT at vrrp_vmac.c:774 under
    _WITH_FIREWALL_: seen there, not in vrrp_complete_instance(), vrrp.c:3624, which reads the
    configured instances.)"""
    bit = setting.args[0].text
    todo: list[tuple[str, int]] = []
    seen: set[tuple[str, int]] = set()
    reached, tested = {fn.key}, False
    holder, caller, at = local, fn, setting.key
    while True:
        if any(_aliases(v, holder) for v in stored.get((caller.file, caller.name), ())):
            return None
        found = _hands_on(caller, holder, bit, at, by_key, todo)
        if found is None:
            return None
        tested = tested or found
        while todo and (todo[-1] in seen or by_key.get(todo[-1][0]) is None
                        or todo[-1][1] >= len(by_key[todo[-1][0]].params)):
            todo.pop()
        if not todo:
            return frozenset(reached) if tested else frozenset()
        key, index = todo.pop()
        seen.add((key, index))
        caller, at = by_key[key], None
        holder = caller.params[index]
        reached.add(key)


def cleared_bits(by_key: Functions, files: Iterable[FileFacts], bit_clear: frozenset[str],
                  sides: Mapping[str, object], on_stack: Callable) -> set[tuple[str, str, str | None]]:
    """(field, struct, bit) that code may clear in an object not on a function's own stack: a
    `bit_clear` call's bit, or None (every bit) for `&=` anywhere and for a store of the whole
    field outside the keyword handlers (`vrrp->flags = 0`)."""
    found: set[tuple[str, str, str | None]] = set()
    for fn in by_key.values():
        for call in fn.calls:
            if call.indirect or call.callee not in bit_clear or len(call.exprs) < 2:
                continue
            target = field_of(call.exprs[1])
            if target is not None and not on_stack(fn, target):
                found.add((target.field, target.owner, call.args[0].text))
    for f in files:
        for w in f.writes:
            if w.local or "." not in w.target or w.op not in ("=", "&="):
                continue
            key = resolve(by_key, w.function, w.file) if w.function else None
            if w.op == "&=" or not (key and sides.get(key)):
                found.add((w.target.rsplit(".", 1)[-1], w.owner, None))
    return found


def stored_values(files: Iterable[FileFacts]) -> dict[tuple[str, str], tuple[CExpr, ...]]:
    """(file, function) -> the values its writes store and its returns give back."""
    found: dict[tuple[str, str], list[CExpr]] = defaultdict(list)
    for f in files:
        for w in f.writes:
            if w.value is not None:
                found[(w.file, w.function)].append(w.value)
        for fn in f.functions:
            found[(fn.file, fn.name)].extend(r.value for r in fn.returns if r.value is not None)
    return {k: tuple(v) for k, v in found.items()}


def _aliases(e: CExpr, name: str) -> bool:
    """Whether the value `e` may be the object `name` names, or a pointer to it or into it:
    `name`, `&name`, `&name.field`, `(T *)name`, either branch of `?:`, `p + 1`."""
    e = strip(e)
    while isinstance(e, Cast):
        e = strip(e.operand)
    if isinstance(e, Unary) and e.op == "&":
        e = strip(e.operand)
        while isinstance(e, (Member, Subscript)):
            e = strip(e.base)
        return isinstance(e, Name) and e.name == name
    if isinstance(e, Cond):
        return _aliases(e.yes, name) or _aliases(e.no, name)
    if isinstance(e, Binary) and e.op in ("+", "-", ",", "="):
        return _aliases(e.right, name) or e.op in ("+", "-") and _aliases(e.left, name)
    return isinstance(e, Name) and e.name == name


def _hands_on(fn: FunctionFacts, holder: str, bit: str, setting, by_key: Functions,
              todo: list[tuple[str, int]]) -> bool | None:
    """Whether `fn` tests `bit` in what the variable `holder` names (a call or a guard naming
    both); None when it hands the object to an indirect call. The direct calls it is handed to
    (a pointer to it or into it: _aliases; `vrrp->ifp` is another object) go on `todo` as
    (function key, parameter index)."""
    def names(e, name: str) -> bool:
        return any(isinstance(x, Name) and x.name == name or isinstance(x, Const) and x.text == name for x in walk(e))

    tested = False
    for call in fn.calls:
        if setting is not None and call.key == setting:
            continue
        if any(g.expr is not None and names(g.expr, holder) and names(g.expr, bit) for g in call.guards):
            tested = True
        tested = tested or any(names(e, holder) and names(e, bit) for e in call.exprs)
        passed = [i for i, e in enumerate(call.exprs) if _aliases(e, holder)]
        if not passed:
            continue
        if call.indirect:
            return None
        key = resolve(by_key, call.callee, fn.file)
        todo.extend((key, i) for i in passed if key is not None)
    return tested
