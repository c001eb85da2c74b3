"""Strings a function builds in a buffer: the steps, for the syslog ident built at run time.

Pure: one function's guarded nodes in, plain tuples out (part of the "logsetup" facts).
Recognises the C idioms (ISO C and glibc)

    strcpy(ident, name);                       the buffer now holds name
    if (instance) { strcat(ident, "_"); strcat(ident, instance); }   appended under a guard
    snprintf(ident, len, "%s_%s", a, b);       the format, %s filled with the arguments
    asprintf(&ident, "%s_%s", a, b);
    return ident;

so that `make_ident("demo")` can be evaluated later to the pattern `demo[_<instance>]`.
"""

from __future__ import annotations

from typing import Any, Callable

from srcscan.parse import Node

# name -> (index of the buffer argument, index of the first source / format argument, kind)
BUILDERS = {
    "strcpy": (0, 1, "copy"), "stpcpy": (0, 1, "copy"), "strncpy": (0, 1, "copy"), "strlcpy": (0, 1, "copy"),
    "strcat": (0, 1, "append"), "strncat": (0, 1, "append"), "strlcat": (0, 1, "append"),
    "sprintf": (0, 1, "format"), "snprintf": (0, 2, "format"), "asprintf": (0, 1, "format"),
}
_BRANCHES = frozenset({"if", "else", "early-return", "ternary", "and", "or"})


def string_builds(nodes: list[tuple[Node, Any]], sym: Callable[[Node], tuple],
                  strip: Callable[[Node], Node]) -> dict[str, Any] | None:
    """{"steps": [(buffer, kind, (argument syms), ((guard sym, negated, guard line), ...))],
        "returns": [buffer names returned]} for a function writing strings into a local or
    global buffer, else None. `sym` turns an expression into a Sym (extract/logsetup.py)."""
    steps = []
    for node, guards in nodes:
        if node.kind != "CALL_EXPR" or node.name not in BUILDERS:
            continue
        buffer_at, first, kind = BUILDERS[node.name]
        args = node.children[1:]
        if len(args) <= first:
            continue
        buffer = _buffer_name(args[buffer_at], strip)
        if buffer is None:
            continue
        conds = tuple((sym(g.cond), g.negated, g.line) for g in guards if g.kind in _BRANCHES and g.cond is not None)
        steps.append((buffer, kind, tuple(sym(a) for a in args[first:]), conds))
    if not steps:
        return None
    returns = sorted({strip(n.children[0]).name for n, _ in nodes if n.kind == "RETURN_STMT" and n.children
                      and strip(n.children[0]).kind == "DECL_REF_EXPR"})
    return {"steps": steps, "returns": returns}


def _buffer_name(node: Node, strip: Callable[[Node], Node]) -> str | None:
    node = strip(node)
    if node.kind == "UNARY_OPERATOR" and node.op == "&" and node.children:  # asprintf(&ident, ...)
        node = strip(node.children[0])
    return node.name if node.kind == "DECL_REF_EXPR" else None
