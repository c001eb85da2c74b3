"""Parser nodes -> typed C expressions (srcscan.cexpr): the one place that reads an
expression's Node tree, so that nothing after extraction needs to.

Implicit casts and parentheses are dropped (the printer puts back the parentheses the
structure needs). A constant written as a macro name (`LOG_DETAIL_BIT`, `NULL`) keeps that
name as its text, and its value.
"""

from __future__ import annotations

import re
from typing import Callable

from srcscan.cexpr import Binary, Call, Cast, CExpr, Cond, Const, Index, Member, Name, Other, Unary, evaluate
from srcscan.parse import Node

_WRAPPERS = frozenset({"UNEXPOSED_EXPR", "PAREN_EXPR"})
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_REF_KINDS = {"VAR_DECL": "var", "PARM_DECL": "param", "ENUM_CONSTANT_DECL": "enum", "FUNCTION_DECL": "function"}

Source = Callable[[Node], str]


def to_cexpr(node: Node, source: Source | None = None) -> CExpr:
    """The typed expression of `node`; `source` gives a node's text as written (Unit.source),
    used for cast types, macro-named constants and what srcscan does not model."""
    read = source or (lambda _n: "")
    return _build(node, read)


def _build(node: Node, read: Source) -> CExpr:
    inner = _unwrap(node)
    built = _BUILDERS.get(inner.kind, _other)(inner, read)
    written = read(node).strip()
    if not isinstance(built, Name) and _IDENTIFIER.fullmatch(written or "-") and written != _name_of(built):
        value = evaluate(built)  # a macro standing for a constant: keep the name written
        if value is not None:
            return Const(value, written)
    return built


def _name_of(e: CExpr) -> str:
    return e.name if isinstance(e, Name) else ""


def _unwrap(node: Node) -> Node:
    while node.kind in _WRAPPERS and len(node.children) == 1 and not _recovered(node):
        node = node.children[0]
    return node


def _recovered(node: Node) -> bool:
    """An expression clang could not type and kept as its first piece (a RecoveryExpr, shown
    as UNEXPOSED_EXPR): `s->ssl_ctx` when the field's type comes from a header the build
    lacks is an UNEXPOSED_EXPR over `s` alone. Unlike an implicit cast, which spans exactly
    its operand, it spans more than its only child; read as that child's field named in the
    text (a Member whose struct is not known), or as its text, not as that child."""
    if node.kind != "UNEXPOSED_EXPR" or len(node.children) != 1:
        return False
    child = node.children[0]
    return node.end > node.start and child.end > child.start and (child.start, child.end) != (node.start, node.end) \
        and child.file == node.file


def _name(node: Node, read: Source) -> CExpr:
    return Name(node.name, _REF_KINDS.get(node.ref_kind, ""), node.value if node.ref_kind == "ENUM_CONSTANT_DECL" else None)


def _literal(node: Node, read: Source) -> CExpr:
    if node.kind == "STRING_LITERAL":
        return Const(None, node.name)
    text = read(node).strip()
    return Const(node.value, text if text and _IDENTIFIER.fullmatch(text) is None and node.value is not None else "")


def _member(node: Node, read: Source) -> CExpr:
    if not node.children:
        return Name(node.name, "")  # a field named alone (designated initializer)
    base = _build(node.children[0], read)
    if "(anonymous" in node.name:  # a member of an anonymous union: C names through it
        return base
    if not node.name:
        # A field clang names nothing: its struct is declared with a type from a header the
        # build lacks (mod_nss.c's plugin_config has NSS's CERTCertList *, so every field of
        # `hctx->conf` after it is unnamed). The text names it, as for a recovered expression.
        whole, written = read(node).strip(), read(node.children[0]).strip()
        if written and whole.startswith(written) and (m := _FIELD_AFTER.fullmatch(whole[len(written):])):
            return Member(base, m.group(2), m.group(1) == "->", node.owner)
    return Member(base, node.name, node.op != ".", node.owner)


def _unary(node: Node, read: Source) -> CExpr:
    if not node.children:
        return _other(node, read)
    return Unary(node.op or "?", _build(node.children[0], read))


def _sizeof(node: Node, read: Source) -> CExpr:
    text = read(node).strip()
    operand = text[6:].strip() if text.startswith("sizeof") else text
    return Unary("sizeof", Other(operand))


def _binary(node: Node, read: Source) -> CExpr:
    if len(node.children) != 2:
        return _other(node, read)
    return Binary(node.op or "?", _build(node.children[0], read), _build(node.children[1], read))


def _conditional(node: Node, read: Source) -> CExpr:
    if len(node.children) != 3:
        return _other(node, read)
    return Cond(*(_build(c, read) for c in node.children))


def _call(node: Node, read: Source) -> CExpr:
    if not node.children:
        return Call(Name(node.name, "function"))
    return Call(_build(node.children[0], read), tuple(_build(c, read) for c in node.children[1:]))


def _subscript(node: Node, read: Source) -> CExpr:
    if len(node.children) != 2:
        return _other(node, read)
    return Index(_build(node.children[0], read), _build(node.children[1], read))


def _cast(node: Node, read: Source) -> CExpr:
    operand_node = next((c for c in node.children if c.kind != "TYPE_REF"), None)
    if operand_node is None:
        return _other(node, read)
    operand = _build(operand_node, read)
    whole, rest = read(node).strip(), read(operand_node).strip()
    type_text = ""
    if whole.startswith("(") and rest and whole.endswith(rest):
        type_text = whole[: len(whole) - len(rest)].strip()
        type_text = type_text[1:-1].strip() if type_text.endswith(")") else ""
    return Cast(type_text, operand)


_FIELD_AFTER = re.compile(r"\s*(->|\.)\s*([A-Za-z_]\w*)\s*")


def _other(node: Node, read: Source) -> CExpr:
    if _recovered(node):
        # `s->ssl_ctx` kept as `s`: the field named in the text, of a struct srcscan does not know
        whole, base = read(node).strip(), read(node.children[0]).strip()
        if base and whole.startswith(base) and (m := _FIELD_AFTER.fullmatch(whole[len(base):])):
            return Member(_build(node.children[0], read), m.group(2), m.group(1) == "->")
        return Other(" ".join(whole.split()) or node.kind)
    if len(node.children) == 1 and node.kind not in ("INIT_LIST_EXPR", "COMPOUND_LITERAL_EXPR", "STMT_EXPR"):
        return _build(node.children[0], read)
    return Other(" ".join(read(node).split()) or node.name or node.kind)


_BUILDERS: dict[str, Callable[[Node, Source], CExpr]] = {
    "DECL_REF_EXPR": _name,
    "INTEGER_LITERAL": _literal,
    "CHARACTER_LITERAL": _literal,
    "STRING_LITERAL": _literal,
    "MEMBER_REF_EXPR": _member,
    "UNARY_OPERATOR": _unary,
    "CXX_UNARY_EXPR": _sizeof,
    "BINARY_OPERATOR": _binary,
    "COMPOUND_ASSIGNMENT_OPERATOR": _binary,
    "CONDITIONAL_OPERATOR": _conditional,
    "CALL_EXPR": _call,
    "ARRAY_SUBSCRIPT_EXPR": _subscript,
    "CSTYLE_CAST_EXPR": _cast,
}
