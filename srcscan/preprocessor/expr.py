"""`#if` expressions: a small immutable tree (Expr), its parser, simplifier and printer.

The language is the `#if` language: integers, `defined`, macros, the C operators; a
function-like macro call is kept as an opaque atom (`call`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from srcscan.preprocessor.lex import Directive

# ---------------------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Expr:
    """A `#if` expression: op is "defined", "macro", "int", "call", "!", "&&", "||", "?:",
    a unary ("-", "~", "+" written "u-", "u~", "u+") or a binary C operator."""

    op: str
    args: tuple["Expr", ...] = ()
    name: str = ""  # macro name ("defined", "macro", "call"); the call's argument text after it
    value: int = 0  # "int"

    def __repr__(self) -> str:
        return render(self)


TRUE, FALSE = Expr("int", value=1), Expr("int", value=0)

_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[uUlL]*|([A-Za-z_]\w*)|"
                    r"(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>!~&^|?:(),])|('[^']*'?)|(\S))")
# Binding strength of the binary operators of C (higher binds tighter), ISO C11 6.5.5 - 6.5.14.
BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
    "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}


class ExprSyntaxError(ValueError):
    """A `#if` expression that does not parse (kept as an opaque atom by callers)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        number, ident, op, char, other = m.groups()
        if number is not None:
            out.append(("int", number))
        elif ident is not None:
            out.append(("ident", ident))
        elif op is not None:
            out.append(("op", op))
        elif char is not None:
            out.append(("char", char))
        elif other is not None:
            out.append(("other", other))
    return out


class _Parser:
    """Precedence climbing over `#if` tokens."""

    def __init__(self, text: str) -> None:
        self.text, self.toks, self.pos = text, _tokens(text), 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.pos] if self.pos < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        if self.take() != ("op", value):
            raise ExprSyntaxError(f"expected {value!r} in {self.text!r}")

    def parse(self) -> Expr:
        expr = self.conditional()
        if self.peek()[0] != "end":
            raise ExprSyntaxError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return expr

    def conditional(self) -> Expr:
        cond = self.binary(1)
        if self.peek() == ("op", "?"):
            self.take()
            yes = self.conditional()
            self.expect(":")
            return Expr("?:", (cond, yes, self.conditional()))
        return cond

    def binary(self, min_prec: int) -> Expr:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = BINARY_PRECEDENCE.get(op) if kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.take()
            right = self.binary(prec + 1)
            left = Expr(op, (left, right)) if op not in ("&&", "||") else _join(op, (left, right))

    def unary(self) -> Expr:
        kind, tok = self.take()
        if kind == "op" and tok == "!":
            return Expr("!", (self.unary(),))
        if kind == "op" and tok in "-~+":
            return Expr("u" + tok, (self.unary(),))
        if kind == "op" and tok == "(":
            inner = self.conditional()
            self.expect(")")
            return inner
        if kind == "int":
            return Expr("int", value=int_value(tok))
        if kind == "char":
            return Expr("call", name=tok)  # a character constant: kept, not evaluated
        if kind == "ident" and tok == "defined":
            return self.defined()
        if kind == "ident":
            if self.peek() == ("op", "("):
                return self.call(tok)
            return Expr("macro", name=tok)
        raise ExprSyntaxError(f"unexpected {tok or 'end'!r} in {self.text!r}")

    def defined(self) -> Expr:
        paren = self.peek() == ("op", "(")
        if paren:
            self.take()
        kind, name = self.take()
        if kind != "ident":
            raise ExprSyntaxError(f"defined needs a name in {self.text!r}")
        if paren:
            self.expect(")")
        return Expr("defined", name=name)

    def call(self, name: str) -> Expr:
        """`KERNEL_VERSION(3, 4, 0)`: kept whole, as an atom nobody can set from outside."""
        self.expect("(")
        depth, args, current = 1, [], []
        while True:
            kind, tok = self.take()
            if kind == "end":
                raise ExprSyntaxError(f"unbalanced parentheses in {self.text!r}")
            if kind == "op" and tok == "(":
                depth += 1
            elif kind == "op" and tok == ")":
                depth -= 1
                if depth == 0:
                    break
            elif kind == "op" and tok == "," and depth == 1:
                args.append(" ".join(current))
                current = []
                continue
            current.append(tok)
        args.append(" ".join(current))
        return Expr("call", name=f"{name}({', '.join(a for a in args if a or len(args) > 1)})")


