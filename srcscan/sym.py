"""Symbolic values of the log-setup facts: small typed tuples that say what an argument or an
initial value is, built by extract/logsetup.py and evaluated by the analyses against
whole-tree knowledge (initial values of globals, what an option assigns). Plain data: no
parser node travels in them.

    IntSym("int", 136)               a constant (LOG_LOCAL1 after expansion)
    StrSym("str", "Keepalived")      a string literal
    VarSym("var", "log_facility")    a variable of file or global scope
    LocalSym("local", "facility")    a local of the function the expression is in
    ParamSym("param", 0, "ident")    the function's parameter, by position
    FnSym("fn", "dump_sock")         a function's address
    CondSym("cond", c, a, b)         c ? a : b
    BinSym("bin", op, a, b)          a op b
    NotSym("not", a)                 !a
    MemberSym("member", base, f)     base.f or base->f
    IndexSym("index", base, i)       base[i]
    CallSym("call", name, args)      a call
    OtherSym("?", text)              anything else, as written

Each form is a NamedTuple whose first field is its kind, so `s[0] == "int"`, `s[1]` and
unpacking read it as the plain tuple it replaces, and a form equals (and hashes as) the
plain tuple of the same items: facts cached by an older srcscan still compare equal. Build
them with the constructors below (`int_sym(136)`), which fill in the kind.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Literal, NamedTuple


class IntSym(NamedTuple):
    kind: Literal["int"]
    value: int


class StrSym(NamedTuple):
    kind: Literal["str"]
    value: str


class VarSym(NamedTuple):
    kind: Literal["var"]
    name: str


class LocalSym(NamedTuple):
    kind: Literal["local"]
    name: str


class ParamSym(NamedTuple):
    kind: Literal["param"]
    index: int
    name: str


class FnSym(NamedTuple):
    kind: Literal["fn"]
    name: str


class CondSym(NamedTuple):
    kind: Literal["cond"]
    test: "Sym"
    then: "Sym"
    other: "Sym"


class BinSym(NamedTuple):
    kind: Literal["bin"]
    op: str
    left: "Sym"
    right: "Sym"


class NotSym(NamedTuple):
    kind: Literal["not"]
    operand: "Sym"


class MemberSym(NamedTuple):
    kind: Literal["member"]
    base: "Sym"
    field: str


class IndexSym(NamedTuple):
    kind: Literal["index"]
    base: "Sym"
    index: "Sym"


class CallSym(NamedTuple):
    kind: Literal["call"]
    name: str
    args: tuple["Sym", ...]


class OtherSym(NamedTuple):
    kind: Literal["?"]
    text: str


Sym = (IntSym | StrSym | VarSym | LocalSym | ParamSym | FnSym | CondSym | BinSym | NotSym | MemberSym | IndexSym
       | CallSym | OtherSym)


def int_sym(value: int) -> IntSym:
    return IntSym("int", value)


def str_sym(value: str) -> StrSym:
    return StrSym("str", value)


def var_sym(name: str) -> VarSym:
    return VarSym("var", name)


def local_sym(name: str) -> LocalSym:
    return LocalSym("local", name)


def param_sym(index: int, name: str) -> ParamSym:
    return ParamSym("param", index, name)


def fn_sym(name: str) -> FnSym:
    return FnSym("fn", name)


def cond_sym(test: Sym, then: Sym, other: Sym) -> CondSym:
    return CondSym("cond", test, then, other)


def bin_sym(op: str, left: Sym, right: Sym) -> BinSym:
    return BinSym("bin", op, left, right)


def not_sym(operand: Sym) -> NotSym:
    return NotSym("not", operand)


def member_sym(base: Sym, field: str) -> MemberSym:
    return MemberSym("member", base, field)


def index_sym(base: Sym, index: Sym) -> IndexSym:
    return IndexSym("index", base, index)


def call_sym(name: str, args: tuple[Sym, ...]) -> CallSym:
    return CallSym("call", name, args)


def other_sym(text: str) -> OtherSym:
    return OtherSym("?", text)


def is_sym(part: Any) -> bool:
    """A symbolic value (a tuple starting with its kind), not a tuple of them (a call's args)."""
    return isinstance(part, tuple) and bool(part) and isinstance(part[0], str)


def map_sym(s: Sym, inner: Callable[[Sym], Sym]) -> Sym:
    """`s` with `inner` applied to each symbolic value directly inside it (not to `s`), of
    the same form: the way to rewrite a tree (bind a parameter, substitute an argument)."""
    parts = tuple(inner(p) if is_sym(p) else p for p in s)
    return type(s)(*parts) if hasattr(type(s), "_fields") else parts


def walk_sym(s: Sym) -> Iterator[Sym]:
    """`s` and every symbolic value inside it, `s` first (pre-order)."""
    yield s
    for part in s[1:]:
        if is_sym(part):
            yield from walk_sym(part)
        elif isinstance(part, tuple):
            for p in part:
                if isinstance(p, tuple):
                    yield from walk_sym(p)
