"""Marker codes: cases of the command-line handler's switch for codes no option table names.

dnsmasq's one_opt(option, arg, ...) is handed each option's code by the getopt loop and by
the configuration file reader; the file readers also hand it codes of their own, which no
option table names, for a line of a file an option points to:

    case LOPT_BANK:          /* a --dhcp-hostsfile line, from one_file(hf->fname, LOPT_BANK) */
    case 'G':  /* --dhcp-host */
      ...

getopt and the option tables never give such a code (it is no short option's character, and
no table entry holds it), so the case runs with it only after a call handing the constant on
ran (reread_dhcp's `one_file(hf->fname, LOPT_BANK)`, through read_file's `one_opt(option, ...)`).
This module finds, per such code, the calls of the tree whose arguments name it; the
requirements analysis turns them into what one of them needs (Index.marker_needs), which
optionindex.Index.option_case adds to the case's named options.

Only when sure: a code above 255 (no character getopt returns for a short option), handed on
by at least one call, and written nowhere else in the code srcscan reads (no assignment, no
`return` of it outside a comparison): a marker stored in a variable may reach the switch from
wherever that variable is read. A code a table other than the option tables holds (an
initializer srcscan does not keep) is not seen. Pure: facts in, calls out; no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from srcscan.cexpr import Binary, Call, CExpr, Const, Name, children, strip
from srcscan.model import CallSite, FunctionFacts, Write

if TYPE_CHECKING:
    from srcscan.analyze.callgraph import CallGraph
    from srcscan.analyze.optionindex import Index

_COMPARISONS = frozenset(("==", "!=", "<", ">", "<=", ">="))
_FIRST_CODE = 256  # getopt returns a short option's character (below 256) or a table entry's code


def marker_calls(graph: CallGraph, index: Index, writes: Iterable[Write]) \
        -> dict[int, tuple[tuple[str, CallSite], ...]]:
    """Code -> (caller key, call) of every call whose arguments name it, for the integer labels
    of the command-line handlers' option switches (Index.handlers: `switch (option)` on the
    parameter) that no option names (Index.cli_labels); a code written elsewhere than in a
    call's arguments (module docstring) is left out."""
    codes = {label for fn in _handlers(graph, index) for label in _unnamed_labels(fn, index)}
    if not codes:
        return {}
    stored = {c for w in writes if w.value is not None for c in _named_codes(w.value, codes)}
    stored |= {c for fn in graph.functions.values() for r in fn.returns if r.value is not None
               for c in _named_codes(r.value, codes)}
    found: dict[int, list[tuple[str, CallSite]]] = {c: [] for c in codes - stored}
    for key, fn in graph.functions.items():
        for call in fn.calls:
            for c in {c for e in call.exprs for c in _named_codes(e, frozenset(found))}:
                found[c].append((key, call))
    return {c: tuple(calls) for c, calls in found.items() if calls}


def _handlers(graph: CallGraph, index: Index) -> list[FunctionFacts]:
    """The functions the getopt loop hands each option to, in the command-line parser's file."""
    return [fn for key, fn in graph.functions.items() if key in index.handlers and fn.file == index.cli_file]


def _unnamed_labels(fn: FunctionFacts, index: Index) -> set[int]:
    """The labels above 255 of `fn`'s switches on a parameter that name no option."""
    return {label for call in fn.calls for g in call.guards
            if g.kind == "case" and isinstance(g.expr, Name) and g.expr.ref == "param"
            for label in g.labels if isinstance(label, int) and label >= _FIRST_CODE
            and label not in index.cli_labels}


def _named_codes(e: CExpr, codes: frozenset[int] | set[int]) -> set[int]:
    """The codes among `codes` that `e` names as a value (a constant outside a comparison and
    outside a call's arguments: `return one_file(file, LOPT_BANK);` returns what the call
    returns, and the call is one of those handing the code on)."""
    e = strip(e)
    if isinstance(e, Const):
        return {e.value} & set(codes) if e.value is not None else set()
    if isinstance(e, Call) or (isinstance(e, Binary) and e.op in _COMPARISONS):
        return set()
    return {c for x in children(e) if x is not None for c in _named_codes(x, codes)}
