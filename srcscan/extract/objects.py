"""Which object a function pointer is stored in, and which object a call through a field uses.

Pure: one function's guarded nodes in, plain tuples out (part of the "logsetup" facts), for
the value-flow resolution of calls through struct fields (analyze/valueflow.py). Recognises

    list *l = calloc(1, sizeof *l); l->dump = dump_func; return l;    a constructor: the object it
                                                                       returns holds its parameter
    list *sockpool = alloc_list(dump_sock);                            a holder: a local, variable or
    data->instances = alloc_list(dump_vrrp);                           field given a call's result
    return alloc_mlist(free_func, dump_func, 1);                       a constructor that forwards its
                                                                       parameters to another one
    l->dump(l->head);                                                  a call through field `dump` of
                                                                       whatever parameter `l` holds
    static struct { void (*handler)(vrrp_t *); } VRRP_TSM[3][3] =      a file-scope table: its rows
        { { {NULL}, {vrrp_sync_master} }, ... };                       store functions in its fields
                                                                       (table_stores)

A holder is named ("local", name), ("var", name), ("field", name) or ("param", index).
"""

from __future__ import annotations

from typing import Any, Callable

from srcscan.parse import Node


def extract_objects(nodes: list[tuple[Node, Any]], params: tuple[str, ...], local_names: frozenset[str],
                    sym: Callable[[Node], tuple], strip: Callable[[Node], Node]) -> dict[str, Any] | None:
    """{"holders": [(holder, callee, (argument syms), line)],
        "stores": [(holder, field, value sym, line)]  (value: ("fn", name) or ("param", i, name)),
        "returns": [local names returned],
        "forwards": [(callee, (argument syms))] (calls whose result it returns),
        "calls": [(line, column, field, holder)]} for one function, or None when it has none."""
    holders, stores, returns, calls, forwards = [], [], [], [], []
    for node, _ in nodes:
        if node.kind == "VAR_DECL" and node.children:
            value = strip(node.children[-1])
            if value.kind == "CALL_EXPR" and value.name:
                holders.append((("local", node.name), value.name, tuple(sym(a) for a in value.children[1:]), node.line))
        elif node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2:
            target, value = holder_of(node.children[0], params, local_names, strip), strip(node.children[1])
            if target is None:
                continue
            if value.kind == "CALL_EXPR" and value.name:
                holders.append((target, value.name, tuple(sym(a) for a in value.children[1:]), node.line))
            left = strip(node.children[0])
            if left.kind == "MEMBER_REF_EXPR" and left.children:
                base = holder_of(left.children[0], params, local_names, strip)
                stored = sym(value)
                if base is not None and stored[0] in ("fn", "param"):
                    stores.append((base, left.name, stored, node.line))
        elif node.kind == "RETURN_STMT" and node.children:
            value = strip(node.children[0])
            if value.kind == "DECL_REF_EXPR" and value.name in local_names:
                returns.append(value.name)
            elif value.kind == "CALL_EXPR" and value.name:
                forwards.append((value.name, tuple(sym(a) for a in value.children[1:])))
        elif node.kind == "CALL_EXPR" and node.children:
            callee = strip(node.children[0])
            while callee.kind == "UNARY_OPERATOR" and callee.op == "*" and callee.children:
                callee = strip(callee.children[0])
            if callee.kind == "MEMBER_REF_EXPR" and callee.children:
                base = holder_of(callee.children[0], params, local_names, strip)
                if base is not None:
                    calls.append((node.line, node.col, callee.name, base))
    if not (holders or stores or calls or forwards):
        return None
    return {"holders": holders, "stores": stores, "returns": sorted(set(returns)), "calls": calls,
            "forwards": sorted(set(forwards))}


def table_stores(var: Node, init: Node, refs: Callable[[Node, str], Any]) -> list[tuple]:
    """Stores a file-scope variable's initializer makes: [(("var", name), field, ("fn", function),
    line)], each function the initializer names with the struct field it fills (`refs`:
    extract.calls' initializer reading, (node, field) pairs)."""
    return [(("var", var.name), field, ("fn", ref.name), ref.line) for ref, field in refs(init, var.name)
            if field != var.name]


def holder_of(node: Node, params: tuple[str, ...], local_names: frozenset[str],
              strip: Callable[[Node], Node]) -> tuple | None:
    """What holds an object: `l` (a parameter or local), `sockpool` (a variable), `VRRP_TSM[s][w]`
    (the table variable) or `vrrp_data->instances` (the field `instances`)."""
    node = strip(node)
    while node.kind in ("UNARY_OPERATOR", "PAREN_EXPR", "ARRAY_SUBSCRIPT_EXPR") and node.op in ("*", "&", "") \
            and node.children:
        node = strip(node.children[0])  # an element of a table is held where the table is (`VRRP_TSM[s][w]`)
    if node.kind == "DECL_REF_EXPR":
        if node.ref_kind == "PARM_DECL" and node.name in params:
            return ("param", params.index(node.name))
        if node.ref_kind == "VAR_DECL":
            return ("local", node.name) if node.name in local_names else ("var", node.name)
    if node.kind == "MEMBER_REF_EXPR":
        return ("field", node.name)
    return None
