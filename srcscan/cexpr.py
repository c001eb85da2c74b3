"""Typed C expressions: the one form in which guards, call arguments and option values travel
past extraction.

A small immutable tree (`Name`, `Member`, `Const`, `Unary`, `Binary`, `Cond`, `Call`,
`Index`, `Cast`, and `Other` for what srcscan does not model), built once by
`srcscan.extract.expressions.to_cexpr` from the parser's nodes, with one evaluator
(`evaluate`: constant folding over known values) and one printer (`render`: C text on one
line). Nothing here knows about libclang; the analyses read only these values.

C's operators and their precedence are ISO C11 6.5; integer arithmetic is folded with
Python integers (no overflow, division truncating toward zero as C99 6.5.5 says).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from typing import Callable, Iterator, Mapping, Union

CExpr = Union["Name", "Member", "Const", "Unary", "Binary", "Cond", "Call", "Index", "Cast", "Other"]


@dataclass(frozen=True)
class Name:
    """A reference to a declared name. `ref` says what it names: "var" (a variable of file or
    block scope), "param" (a parameter of the enclosing function), "enum" (an enumerator; its
    value, when the parse gave it, is `value`), "function", or "" when unknown."""

    name: str
    ref: str = "var"
    value: int | None = None


@dataclass(frozen=True)
class Member:
    """`base->field` (arrow) or `base.field`. `owner` names the struct or union the field
    belongs to, as the place it is declared ("file:line:col", parse.units.Node.owner; "" when
    the parse did not say): it tells `r->physical.path` from a config struct's `path`. It takes
    no part in equality: two readings of one expression are equal whatever their parse knew."""

    base: "CExpr"
    field: str
    arrow: bool = True
    owner: str = dataclass_field(default="", compare=False)


@dataclass(frozen=True)
class Const:
    """An integer or character constant (`value` is its integer value), or a string literal
    (`value` is None, `text` the literal as written, quotes included)."""

    value: int | None
    text: str = ""


@dataclass(frozen=True)
class Unary:
    """A prefix operator (`!`, `-`, `~`, `*`, `&`, `+`, `++`, `--`, `sizeof`) or a postfix one
    (`post++`, `post--`)."""

    op: str
    operand: "CExpr"


@dataclass(frozen=True)
class Binary:
    """A binary operator, assignments and the comma operator included."""

    op: str
    left: "CExpr"
    right: "CExpr"


@dataclass(frozen=True)
class Cond:
    """`test ? yes : no`."""

    test: "CExpr"
    yes: "CExpr"
    no: "CExpr"


@dataclass(frozen=True)
class Call:
    """A call: `function` is a Name for a direct call, any expression for a call through a pointer."""

    function: "CExpr"
    args: tuple["CExpr", ...] = ()

    @property
    def callee(self) -> str:
        """The called function's (or pointer field's) name, "" when it has none."""
        f = self.function
        while isinstance(f, Unary) and f.op == "*":
            f = f.operand
        return f.name if isinstance(f, Name) else f.field if isinstance(f, Member) else ""


@dataclass(frozen=True)
class Index:
    """`base[index]`."""

    base: "CExpr"
    index: "CExpr"


@dataclass(frozen=True)
class Cast:
    """`(type) operand`; `type` is the type as written ("" when the parse did not give it)."""

    type: str
    operand: "CExpr"


@dataclass(frozen=True)
class Other:
    """An expression srcscan does not model (a compound literal, a statement expression):
    kept as its text so that it prints, never evaluated."""

    text: str


# ---------------------------------------------------------------------------- printing

# Binding strength of C's binary operators (higher binds tighter), C11 6.5.5 - 6.5.17.
_PRECEDENCE = {
    ",": 1, "=": 2, "*=": 2, "/=": 2, "%=": 2, "+=": 2, "-=": 2, "<<=": 2, ">>=": 2, "&=": 2, "^=": 2, "|=": 2,
    "||": 4, "&&": 5, "|": 6, "^": 7, "&": 8, "==": 9, "!=": 9, "<": 10, ">": 10, "<=": 10, ">=": 10,
    "<<": 11, ">>": 11, "+": 12, "-": 12, "*": 13, "/": 13, "%": 13,
}
_COND, _UNARY, _POSTFIX = 3, 14, 15


def _strength(e: CExpr) -> int:
    if isinstance(e, Binary):
        return _PRECEDENCE.get(e.op, 1)
    if isinstance(e, Cond):
        return _COND
    if isinstance(e, (Unary, Cast)):
        return _POSTFIX if isinstance(e, Unary) and e.op.startswith("post") else _UNARY
    return 16


def render(e: CExpr) -> str:
    """C text of an expression on one line, with the parentheses its structure needs
    (`a && (b || c)`, `!(x & 4)`), `->` or `.` as the base's type asks."""
    if isinstance(e, Name):
        return e.name
    if isinstance(e, Const):
        return e.text or str(e.value)
    if isinstance(e, Member):
        return f"{_wrap(e.base, _POSTFIX)}{'->' if e.arrow else '.'}{e.field}"
    if isinstance(e, Unary):
        if e.op.startswith("post"):
            return f"{_wrap(e.operand, _POSTFIX)}{e.op[4:]}"
        inner = _wrap(e.operand, _UNARY)
        return f"sizeof {inner}" if e.op == "sizeof" else f"{e.op}{inner}"
    if isinstance(e, Binary):
        strength = _PRECEDENCE.get(e.op, 1)
        right_assoc = strength == 2
        left = _wrap(e.left, strength + (1 if right_assoc else 0))
        right = _wrap(e.right, strength + (0 if right_assoc else 1))
        return f"{left}, {right}" if e.op == "," else f"{left} {e.op} {right}"
    if isinstance(e, Cond):
        return f"{_wrap(e.test, _COND + 1)} ? {_wrap(e.yes, 1)} : {_wrap(e.no, _COND)}"
    if isinstance(e, Call):
        return f"{_wrap(e.function, _POSTFIX)}({', '.join(_wrap(a, 2) for a in e.args)})"
    if isinstance(e, Index):
        return f"{_wrap(e.base, _POSTFIX)}[{render(e.index)}]"
    if isinstance(e, Cast):
        return f"({e.type}){_wrap(e.operand, _UNARY)}" if e.type else render(e.operand)
    return e.text


