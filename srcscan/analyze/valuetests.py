"""Tests of values that only options set, read as necessary conditions (a run-time test
remains beside them): two such values compared, and a value masked with another value or with
a constant. analyze.optiontests asks these after its other readings; no I/O, no parser node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcscan.analyze.optionvalues import above_run_value, integer_of, target_of, value_options
from srcscan.cexpr import Binary, CExpr
from srcscan.model import FunctionFacts
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def compared_values(e: CExpr, index: Index, fn: FunctionFacts | None, line: int = 0) -> Requirement | None:
    """`daemon->max_port < daemon->min_port`: two values only options set (0 until then, no start
    value) differ only once one of those options gave one, so a strict comparison or `!=` needs
    one of them (dnsmasq's --min-port, --max-port); None for any other test (`<=`, `==` hold
    with both 0 and tell nothing)."""
    if not isinstance(e, Binary) or e.op not in ("<", ">", "!="):
        return None
    if e.op != "!=" and (above := above_run_value(e.left if e.op == ">" else e.right,
                                                    e.right if e.op == ">" else e.left, index, fn, line)) is not None:
        return above
    names: set[str] = set()
    for side in (e.left, e.right):
        target = target_of(side)
        if target is None or target.kind not in ("field", "var") or integer_of(side) is not None \
                or index.start_values.get(target.name):
            return None
        found = value_options(target, index, fn, by_default=True)
        if not found or any(x.mask for n in found for x in getattr(index.by_name.get(n), "effects", ())):
            return None
        names.update(found)
    return Requirement.any_of(Requirement.atom(n) for n in sorted(names))


def masked_value(e: CExpr, index: Index, fn: FunctionFacts | None) -> Requirement | None:
    """`mask & daemon->dump_mask` with a run-time `mask` (dnsmasq's --dumpmask), or a constant
    mask over a value a key fills whole (lighttpd's `pconf->opts & PROXY_FORWARDED_HOST`, opts
    being extforward.params' parsed value): non-zero only when an option set the value (0 until
    then: no start value, no default), so a necessary condition; None for any other test (a
    constant mask over a value options set bit by bit is a bit test, read by testatoms.test_atoms)."""
    if not isinstance(e, Binary) or e.op != "&":
        return None
    for side, other in ((e.left, e.right), (e.right, e.left)):
        target = target_of(side)
        if target is None or target.kind not in ("field", "var") or index.start_values.get(target.name):
            continue
        mask = integer_of(other)
        if mask == 0 or (mask is None and target_of(other) is None):
            continue  # `x & 0`, or a mask neither constant nor a value srcscan can name
        names = value_options(target, index, fn, by_default=True)
        if names and not any(e.mask for n in names for e in getattr(index.by_name.get(n), "effects", ())):
            return Requirement.any_of(Requirement.atom(n) for n in names)
    return None


def entry_value(e: CExpr, index: Index) -> Requirement | None:
    """`limits->read_timeout` (or `!= 0`, `> 0`): a field only named entries of a key's list
    fill (Index.entry_fields: cgi.limits' "read-timeout" entry) is non-zero only with one of
    them given, so a necessary condition; None for any other test."""
    if isinstance(e, Binary) and e.op in ("!=", ">") and integer_of(e.right) == 0:
        e = e.left
    elif isinstance(e, Binary) and e.op in ("!=", "<") and integer_of(e.left) == 0:
        e = e.right
    target = target_of(e)
    if target is None or target.kind != "field" or not target.owner:
        return None
    atoms = index.entry_fields.get((target.owner, target.name))
    return Requirement.any_of(Requirement.atom(a) for a in atoms) if atoms else None
