"""Tests of a config value's key index outside a key switch (lighttpd's `cpv->k_id`): `if
(cpv->k_id != 0) continue; /* k_id == 0 for ssl.pemfile */` reads ssl.pemfile, and code under
`cpv->k_id != 3` runs for an entry of another key of the table. The list a loop walks holds
entries of the keys given only. Facts in (the index's key switches), formulas out; no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcscan.analyze.optionvalues import integer_of
from srcscan.cexpr import Binary, CExpr, Member, strip
from srcscan.model import FunctionFacts
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index


def key_index_test(e: CExpr, index: Index, fn: FunctionFacts | None,
                   line: int = 0) -> tuple[str, bool, tuple[str, ...]] | None:
    """(key, equal, other keys) for a test of a config value's key index outside a key switch
    (`if (cpv->k_id != 0) continue; /* k_id == 0 for ssl.pemfile */` in lighttpd's TLS modules'
    refresh code): the entry is that key's only when the key is given. The key is read in the
    function's first key switch's table (with the test's `line`, the switch nearest to it: a TLS
    module loops over its own keys, then over the socket keys), else in the file's largest. The
    other keys are the rest of that table: the list holds entries of given keys only, so code
    under `cpv->k_id != 3` (lighttpd 1.4.85 mod_gnutls_set_defaults_sockets' "%s is valid only
    in global scope") runs for an entry of one of them."""
    if fn is None or not index.key_switch or not isinstance(e, Binary) or e.op not in ("==", "!="):
        return None
    for side, other in ((e.left, e.right), (e.right, e.left)):
        side = strip(side)
        label = integer_of(other)
        if isinstance(side, Member) and side.field == index.key_switch and label is not None:
            table = _nearest_table(index.key_cases.get((fn.file, fn.name)) or index.key_cases.get((fn.file, ""), {}),
                                   line)
            key = table.get(label)
            others = tuple(sorted({k for i, keys in table.items() if i != label for k in keys.split("|")}))
            return (key, e.op == "==", others) if key else None
    return None


def other_entry(e: CExpr, index: Index, fn: FunctionFacts | None, line: int = 0) -> Requirement | None:
    """What a test that a config value's key index is not one label needs where it holds (`cpv->k_id
    != 3`: an entry of another key of the table, so one of those keys given); None for any other
    test. Only for a test known to hold: its negation (`if (cpv->k_id != 0) continue;`) reads the
    label's key (option_test)."""
    keyed = key_index_test(strip(e), index, fn, line)
    if keyed is None or keyed[1] or not keyed[2]:
        return None
    return Requirement.any_of(Requirement.atom(k) for k in keyed[2])


def _nearest_table(switches: dict[int, dict[int, str]], line: int) -> dict[int, str]:
    """The table of the key switch nearest to `line` (line 0 holds the function's first)."""
    lines = [n for n in switches if n] if line else []
    return switches[min(lines, key=lambda n: (abs(n - line), n))] if lines else switches.get(0, {})