def _wrap(e: CExpr, needed: int) -> str:
    text = render(e)
    return f"({text})" if _strength(e) < needed else text


# ---------------------------------------------------------------------------- walking

def children(e: CExpr) -> tuple[CExpr, ...]:
    """The direct subexpressions, left to right."""
    if isinstance(e, Member):
        return (e.base,)
    if isinstance(e, (Unary, Cast)):
        return (e.operand,)
    if isinstance(e, Binary):
        return (e.left, e.right)
    if isinstance(e, Cond):
        return (e.test, e.yes, e.no)
    if isinstance(e, Call):
        return (e.function,) + e.args
    if isinstance(e, Index):
        return (e.base, e.index)
    return ()


_LEAVES = (Name, Const, Other)


def walk(e: CExpr) -> Iterator[CExpr]:
    """Every subexpression, `e` first (pre-order, children left to right). A stack, not
    recursive generators: each yield of `yield from` passes through every level above it,
    and the analyses walk expressions millions of times per release."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        if not isinstance(x, _LEAVES):
            stack.extend(reversed(children(x)))


def names(e: CExpr) -> frozenset[str]:
    """Names the expression mentions (variables, parameters, enumerators, functions)."""
    return frozenset(x.name for x in walk(e) if isinstance(x, Name))


# Branch-prediction hints returning their first argument's value (GCC's "Other Built-in
# Functions": `long __builtin_expect(long exp, long c)`, "the return value is the value of exp").
HINTS = frozenset({"__builtin_expect", "__builtin_expect_with_probability"})


def strip(e: CExpr) -> CExpr:
    """The expression under casts and branch-prediction hints (`(int)x` and
    `__builtin_expect((!x), 0)` are x and `!x` for a test's purposes)."""
    while True:
        if isinstance(e, Cast):
            e = e.operand
        elif isinstance(e, Call) and e.args and isinstance(e.function, Name) and e.function.name in HINTS:
            e = e.args[0]
        else:
            return e


def root_path(e: CExpr) -> tuple[str, str]:
    """A member chain's (path from its root variable, last field): `main_pidfile.path` ->
    ("main_pidfile.path", "path"), `global_data->x` -> ("global_data.x", "x"); the path is ""
    when the chain does not start at a variable (`f()->x`, `p->x` with p a parameter).
    `&`, `*` and casts on the way are looked through."""
    e = _deref(e)
    if not isinstance(e, Member):
        return "", ""
    fields = [e.field]
    base = _deref(e.base)
    while isinstance(base, Member):
        fields.append(base.field)
        base = _deref(base.base)
    if isinstance(base, Name) and base.ref == "var":
        return ".".join([base.name] + fields[::-1]), e.field
    return "", e.field


def field_owner(e: CExpr) -> str:
    """The struct of the field `e` names (Member.owner), `&`, `*` and casts looked through;
    "" when `e` is no field or the parse did not say."""
    e = _deref(e)
    return e.owner if isinstance(e, Member) else ""


def _deref(e: CExpr) -> CExpr:
    e = strip(e)
    while isinstance(e, Unary) and e.op in ("*", "&"):
        e = strip(e.operand)
    return e


def substitute(e: CExpr, values: Mapping[str, CExpr], ref: str = "param") -> CExpr:
    """`e` with each Name of kind `ref` found in `values` replaced by its value: a callee's
    guard `f == NULL` with the caller's argument put in for the parameter `f`."""
    return rewrite(e, lambda x: values.get(x.name) if isinstance(x, Name) and x.ref == ref else None)


def rewrite(e: CExpr, value: Callable[[CExpr], "CExpr | None"]) -> CExpr:
    """`e` with each subexpression for which `value` gives an expression replaced by it (tried
    outermost first; a replaced subexpression is not looked into)."""
    new = value(e)
    if new is not None:
        return new
    if isinstance(e, Member):
        return Member(rewrite(e.base, value), e.field, e.arrow, e.owner)
    if isinstance(e, Unary):
        return Unary(e.op, rewrite(e.operand, value))
    if isinstance(e, Cast):
        return Cast(e.type, rewrite(e.operand, value))
    if isinstance(e, Binary):
        return Binary(e.op, rewrite(e.left, value), rewrite(e.right, value))
    if isinstance(e, Cond):
        return Cond(*(rewrite(x, value) for x in (e.test, e.yes, e.no)))
    if isinstance(e, Call):
        return Call(rewrite(e.function, value), tuple(rewrite(a, value) for a in e.args))
    if isinstance(e, Index):
        return Index(rewrite(e.base, value), rewrite(e.index, value))
    return e


# ---------------------------------------------------------------------------- evaluation

Lookup = Callable[[CExpr], "int | None"]

_NULL_NAMES = frozenset({"NULL"})


def evaluate(e: CExpr, known: Mapping[str, int] | Lookup | None = None) -> int | None:
    """The integer value of `e` when it is a constant given what is known, else None.

    `known` gives values of names (macros, enumerators, initial values, what an option
    assigns): a mapping by name, or a function of the subexpression (so that a caller can
    answer for members such as `global_data->debug`). Enumerators carry their own value.
    `&&`, `||` and `?:` are folded as far as C's short-circuit allows (`0 && x` is 0 with x
    unknown). A pointer to a named object (`&x`, a string literal, a function) is non-null:
    it evaluates to 1 in a test. Division by zero is unknown, never an exception."""
    lookup = _lookup(known)
    return _eval(e, lookup)


def _lookup(known: Mapping[str, int] | Lookup | None) -> Lookup:
    if known is None:
        return lambda _e: None
    if callable(known):
        return known
    return lambda e: known.get(e.name) if isinstance(e, Name) else None


def _eval(e: CExpr, lookup: Lookup) -> int | None:
    given = lookup(e)
    if given is not None:
        return given
    if isinstance(e, Const):
        return e.value if e.value is not None else 1  # a string literal: a non-null pointer
    if isinstance(e, Name):
        if e.ref == "enum":
            return e.value
        if e.name in _NULL_NAMES:
            return 0
        return 1 if e.ref == "function" else None
    if isinstance(e, Cast):
        return _eval(e.operand, lookup)
    if isinstance(e, Unary):
        if e.op == "&":
            return 1  # the address of an object is never NULL
        value = _eval(e.operand, lookup)
        return None if value is None else _UNARY_FOLD.get(e.op, lambda _v: None)(value)
    if isinstance(e, Binary):
        return _eval_binary(e, lookup)
    if isinstance(e, Cond):
        test = _eval(e.test, lookup)
        if test is None:
            yes, no = _eval(e.yes, lookup), _eval(e.no, lookup)
            return yes if yes is not None and yes == no else None
        return _eval(e.yes if test else e.no, lookup)
    return None


_UNARY_FOLD: dict[str, Callable[[int], int | None]] = {
    "!": lambda v: int(not v), "-": lambda v: -v, "+": lambda v: v, "~": lambda v: ~v,
}


def _eval_binary(e: Binary, lookup: Lookup) -> int | None:
    left = _eval(e.left, lookup)
    if e.op in ("&&", "||"):
        if left is not None and bool(left) == (e.op == "||"):
            return int(e.op == "||")  # decided by the left operand alone
        right = _eval(e.right, lookup)
        if right is not None and bool(right) == (e.op == "||"):
            return int(e.op == "||")  # no side effects in a guard: either operand decides
        return None if left is None or right is None else int(bool(right))
    right = _eval(e.right, lookup)
    if e.op == "&" and 0 in (left, right):
        return 0
    if e.op != "," and (_is_address(e.left) or _is_address(e.right)):
        # an address is 1 only as a truth value: `&x != NULL` holds, `&pos->link != &head` (a
        # list walk's test) and `&x + 4` are values of the run
        null = right if _is_address(e.left) else left
        if e.op in ("==", "!=") and null == 0 and not (_is_address(e.left) and _is_address(e.right)):
            return int(e.op == "!=")
        return None
    if e.op == "," or left is None or right is None:
        return right if e.op == "," else None
    fold = _BINARY_FOLD.get(e.op)
    return fold(left, right) if fold else None


def _is_address(e: CExpr) -> bool:
    """`&x`, a string literal or a function: a pointer whose value only its truth is known of."""
    e = strip(e)
    return isinstance(e, Unary) and e.op == "&" or isinstance(e, Const) and e.value is None \
        or isinstance(e, Name) and e.ref == "function"


def _div(a: int, b: int) -> int | None:
    if b == 0:
        return None
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _mod(a: int, b: int) -> int | None:
    q = _div(a, b)
    return None if q is None else a - q * b


_BINARY_FOLD: dict[str, Callable[[int, int], int | None]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": _div, "%": _mod,
    "<<": lambda a, b: a << b if 0 <= b < 64 else None, ">>": lambda a, b: a >> b if 0 <= b < 64 else None,
    "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
    "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b), "<=": lambda a, b: int(a <= b),
    ">=": lambda a, b: int(a >= b), "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
}


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
            "\\": "\\", "'": "'", '"': '"', "?": "?"}
_PIECE = re.compile(r'(?:u8|[LuU])?"((?:[^"\\]|\\.)*)"', re.S)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)", re.S)

def c_string_value(spelling: str) -> str:
    """The value (str, one character per byte for escapes) of a C string literal as written,
    adjacent literals concatenated (`"a" "b"` -> "ab"), escapes decoded as ISO C11 6.4.4.4
    says (`\\x41`, `\\101`, `\\n`; GNU's `\\e` is ESC); an encoding prefix (u8, L, u, U) is
    dropped."""
    return "".join(c_unescape(p) for p in _PIECE.findall(spelling))


def c_unescape(body: str) -> str:
    """The value of the text between a C string literal's quotes, escapes decoded (as
    c_string_value)."""
    return _ESCAPE.sub(_unescape, body)


def _unescape(m: re.Match) -> str:
    esc = m.group(1)
    if esc[0] == "x":
        return chr(int(esc[1:], 16) & 0xFF)
    if esc[0] in "01234567":
        return chr(int(esc, 8) & 0xFF)
    return _ESCAPES.get(esc, esc)
