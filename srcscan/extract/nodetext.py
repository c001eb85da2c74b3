"""Text of parser nodes: a condition as written or rebuilt from the AST, source text on one line,
an expression's C text, a member chain's path, the expression under casts and parentheses.

Pure: Node trees and source text in, strings out. Used by the guard walker (extract.walk) and
the extractors; split from walk.py to keep each module under 500 lines.
"""

from __future__ import annotations

import re

from srcscan.parse import Node, Unit

EXPRESSION_WRAPPERS = frozenset({"UNEXPOSED_EXPR", "PAREN_EXPR", "CSTYLE_CAST_EXPR"})


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def condition_text(unit: Unit, cond: Node, owner: Node) -> str:
    """A condition as written, or rebuilt from the AST when it comes from a macro body.

    Inside a project macro (`#define log_detail(...) if (verbose) log_message(...)`) the
    condition and the statement that owns it expand from one macro use, so they have one
    source range: the whole invocation. Rebuilding the expression gives `verbose`. A condition
    with a range of its own is kept as written, macros and all (`CPU_COUNT(&data->mask)`,
    `__test_bit(BIT, &debug)`), as a reader finds it in the file.
    """
    written = one_line(unit.source(cond))
    if written and (cond.start, cond.end) != (owner.start, owner.end):
        return written
    rebuilt = expression_text(cond)
    if written and set(_IDENTIFIER.findall(rebuilt)) <= set(_IDENTIFIER.findall(written)):
        return written
    return rebuilt or written or cond.name


_LITERAL_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)


_UNTIDY = re.compile(r"\s\s|[\n\t\r\f\v/]|\(\s|\s\)")
_DIRECTIVE_LINE = re.compile(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*$", re.M)


def one_line(text: str) -> str:
    """Source text on one line: preprocessor lines and comments dropped, each run of blanks
    (line breaks and the indentation after them) one space, none just inside parentheses;
    string and character literals untouched."""
    if not _UNTIDY.search(text):
        return text.strip()  # most texts: one line, single spaces, no comment
    if "\n" in text:
        text = _DIRECTIVE_LINE.sub("", text)
    pieces, code, last = [], "", 0
    for m in _LITERAL_OR_COMMENT.finditer(text):
        code += text[last:m.start()]
        last = m.end()
        if m.group()[0] == "/":
            code += " "
        else:
            pieces += [_squeeze(code), m.group()]
            code = ""
    pieces.append(_squeeze(code + text[last:]))
    return "".join(pieces).strip()


def _squeeze(code: str) -> str:
    return re.sub(r"\s+\)", ")", re.sub(r"\(\s+", "(", re.sub(r"\s+", " ", code)))


def expression_text(node: Node) -> str:
    """C text of an expression rebuilt from its Node tree (no macros, no comments)."""
    node = strip(node)
    kids = node.children
    if node.kind in ("DECL_REF_EXPR", "MEMBER_REF"):
        return node.name
    if node.kind in ("INTEGER_LITERAL", "CHARACTER_LITERAL"):
        return str(node.value) if node.value is not None else node.name
    if node.kind == "STRING_LITERAL":
        return node.name
    if node.kind == "MEMBER_REF_EXPR":
        if not kids:
            return node.name
        if "(anonymous" in node.name:  # a member of an anonymous union: C names through it
            return expression_text(kids[0])
        return f"{expression_text(kids[0])}{node.op or '->'}{node.name}"
    if node.kind == "PAREN_EXPR" and kids:
        return f"({expression_text(kids[0])})"
    if node.kind == "BINARY_OPERATOR" and len(kids) == 2:
        return f"{expression_text(kids[0])} {node.op} {expression_text(kids[1])}"
    if node.kind == "UNARY_OPERATOR" and kids:
        inner = expression_text(kids[0])
        return f"{inner}{node.op}" if node.op in ("++post", "--post") else f"{node.op}{inner}"
    if node.kind == "CALL_EXPR" and kids:
        return f"{expression_text(kids[0])}({', '.join(expression_text(k) for k in kids[1:])})"
    if node.kind == "ARRAY_SUBSCRIPT_EXPR" and len(kids) == 2:
        return f"{expression_text(kids[0])}[{expression_text(kids[1])}]"
    if node.kind == "CONDITIONAL_OPERATOR" and len(kids) == 3:
        return " ? ".join(expression_text(k) for k in kids[:2]) + " : " + expression_text(kids[2])
    if len(kids) == 1:
        return expression_text(kids[0])
    return node.name or ""


def member_path(node: Node) -> tuple[str, str]:
    """A member expression's (root path, field): `main_pidfile.path` -> ("main_pidfile.path",
    "path"); the root path is empty when the chain does not start at a named variable
    (`f()->x`); `&`, `*` and parentheses on the way are ignored, anonymous unions skipped."""
    names = [node.name]
    base = node
    while base.children:
        base = strip(base.children[0])
        while base.kind in ("UNARY_OPERATOR", "PAREN_EXPR") and base.op in ("*", "&", "") and base.children:
            base = strip(base.children[0])
        if base.kind == "MEMBER_REF_EXPR":
            names.append(base.name)
        elif base.kind == "DECL_REF_EXPR" and base.ref_kind == "VAR_DECL":
            path = [base.name] + [n for n in reversed(names) if n and "(anonymous" not in n]
            return ".".join(path), node.name
        else:
            break
    return "", node.name


def strip(node: Node) -> Node:
    """The expression under implicit casts and parentheses."""
    while node.kind in EXPRESSION_WRAPPERS and len(node.children) == 1:
        node = node.children[0]
    return node