def int_value(token: str) -> int:
    """A C integer literal's value (decimal, 0x hex, 0b binary, leading-0 octal; u/l suffixes dropped)."""
    digits = token.rstrip("uUlL")
    if digits[:2] in ("0x", "0X"):
        return int(digits, 16)
    if digits[:2] in ("0b", "0B"):
        return int(digits, 2)
    if len(digits) > 1 and digits[0] == "0":
        return int(digits, 8)
    return int(digits)


def parse_expr(text: str) -> Expr:
    """The expression of an `#if`/`#elif` (ExprSyntaxError when it does not parse)."""
    return _Parser(text).parse()


def _join(op: str, items: Iterable[Expr]) -> Expr:
    flat: list[Expr] = []
    for item in items:
        for part in (item.args if item.op == op else (item,)):
            if part not in flat:
                flat.append(part)
    return flat[0] if len(flat) == 1 else Expr(op, tuple(flat))


def conjoin(items: Iterable[Expr]) -> Expr:
    """`a && b && ...`, flattened and simplified; TRUE when there is nothing."""
    items = tuple(items)
    return simplify(Expr("&&", items)) if items else TRUE


def negate(expr: Expr) -> Expr:
    """!expr, simplified."""
    return simplify(Expr("!", (expr,)))


NEGATED_COMPARISON = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def simplify(expr: Expr) -> Expr:
    """Negations pushed down to the atoms (De Morgan), &&/|| flattened and deduplicated,
    constants folded: `!(defined(A) || !defined(B))` -> `!defined(A) && defined(B)`."""
    op = expr.op
    if op == "!":
        inner = expr.args[0]
        if inner.op == "!":
            return simplify(_truth(inner.args[0]))
        if inner.op in ("&&", "||"):
            flipped = "||" if inner.op == "&&" else "&&"
            return simplify(Expr(flipped, tuple(Expr("!", (a,)) for a in inner.args)))
        if inner.op in NEGATED_COMPARISON:
            return simplify(Expr(NEGATED_COMPARISON[inner.op], inner.args))
        inner = simplify(inner)
        if inner.op == "int":
            return FALSE if inner.value else TRUE
        return Expr("!", (inner,)) if inner.op != "!" else inner.args[0]
    if op in ("&&", "||"):
        parts = [simplify(a) for a in expr.args]
        absorbing, neutral = (FALSE, TRUE) if op == "&&" else (TRUE, FALSE)
        kept: list[Expr] = []
        for part in parts:
            for p in (part.args if part.op == op else (part,)):
                if p.op == "int":
                    p = TRUE if p.value else FALSE
                if p == absorbing:
                    return absorbing
                if p != neutral and p not in kept:
                    kept.append(p)
        if any(simplify(Expr("!", (p,))) in kept for p in kept):
            return absorbing  # a && !a
        kept = _propagate(op, kept)
        if not kept:
            return neutral
        if absorbing in kept:
            return absorbing
        return kept[0] if len(kept) == 1 else Expr(op, tuple(kept))
    if expr.args:
        args = tuple(simplify(a) for a in expr.args)
        folded = _fold(op, args)
        return folded if folded is not None else Expr(op, args, expr.name, expr.value)
    return expr


def _propagate(op: str, items: list[Expr]) -> list[Expr]:
    """Unit propagation: in `a && (!a || b)` the `!a` can go (`a && b`); in `a && (a || b)` the
    whole `(a || b)` can (and the same with && and || swapped). #elif chains are full of these."""
    inner = "||" if op == "&&" else "&&"
    units = [p for p in items if p.op != inner]
    if not units:
        return items
    negated = {simplify(Expr("!", (u,))) for u in units}
    out = []
    for item in items:
        if item.op != inner:
            out.append(item)
            continue
        if any(part in units for part in item.args):
            continue  # absorbed
        rest = [part for part in item.args if part not in negated]
        if len(rest) != len(item.args):
            neutral = FALSE if inner == "||" else TRUE
            out.append(rest[0] if len(rest) == 1 else (Expr(inner, tuple(rest)) if rest else neutral))
        else:
            out.append(item)
    return out


def _truth(expr: Expr) -> Expr:
    """`!!x` as a truth value: x itself when x already is one."""
    if expr.op in ("defined", "!", "&&", "||") or expr.op in NEGATED_COMPARISON:
        return expr
    return Expr("!=", (expr, FALSE))


