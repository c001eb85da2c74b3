"""Fields a configuration keyword's handler fills that other code fills too: keepalived's
`vrrp_nf_table_name` is stored by the `nftables` keyword's handler and by the VRRP child's
start-up for an instance that needs a firewall (`global_data->vrrp_nf_table_name =
STRDUP(DEFAULT_NFTABLES_TABLE)` in vrrp.c), and `enable_snmp_checker` by its keyword's handler
and by alloc_global_data() under `if (snmp_option)` (-x). analyze.keywords gives such a field
to no keyword (that it is set does not tell that the keyword was given); a test that it is set
still needs one of its stores to have run: the keyword's handler (its keyword), or another
store (its function's requirement and the store's guards). Writes facts and the keywords'
handler functions in, stores out (shared_fills); the requirement is worked out once the
functions' requirements are known (requirements.answer_requirements: Index.shared_by). No I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from srcscan.analyze.optionvalues import Target, integer_of
from srcscan.cexpr import Member, strip
from srcscan.model import FunctionFacts, Guard, Write
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index

Stores = tuple[tuple[str, tuple[Guard, ...]], ...]


def shared_fills(writes: Iterable[Write], handler_sides: Mapping[str, frozenset[str]],
                 key_for: Callable[[str, str], str | None]) -> dict[tuple[str, str], Stores]:
    """(field, struct) -> every store of a value other than 0 in a field of that name and
    struct (function key, the store's guards), for the fields some keyword's handler or helper
    (`handler_sides`: keywordsides.handler_sides) stores in. Left out: a field written where no
    function is known; a field of a struct not known, or declared outside the tree (a system
    header's `struct in_addr`: its `s_addr` is every address's, of objects of every kind); and
    the copies of a field of the same name (`new->x = old->x`: the old object's value, from its
    own stores)."""
    stores: dict[tuple[str, str], set[tuple[str, tuple[Guard, ...]]]] = defaultdict(set)
    unknown: set[tuple[str, str]] = set()
    for w in writes:
        if w.local or "." not in w.target or w.value is None or integer_of(w.value) == 0:
            continue
        if not w.owner or w.owner.startswith("/"):
            continue
        field = w.target.rsplit(".", 1)[-1]
        value = strip(w.value)
        if isinstance(value, Member) and value.field == field:
            continue
        key = key_for(w.function, w.file) if w.function else None
        if key is None:
            unknown.add((field, w.owner))
            continue
        stores[(field, w.owner)].add((key, w.guards))
    return {slot: tuple(sorted(found, key=lambda s: (s[0], tuple(g.line for g in s[1]))))
            for slot, found in sorted(stores.items())
            if slot not in unknown and any(k in handler_sides for k, _ in found)}


def shared_need(target: Target, index: Index, fn: FunctionFacts | None) -> Requirement | None:
    """What a test in `fn` that the field `target` is set needs when keyword handlers and other
    code fill it (Index.shared_by, per field and struct; a struct not known on either side may
    be any); None when it is no such field, when a store of it needs nothing, or when `fn` runs
    under a keyword one of its stores runs under (a handler testing the field it fills, before
    or after its own store: optionvalues.value_options leaves such a test alone too)."""
    if target.kind != "field" or not index.shared_by:
        return None
    slots = [slot for slot in index.shared_fills
             if slot[0] == target.name and (not slot[1] or not target.owner or slot[1] == target.owner)]
    own = index.keyword_sides.get(fn.key, frozenset()) if fn is not None else frozenset()
    if not slots or any(slot not in index.shared_by for slot in slots) \
            or own and any(own & index.keyword_sides.get(k, frozenset()) for slot in slots
                           for k, _ in index.shared_fills[slot]):
        return None  # one of the fields it may be has a store needing nothing, or fn is a handler of it
    return Requirement.any_of(index.shared_by[slot] for slot in slots)
