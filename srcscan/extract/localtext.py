"""What a function assigns to the variables it passes to calls: the text it assembles.

Pure: a parsed Unit in, LocalWrite records out (FunctionFacts.local_writes). Recognises

    char *verb = "is";                        an initializer
    if (flags & F_CONFIG) source = "config";  an assignment under its guards
    gap = name = "";                          a chained assignment (both variables)

for the block-scope variables and parameters of a function that appear as a call's
argument, so that the analysis (analyze/builttext.py) can tell, at each caller, which
texts a message built from those variables shows.
"""

from __future__ import annotations

from dataclasses import replace

from srcscan.cexpr import Binary, Cond, Const, strip
from srcscan.extract.expressions import to_cexpr
from srcscan.extract.walk import strip as strip_node, walk_guarded
from srcscan.model import FunctionFacts, LocalWrite
from srcscan.parse import Node, Unit


def with_local_writes(unit: Unit, functions: tuple[FunctionFacts, ...]) -> tuple[FunctionFacts, ...]:
    """`functions` (extract_functions(unit), in unit.functions' order) with their local writes."""
    out = []
    for node, facts in zip(unit.functions, functions):
        writes = local_writes(unit, node)
        out.append(replace(facts, local_writes=writes) if writes else facts)
    return tuple(out)


def local_writes(unit: Unit, fn: Node) -> tuple[LocalWrite, ...]:
    """Initializers of and plain assignments (`=`) to fn's parameters and block-scope
    variables that some call of fn takes as an argument and that are given a string
    literal somewhere in fn, in source order."""
    nodes = list(walk_guarded(unit, fn))
    names = {c.name for c in fn.children if c.kind == "PARM_DECL"} | {n.name for n, _ in nodes if n.kind == "VAR_DECL"}
    passed = {strip_node(a).name for n, _ in nodes if n.kind == "CALL_EXPR" for a in n.children[1:]
              if strip_node(a).kind == "DECL_REF_EXPR"} & names
    out: list[LocalWrite] = []
    for node, guards in nodes:
        if node.kind == "VAR_DECL" and node.name in passed:
            init = _initializer(node)
            if init is not None:
                out.append(LocalWrite(node.name, _value(to_cexpr(init, unit.source)), light_guards(guards), node.line, node.col))
        elif node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            target = strip_node(node.children[0])
            if target.kind == "DECL_REF_EXPR" and target.name in passed:
                out.append(LocalWrite(target.name, _value(to_cexpr(node.children[1], unit.source)), light_guards(guards),
                                      node.line, node.col))
    texts = {w.variable for w in out if _literal(w.value)}
    return tuple(w for w in out if w.variable in texts)


def _literal(e) -> bool:
    """A string literal, or a choice between values one of which is."""
    e = strip(e)
    if isinstance(e, Const):
        return e.value is None
    return isinstance(e, Cond) and (_literal(e.yes) or _literal(e.no))


def light_guards(guards):
    """The guards without their parser nodes (the analysis reads `expr`)."""
    return tuple(replace(g, cond=None) for g in guards)


def _value(e):
    """The value an assignment stores: `name = ""` for `gap = name = ""`."""
    while isinstance(strip(e), Binary) and strip(e).op == "=":
        e = strip(e).right
    return e


def _initializer(var: Node) -> Node | None:
    for child in reversed(var.children):
        if child.kind.endswith(("_EXPR", "_LITERAL", "_OPERATOR")):
            return child
    return None
