"""Bits on before the command line is read: keepalived 1.2-1.4's main() runs
`__set_bit(DAEMON_VRRP, &daemon_mode); __set_bit(DAEMON_CHECKERS, &daemon_mode);` before
`parse_cmdline(argc, argv)`, whose getopt loop may then clear them (`-P`: `daemon_mode = 0;
__set_bit(DAEMON_VRRP, &daemon_mode);`). A test of such a bit holds unless an option cleared
it (testatoms._bit_atoms reads `__test_bit(DAEMON_CHECKERS, &daemon_mode)` as `!-P`, not as
`-C`, which only sets it again).

Plain facts in (the call graph's functions, the rules' getopt and bit_set calls), a table
out; no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from srcscan.analyze.optionvalues import integer_of, target_of
from srcscan.cexpr import Name, walk
from srcscan.model import FunctionFacts

DefaultBits = dict[str, tuple[tuple[int, frozenset[str]], ...]]


def default_bits(functions: Iterable[FunctionFacts], getopt_calls: frozenset[str],
                 bit_set: frozenset[str]) -> DefaultBits:
    """Variable or field name -> the bits set on it before the command line is read, each as
    (mask, the enumerators it is written with): the rules' `bit_set` calls (`__set_bit(BIT,
    &word)`) under no run-time test, in a function reading the command line (a `getopt_calls`
    call) or calling one that does, on lines before that call. Empty without bit_set or
    getopt calls."""
    functions = list(functions)
    if not bit_set or not getopt_calls:
        return {}
    readers = {fn.name for fn in functions if any(not c.indirect and c.callee in getopt_calls for c in fn.calls)}
    out: dict[str, set[tuple[int, frozenset[str]]]] = defaultdict(set)
    for fn in functions:
        reads = [c.line for c in fn.calls if not c.indirect and (c.callee in getopt_calls or c.callee in readers)]
        if not reads:
            continue
        for call in fn.calls:
            if call.line >= min(reads) or call.indirect or call.callee not in bit_set or call.guards \
                    or len(call.exprs) < 2:
                continue
            bit, target = integer_of(call.exprs[0]), target_of(call.exprs[1])
            if bit is not None and 0 <= bit < 64 and target is not None:
                names = frozenset(x.name for x in walk(call.exprs[0]) if isinstance(x, Name) and x.ref == "enum")
                out[target.name].add((1 << bit, names))
    return {name: tuple(sorted(bits, key=lambda b: (b[0], sorted(b[1])))) for name, bits in sorted(out.items())}


def on_by_default(word: str, mask: int, names: frozenset[str], table: DefaultBits) -> bool:
    """Whether the bit `mask` (written with enumerators `names`) of `word` is on before the
    command line is read (`table`: default_bits). Enumerators are compared by name when both
    sides have one (their values differ between build profiles)."""
    return any((names & bit_names) if names and bit_names else bool(mask & bit_mask)
               for bit_mask, bit_names in table.get(word, ()))
