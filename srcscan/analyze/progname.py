"""Tests of the name the program was started under: a binary that is also another program
when run under another name (keepalived 2.x's keepalived_main() runs genhash, a helper with
options of its own, when argv[0]'s base name is "genhash": core/main.c:2455-2458).

The catalog describes the daemon started under its own name (the rules' `[project] programs`,
by default the project's name: bind9's binary is `named`), so
`strcmp(<argv[0]>, "other")` is non-zero there and `!strcmp(...)` false: what only that branch
reaches is no message the daemon logs by default, and it keeps whatever other way the daemon
has to it (keepalived's `-T`). A test of the daemon's own name is left undecided.

The program's argv is main()'s second parameter and every parameter a direct call passes it
in unchanged (`keepalived_main(argc, argv)`), computed once per call graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcscan.analyze.callgraph import CallGraph
from srcscan.cexpr import Binary, Call, CExpr, Const, Index, Name, Unary, c_string_value, strip, walk
from srcscan.model import FunctionFacts
from srcscan.requirement import Requirement

if TYPE_CHECKING:
    from srcscan.analyze.optionindex import Index as OptionIndex

def program_name_test(e: CExpr, index: "OptionIndex", fn: FunctionFacts | None) -> Requirement | None:
    """TRUE or FALSE for a test of the program's name against another name as the daemon
    runs it: `strcmp(name ? name + 1 : argv[0], "genhash")` (non-zero: TRUE), its `!`, `== 0`
    (FALSE) and `!= 0` (TRUE); None for any other test, and for a test of the project's own
    name. The comparison is one of the rules' `[config] string_compares` taking two strings
    (`_c.toml`: strcmp, strcasecmp; the length-bounded ones take three)."""
    if fn is None or index.graph is None:
        return None
    e = strip(e)
    if isinstance(e, Unary) and e.op == "!":
        inner = program_name_test(e.operand, index, fn)
        return None if inner is None else ~inner
    if isinstance(e, Binary) and e.op in ("==", "!=") and _zero(e.right):
        inner = program_name_test(e.left, index, fn)
        return None if inner is None else (~inner if e.op == "==" else inner)
    if not isinstance(e, Call) or not isinstance(e.function, Name) or e.function.name not in index.string_compares \
            or len(e.args) != 2:
        return None
    literal = [a for a in map(strip, e.args) if isinstance(a, Const) and a.text.startswith('"')]
    other = [a for a in e.args if not (isinstance(strip(a), Const))]
    if len(literal) != 1 or len(other) != 1 or not _names_program(other[0], fn, index):
        return None
    name = c_string_value(literal[0].text)
    if name.lower() in {p.lower() for p in index.programs}:
        return None
    return Requirement.TRUE  # the names differ: strcmp's result is non-zero


def _zero(e: CExpr) -> bool:
    e = strip(e)
    return isinstance(e, Const) and e.value == 0


def _names_program(e: CExpr, fn: FunctionFacts, index: "OptionIndex") -> bool:
    """Whether `e` reads argv[0] of the program (through any expression: `name ? name + 1 :
    argv[0]`, `basename(argv[0])`)."""
    carriers = program_argv(index.graph)
    return any(isinstance(x, Index) and isinstance(strip(x.base), Name) and _zero(x.index)
               and (fn.key, strip(x.base).name) in carriers for x in walk(e))


def program_argv(graph: CallGraph) -> frozenset[tuple[str, str]]:
    """(function key, parameter) holding the program's argv: main's second parameter and the
    parameters direct calls pass it in unchanged; once per graph."""
    known = _CARRIERS.get(id(graph))
    if known is not None and known[0] is graph:
        return known[1]
    todo = [(f.key, f.params[1]) for f in graph.functions.values() if f.name == "main" and len(f.params) >= 2]
    found: set[tuple[str, str]] = set()
    while todo:
        key, param = todo.pop()
        fn = graph.functions.get(key)
        if (key, param) in found or fn is None:
            continue
        found.add((key, param))
        for call in fn.calls:
            callee = None if call.indirect else graph.key_for(call.callee, call.file)
            target = graph.functions.get(callee) if callee else None
            for i, arg in enumerate(call.exprs):
                arg = strip(arg)
                if target is not None and i < len(target.params) and isinstance(arg, Name) and arg.name == param:
                    todo.append((target.key, target.params[i]))
    _CARRIERS.clear()  # one graph at a time: a catalog's
    _CARRIERS[id(graph)] = (graph, frozenset(found))
    return _CARRIERS[id(graph)][1]


_CARRIERS: dict[int, tuple[CallGraph, frozenset[tuple[str, str]]]] = {}
