"""Option fills through a pointer to the field (per-file facts for extract.options): a case that
appends to a list through a pointer to its pointer (dnsmasq's --interface-name: `for (up =
&daemon->int_names; *up; up = &((*up)->next)); *up = new;`) or picks the list by the option code
(`sets = (option == LOPT_IPSET) ? &daemon->ipsets : &daemon->nftsets; ... *sets = new;`) fills
that field. Pure: parser nodes in, target paths out.
"""

from __future__ import annotations

from collections import defaultdict

from srcscan.extract.calls import integer_value
from srcscan.extract.walk import expression_text, member_path, strip
from srcscan.parse import Node


def pointed_fields(nodes: list[tuple[Node, tuple]], local: set[str]) \
        -> dict[tuple, list[tuple[str, tuple[int | None, bool]]]]:
    """(local, its case: _case_of) -> fields of file-scope state it gets the address of (`up =
    &daemon->int_names`; `sets = option == LOPT_IPSET ? &daemon->ipsets : &daemon->nftsets`, each
    with the label picking it: (label, True) for `&a`, (label, False) for `&b`; (None, True) for a
    plain address). A local given anything else too (but `up = &(*up)->next`) is left out."""
    found: dict[tuple, list] = defaultdict(list)
    other: set[tuple] = set()
    for node, guards in nodes:
        if node.kind == "VAR_DECL" and node.name in local and node.children \
                and node.children[-1].kind not in ("TYPE_REF", "STRUCT_DECL", "UNION_DECL", "ENUM_DECL"):
            name, value = node.name, node.children[-1]  # declared with a value (not only its type)
        elif node.kind == "BINARY_OPERATOR" and node.op == "=" and len(node.children) == 2 \
                and strip(node.children[0]).kind == "DECL_REF_EXPR" and strip(node.children[0]).name in local:
            name, value = strip(node.children[0]).name, node.children[1]
        else:
            continue
        if root_name(_address_of(value)) == name:
            continue  # `up = &((*up)->next)`: the walk along the list itself
        key = (name, _case_of(guards))  # a name each case may declare for itself
        picked = _addresses(value, local)
        if picked is None:
            other.add(key)
        else:
            found[key].extend(picked)
    return {k: v for k, v in found.items() if k not in other and v}


def _case_of(guards: tuple) -> tuple:
    """The innermost `case` around a node, as (line, labels); () outside any."""
    case = next((g for g in reversed(guards) if g.kind == "case"), None)
    return (case.line, tuple(case.labels)) if case is not None else ()


def _address_of(node: Node) -> Node | None:
    """`x` of `&x` (under parentheses), else None."""
    node = strip(node)
    while node.kind == "PAREN_EXPR" and node.children:
        node = strip(node.children[0])
    if node.kind == "UNARY_OPERATOR" and node.op == "&" and node.children:
        return node.children[0]
    return None


def _addresses(value: Node, local: set[str]) -> list[tuple[str, tuple[int | None, bool]]] | None:
    """The fields of file-scope state an initializer takes the address of (see _pointed_fields);
    None when it is anything else."""
    value = strip(value)
    while value.kind == "PAREN_EXPR" and value.children:
        value = strip(value.children[0])
    if value.kind == "CONDITIONAL_OPERATOR" and len(value.children) == 3:
        cond = strip(value.children[0])
        while cond.kind == "PAREN_EXPR" and cond.children:
            cond = strip(cond.children[0])
        a, b = _addresses(value.children[1], local), _addresses(value.children[2], local)
        if a is None or b is None or len(a) != 1 or len(b) != 1:
            return None
        label = integer_value(cond.children[1]) if cond.kind == "BINARY_OPERATOR" and cond.op in ("==", "!=") \
            and len(cond.children) == 2 else None
        if label is None:
            return a + b
        equal = cond.op == "=="
        return [(a[0][0], (label, equal)), (b[0][0], (label, not equal))]
    inner = _address_of(value)
    if inner is None or strip(inner).kind != "MEMBER_REF_EXPR":
        return None
    target = target_path(inner, local)
    return None if target.startswith(".") else [(target, (None, True))]


def through_pointer(node: Node, guards: tuple, pointed: dict) -> list[tuple[str, tuple[int | None, bool]]]:
    """For `*p = value` with p a local of _pointed_fields (in the same case): the fields written; else []."""
    if not pointed or node.kind != "BINARY_OPERATOR" or node.op != "=" or len(node.children) != 2:
        return []
    target = strip(node.children[0])
    if target.kind != "UNARY_OPERATOR" or target.op != "*" or not target.children:
        return []
    ref = strip(target.children[0])
    return pointed.get((ref.name, _case_of(guards)), []) if ref.kind == "DECL_REF_EXPR" else []


def root_name(node: Node | None) -> str:
    """The variable an lvalue hangs from: `cpv` of `*(const buffer **)&cpv->v.b`, `up` of `&((*up)->next)`."""
    while node is not None and node.children and node.kind in (
            "UNARY_OPERATOR", "CSTYLE_CAST_EXPR", "PAREN_EXPR", "UNEXPOSED_EXPR", "MEMBER_REF_EXPR", "ARRAY_SUBSCRIPT_EXPR"):
        node = node.children[-1] if node.kind == "CSTYLE_CAST_EXPR" else node.children[0]
    return node.name if node is not None and node.kind == "DECL_REF_EXPR" else ""


def target_path(node: Node, local: set[str]) -> str:
    """`debug`; `main_pidfile.path` for a field of a file-scope variable; `.debug` for a field
    reached through the function's own variable or parameter (`p->conf.debug`: the struct it
    hangs from, and its name, vary by function)."""
    node = strip(node)
    if node.kind == "MEMBER_REF_EXPR":
        root, field = member_path(node)
        return root if root and root.split(".")[0] not in local else "." + field
    if node.kind == "UNARY_OPERATOR" and node.op in ("*", "&") and node.children:
        return target_path(node.children[0], local)
    if node.kind == "CSTYLE_CAST_EXPR" and node.children:  # `*(const array **)&conf.x = v`: its type is a child too
        return target_path(node.children[-1], local)
    return node.name or expression_text(node)
