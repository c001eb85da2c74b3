"""Fields of zeroed structs that only code which never runs makes non-zero: a test that one is
set never holds.

lighttpd 1.4.85's server is `ck_calloc(1, sizeof(*srv))` (server_init, server.c; calloc(3): "The
memory is set to zero"), its `server_config srvconf` member with it, and the only stores in
`srv->srvconf.config_unsupported` and `config_deprecated` are `= 1` under `case
T_CONFIG_UNSUPPORTED:` and `case T_CONFIG_DEPRECATED:` of config_plugin_values_init_block()'s
`switch (cpk[i].ktype)` (configfile-glue.c), values no row of any of the tree's static key tables
gives `ktype` (keytypes.unused_case). So config_finalize()'s `if
(srv->srvconf.config_unsupported)` "Configuration contains unsupported keys. Going down."
(configfile.c) is never logged.

Only when sure: the struct is one zerofields.zeroed_structs counts (every allocation of it, or
of the struct holding it by value, a zeroing one; no use by value elsewhere, no store in the
member whole, no address of it taken, none filled whole), the field is one zerofields.zero_fills
keeps (every write of it parsed, in a function the call graph knows, no address taken, no
compound assignment), and every store of a value other than 0 runs under such a case. A test
is read only where the parse names the field's struct. Facts in, answers out; no I/O.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

from srcscan.analyze.keytypes import KeyTableValues, unused_case
from srcscan.analyze.wholefills import unmodelled
from srcscan.analyze.zerofields import zero_fills, zeroed_structs
from srcscan.cexpr import Binary, CExpr, Member, Unary, evaluate, strip
from srcscan.model import CallSite, FunctionFacts, GuardAt, Write

_TESTS = ("if", "else", "early-return", "and", "or", "ternary")


def dead_slots(functions: Iterable[FunctionFacts], writes: Iterable[Write], key_for: Callable[[str, str], str | None],
               known: KeyTableValues, whole: frozenset[str], stepped: frozenset[str]) -> dict[tuple[str, str], str]:
    """(field, struct) -> where its stores run (text), for the fields of zeroed structs
    (nested members too) whose every store of a value other than 0 is under a `case` no key
    table gives the field switched on (module docstring). `whole`: structs filled whole
    (wholefills.filled_whole); `stepped`: fields changed by `++`/`+=` (wholefills.stepped_fields)."""
    if not known.tables:
        return {}
    functions, writes = list(functions), tuple(writes)
    structs = zeroed_structs(functions, writes, nested=True, whole=whole)
    fills = unmodelled(zero_fills(functions, writes, key_for, structs), stepped, whole)
    out = {}
    for slot, stores in fills.items():
        cases = [next((g for g in guards if unused_case(g, known) is not None), None) for _, guards in stores]
        if stores and all(cases):
            out[slot] = "; ".join(f"{key.rsplit(':', 1)[-1]}() under {g.describe()} (line {g.line})"
                                  for (key, _), g in zip(stores, cases))
    return out


def dead_store_test(call: CallSite, dead: Mapping[tuple[str, str], str], known: KeyTableValues) -> GuardAt | None:
    """A guard of the call that needs a field of `dead` (dead_slots) non-zero: the guard,
    saying so; None when there is none."""
    for g in call.guards if dead else ():
        if g.expr is None or g.kind not in _TESTS:
            continue
        for m in _nonzero_members(g.expr, not g.negated):
            where = dead.get((m.field, m.owner)) if m.owner else None
            if where is not None:
                return GuardAt(call.file, g.line, f"{g.describe()} never holds: {m.field} is 0 at start (its struct "
                                                  f"is made only by zeroing allocations) and its only stores of "
                                                  f"another value run under a case no row of the config key "
                                                  f"tables ({', '.join(sorted(known.tables))}) gives: {where}")
    return None


def _nonzero_members(e: CExpr, holds: bool) -> list[Member]:
    """The fields `e` being `holds` needs non-zero: `p->f`, `p->s.f`, `!p->f` false, `p->f !=
    0`, `p->f == 0` false, and either operand of a `&&` that holds (or of a `||` that fails)."""
    e = strip(e)
    if isinstance(e, Member):
        return [e] if holds else []
    if isinstance(e, Unary) and e.op == "!":
        return _nonzero_members(e.operand, not holds)
    if isinstance(e, Binary) and e.op in ("==", "!="):
        for side, other in ((e.left, e.right), (e.right, e.left)):
            if evaluate(other) == 0:
                return _nonzero_members(side, holds if e.op == "!=" else not holds)
        return []
    if isinstance(e, Binary) and e.op in ("&&", "||") and (e.op == "&&") == holds:
        return _nonzero_members(e.left, holds) + _nonzero_members(e.right, holds)
    return []