def _fold(op: str, args: tuple[Expr, ...]) -> Expr | None:
    if all(a.op == "int" for a in args):
        value = apply_op(op, [a.value for a in args])
        return Expr("int", value=value) if value is not None else None
    if op in ("!=", "==") and args[1] == FALSE and _is_boolean(args[0]):
        return args[0] if op == "!=" else simplify(Expr("!", (args[0],)))
    return None


def _is_boolean(expr: Expr) -> bool:
    return expr.op in ("defined", "!", "&&", "||") or expr.op in NEGATED_COMPARISON


def apply_op(op: str, v: list[int]) -> int | None:
    """`op` applied to integer operands as the preprocessor does; None where the compiler would
    fail (division by zero) or for an operator it does not know."""
    try:
        if op == "?:":
            return v[1] if v[0] else v[2]
        if len(v) == 1:
            return {"u-": -v[0], "u+": v[0], "u~": ~v[0], "!": int(not v[0])}[op]
        a, b = v
        if op in ("/", "%") and b == 0:
            return None  # an error for the compiler; unknown here
        return {
            "*": a * b, "/": int(a / b) if op == "/" else 0, "%": a - b * int(a / b) if op == "%" else 0,
            "+": a + b, "-": a - b, "<<": a << b if 0 <= b < 64 else 0, ">>": a >> b if 0 <= b < 64 else 0,
            "<": int(a < b), ">": int(a > b), "<=": int(a <= b), ">=": int(a >= b), "==": int(a == b),
            "!=": int(a != b), "&": a & b, "^": a ^ b, "|": a | b, "&&": int(bool(a and b)), "||": int(bool(a or b)),
        }[op]
    except (KeyError, ValueError, OverflowError):
        return None


def render(expr: Expr, parent: int = 0) -> str:
    """C text of an expression, with parentheses only where precedence needs them."""
    op = expr.op
    if op == "int":
        return str(expr.value)
    if op == "defined":
        return f"defined({expr.name})"
    if op in ("macro", "call"):
        return expr.name
    if op == "!":
        return "!" + render(expr.args[0], 11)
    if op.startswith("u"):
        return op[1] + render(expr.args[0], 11)
    if op == "?:":
        text = " ? ".join((render(expr.args[0], 1), render(expr.args[1], 1))) + " : " + render(expr.args[2], 1)
        return f"({text})" if parent else text
    prec = BINARY_PRECEDENCE[op]
    logical = op in ("&&", "||")  # flattened, associative: no parentheses among equals
    text = f" {op} ".join(render(a, prec + (i > 0 and not logical)) for i, a in enumerate(expr.args))
    # `a || b && c` is right, but people read it better with the && parenthesized.
    return f"({text})" if prec < parent or (op == "&&" and parent == BINARY_PRECEDENCE["||"]) else text


def atoms(expr: Expr) -> set[str]:
    """Macro names an expression tests or reads (a function-like call counts by its name:
    `__has_include(<sys/queue.h>)` reads `__has_include(...)`, not `sys` or `queue`)."""
    if expr.op in ("defined", "macro"):
        return {expr.name}
    if expr.op == "call":
        key = call_key(expr)
        return {key} if key else set()
    return set().union(*(atoms(a) for a in expr.args)) if expr.args else set()


def call_key(expr: Expr) -> str | None:
    """`NAME(...)`: how a function-like macro called in an #if is named in assignments (a
    build sets it with `-DNAME(...)=1`); None for a character constant."""
    m = re.match(r"([A-Za-z_]\w*)\(", expr.name)
    return f"{m.group(1)}(...)" if m else None


def directive_condition(d: Directive) -> Expr:
    """The condition an #if/#ifdef/#ifndef/#elif... line states (opaque when it does not parse)."""
    if d.kind in ("ifdef", "elifdef", "ifndef", "elifndef"):
        name = d.text.split()[0] if d.text.split() else ""
        test = Expr("defined", name=name)
        return test if d.kind in ("ifdef", "elifdef") else Expr("!", (test,))
    try:
        return simplify(parse_expr(d.text))
    except (ExprSyntaxError, RecursionError):
        return Expr("call", name=d.text)


PARSED: dict[str, Expr | None] = {}


def parsed_value(text: str) -> Expr | None:
    """A macro's replacement text as an expression (cached), or None when it is not one."""
    if text not in PARSED:
        try:
            PARSED[text] = parse_expr(text) if text else None
        except (ExprSyntaxError, RecursionError):
            PARSED[text] = None
    return PARSED[text]
