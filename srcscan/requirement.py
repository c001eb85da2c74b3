"""Requirements: which runtime options make a message appear, as one boolean-formula type.

A requirement is any and/or/not combination of option atoms. An atom names an option and,
for options given several times or set to a number, a level: `-D` (given), `-D>=2` (given
twice), `proxy.debug>=2`, `x==3`. One parser (`Requirement.parse`) reads the text form, one
printer (`str`) writes it, in C's spelling: `-D || (proxy.debug>=2 && !-t)`.

Simplification and the disjunctive normal form are sympy's (`sympy.logic.SOPform`,
Quine-McCluskey minimisation), with the combinations that no setting gives (the facts that
tie levels of one option together) passed as "don't care" terms (`-D>=2` without `-D` cannot happen), so that `-D || -D>=2` is
`-D`. Users read the DNF (`alternatives()`): each alternative a tuple of atoms that are
all needed, `!` before an atom that must not hold.

Why sympy and not a BDD package (dd): both were measured on the requirements of the six
reference catalogs (README, dependencies); formulas there have at most eight atoms, where
sympy's Quine-McCluskey minimisation is exact and quick, and a BDD package gives canonical
graphs but no minimal DNF, which is the form the catalog prints.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from sympy import Symbol
from sympy.logic import SOPform, to_dnf
from sympy.logic.boolalg import And, Boolean, BooleanFalse, BooleanTrue, Not, Or, false, true

from srcscan.cexpr import CExpr
from srcscan.errors import InputError

# A name may carry the value an option is given with (`--log-queries=extra`: only that value sets the bit).
_ATOM = re.compile(r"(?P<name>(?:--?[A-Za-z0-9][\w.-]*|[A-Za-z_][\w.\-]*)(?:=[\w.:/+-]+)?)"
                   r"(?:(?P<op>>=|==)(?P<value>-?\d+))?")
_TOKEN = re.compile(r"\s*(?:(&&|\|\||!|\(|\))|(" + _ATOM.pattern + r"))")


@dataclass(frozen=True, order=True)
class Atom:
    """One option test: `name` given (op ">=", level 1), given at least `level` times or set
    to at least `level` (op ">="), or set to exactly `level` (op "==").

    A runtime test (no option: `fp`, `vrrp->state == 2` in some function) is an atom too
    while a condition is being worked out, so that `fp && !fp` is seen to be false: its
    `test` is the C expression and its name says where it was read (`?file.c:f:fp`). The
    analyses remove such atoms (Requirement.exists) before a requirement reaches a catalog."""

    name: str
    op: str = ">="
    level: int = 1
    test: CExpr | None = field(default=None, compare=False)

    @property
    def is_test(self) -> bool:
        return self.test is not None

    def __str__(self) -> str:
        return self.name if (self.op, self.level) == (">=", 1) else f"{self.name}{self.op}{self.level}"

    @classmethod
    def parse(cls, text: str) -> "Atom":
        """`-D`, `-D>=2`, `proxy.debug==3`; raises InputError on anything else."""
        m = _ATOM.fullmatch(text.strip())
        if not m:
            raise InputError(f"not an option atom: {text!r} (expected NAME, NAME>=N or NAME==N)")
        return cls(m["name"], m["op"] or ">=", int(m["value"]) if m["value"] else 1)

    def holds(self, levels: Mapping[str, int]) -> bool:
        """Under the given option levels (times a flag was given, or its integer value)."""
        level = levels.get(self.name, 0)
        return level >= self.level if self.op == ">=" else level == self.level


class Requirement:
    """A boolean formula over option atoms; immutable. `Requirement.TRUE` (no option needed:
    the message appears by default) and `Requirement.FALSE` (no setting makes it appear)
    are the constants. `&`, `|` and `~` combine; `==` compares meaning, not spelling."""

    __slots__ = ("_expr",)
    TRUE: "Requirement"
    FALSE: "Requirement"

    def __init__(self, expr: Boolean) -> None:
        self._expr = expr

    # -- building

    @classmethod
    def atom(cls, atom: Atom | str, negated: bool = False) -> "Requirement":
        a = atom if isinstance(atom, Atom) else Atom.parse(atom)
        s = _symbol(a)
        return cls(Not(s) if negated else s)

    @classmethod
    def any_of(cls, items: Iterable["Requirement"]) -> "Requirement":
        return cls(Or(*(r._expr for r in items)))

    @classmethod
    def all_of(cls, items: Iterable["Requirement"]) -> "Requirement":
        return cls(And(*(r._expr for r in items)))

    @classmethod
    def from_alternatives(cls, alternatives: Iterable[Iterable[str]]) -> "Requirement":
        """From DNF as the catalog writes it: [["-D"], ["-d", "!-t"]]; no alternatives is TRUE
        (the catalog's "appears by default")."""
        alts = [list(alt) for alt in alternatives]
        if not alts:
            return cls.TRUE
        return cls.any_of(cls.all_of(_literal(a) for a in alt) for alt in alts)

    @classmethod
    def parse(cls, text: str) -> "Requirement":
        """The printer's form back: atoms, `!`, `&&`, `||`, parentheses, `true`, `false`.
        Raises InputError naming the position of the first thing it cannot read."""
        return _Parser(text).parse()

    def __and__(self, other: "Requirement") -> "Requirement":
        return Requirement(And(self._expr, other._expr))

    def __or__(self, other: "Requirement") -> "Requirement":
        return Requirement(Or(self._expr, other._expr))

    def __invert__(self) -> "Requirement":
        return Requirement(Not(self._expr))

    # -- reading

    def simplified(self) -> "Requirement":
        """The smallest DNF (sympy's SOPform), levels of one option taken as ordered."""
        return Requirement(_simplify(self._expr))

    def alternatives(self) -> tuple[tuple[str, ...], ...]:
        """The DNF as the catalog writes it: sorted alternatives of sorted atom texts
        (`!` before a negated atom). TRUE (appears by default) gives (); FALSE (no setting
        makes it appear) gives (("false",),), which from_alternatives reads back."""
        expr = _simplify(self._expr)
        if expr is true:
            return ()
        if expr is false:
            return (("false",),)
        terms = expr.args if isinstance(expr, Or) else (expr,)
        alts = {tuple(sorted(_literal_text(lit) for lit in (t.args if isinstance(t, And) else (t,)))) for t in terms}
        return tuple(sorted(alts))

    @property
    def is_true(self) -> bool:
        return _simplify(self._expr) is true

    @property
    def is_false(self) -> bool:
        return _simplify(self._expr) is false

    def atoms(self) -> frozenset[Atom]:
        return frozenset(_ATOMS[s] for s in self._expr.free_symbols)

    def exists(self, which: Callable[[Atom], bool]) -> "Requirement":
        """The formula with the atoms `which` selects quantified away (true if some value of
        them makes it true): what remains needed of the other atoms. `(-a || fp) && !fp`
        over fp is `-a`."""
        expr = self._expr
        for s in sorted(expr.free_symbols, key=str):
            if which(_ATOMS[s]):
                expr = Or(expr.xreplace({s: true}), expr.xreplace({s: false}))
        return Requirement(expr)

    def forall(self, which: Callable[[Atom], bool]) -> "Requirement":
        """The formula with the atoms `which` selects quantified universally (true whatever
        their values): what the other atoms must be for it to hold for sure."""
        expr = self._expr
        for s in sorted(expr.free_symbols, key=str):
            if which(_ATOMS[s]):
                expr = And(expr.xreplace({s: true}), expr.xreplace({s: false}))
        return Requirement(expr)

    def replace(self, values: Mapping[Atom, "Requirement"]) -> "Requirement":
        """Each atom of `values` replaced by its formula (a parameter's test by what the
        caller's argument makes of it)."""
        mapping = {_symbol(a): r._expr for a, r in values.items()}
        return Requirement(self._expr.xreplace(mapping))

    def holds(self, levels: Mapping[str, int]) -> bool:
        """Whether the options at `levels` (name -> level, 0 or absent when not given) make it true."""
        model = {s: int(_ATOMS[s].holds(levels)) for s in self._expr.free_symbols}
        return _truth(self._expr, model)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Requirement) and _simplify(self._expr) == _simplify(other._expr)

    def __hash__(self) -> int:
        return hash(_simplify(self._expr))

    def __str__(self) -> str:
        return _render(_simplify(self._expr), 0)

    def __repr__(self) -> str:
        return f"Requirement({str(self)!r})"


Requirement.TRUE = Requirement(true)
Requirement.FALSE = Requirement(false)

# ---------------------------------------------------------------------------- symbols

_ATOMS: dict[Symbol, Atom] = {}


def _symbol(atom: Atom) -> Symbol:
    s = Symbol(str(atom))
    _ATOMS.setdefault(s, atom)
    return s


def _literal(text: str) -> Requirement:
    text = text.strip()
    if text in ("true", "false"):
        return Requirement.TRUE if text == "true" else Requirement.FALSE
    return Requirement.atom(text[1:], negated=True) if text.startswith("!") else Requirement.atom(text)


def _literal_text(lit: Boolean) -> str:
    return f"!{lit.args[0]}" if isinstance(lit, Not) else str(lit)


@functools.lru_cache(maxsize=65536)
def _simplify(expr: Boolean) -> Boolean:
    """The smallest DNF of `expr` over the settings that can happen: sympy's SOPform
    minimises its truth table with the combinations no setting gives (`-D>=2` without `-D`)
    as don't-cares; literals those facts imply are then dropped from each alternative
    (`-D>=2 && -D` reads `-D>=2`). (simplify_logic is not used: it returns a formula already
    in DNF unchanged, `x & ~x` included.)"""
    if isinstance(expr, (BooleanTrue, BooleanFalse)):
        return expr
    symbols = expr.free_symbols
    if len(symbols) > _EXACT_LIMIT:
        return _plain_dnf(expr)
    variables = sorted(symbols, key=str)
    facts = _level_facts(frozenset(symbols))
    minterms, dontcares = [], []
    for values in itertools.product((0, 1), repeat=len(variables)):
        model = dict(zip(variables, values))
        if not all(_truth(f, model) for f in facts):
            dontcares.append(list(values))  # no setting gives it (-D>=2 without -D)
        elif _truth(expr, model):
            minterms.append(list(values))
    if not minterms:
        return false
    if len(minterms) + len(dontcares) == 2 ** len(variables):
        return true
    dnf = SOPform(variables, minterms, dontcares)
    terms = dnf.args if isinstance(dnf, Or) else (dnf,)
    return Or(*(And(*_drop_implied(t.args if isinstance(t, And) else (t,))) for t in terms))


# SOPform minimises a truth table of 2**n rows: 8 atoms (256 rows) take milliseconds, 12 took
# minutes per formula on lighttpd 1.4.85, whose inherited requirements reach a dozen keys.
_EXACT_LIMIT = 8


def _plain_dnf(expr: Boolean) -> Boolean:
    """A DNF of `expr` without exact minimisation (for formulas over more than _EXACT_LIMIT
    atoms): sympy's to_dnf by distribution, then contradictory alternatives dropped and
    alternatives that contain another one absorbed. Equivalent to `expr`, not always smallest."""
    dnf = to_dnf(expr, simplify=False)
    if isinstance(dnf, (BooleanTrue, BooleanFalse)):
        return dnf
    terms = []
    for t in (dnf.args if isinstance(dnf, Or) else (dnf,)):
        lits = frozenset(t.args if isinstance(t, And) else (t,))
        if not any(Not(lit) in lits for lit in lits if isinstance(lit, Symbol)):
            terms.append(lits)
    kept = [t for t in terms if not any(o < t for o in terms)]
    if not kept:
        return false
    if any(not t for t in kept):
        return true
    return Or(*(And(*_drop_implied(tuple(t))) for t in sorted(set(kept), key=lambda t: sorted(map(str, t)))))


def _truth(expr: Boolean, model: dict[Symbol, int]) -> bool:
    """expr's value when each symbol has the value `model` gives it."""
    if isinstance(expr, Symbol):
        return bool(model[expr])
    if isinstance(expr, Not):
        return not _truth(expr.args[0], model)
    if isinstance(expr, And):
        return all(_truth(a, model) for a in expr.args)
    if isinstance(expr, Or):
        return any(_truth(a, model) for a in expr.args)
    if isinstance(expr, (BooleanTrue, BooleanFalse)):
        return bool(expr)
    raise TypeError(f"not a formula of option atoms: {expr!r}")


def _level_facts(symbols: frozenset[Symbol]) -> list[Boolean]:
    """What holds between atoms of one option: `-D>=2` implies `-D`; `x==3` implies `x>=2`
    and not `x>=4`; two exact values exclude each other."""
    atoms = sorted(_ATOMS[s] for s in symbols)
    facts = []
    for a in atoms:
        for b in atoms:
            if a.name != b.name or a == b or _implies(a, False, b, True) is None:
                continue
            if _implies(a, False, b, True):
                facts.append(Or(Not(_symbol(a)), _symbol(b)))
            elif _implies(a, False, b, False) and a < b:
                facts.append(Or(Not(_symbol(a)), Not(_symbol(b))))
    return facts


def _implies(a: Atom, a_negated: bool, b: Atom, b_positive: bool) -> bool | None:
    """Whether literal a (negated or not) implies literal b (positive or negated): `-D>=2`
    implies `-D`, `!-D` implies `!-D>=2`, `x==3` implies `!x==4`. None when the names differ."""
    if a.name != b.name:
        return None
    values = range(0, max(a.level, b.level) + 2)
    a_true = [v for v in values if a.holds({a.name: v}) != a_negated]
    return all(b.holds({b.name: v}) == b_positive for v in a_true)


def _drop_implied(literals: tuple[Boolean, ...]) -> tuple[Boolean, ...]:
    def parts(lit: Boolean) -> tuple[Atom, bool]:
        return (_ATOMS[lit.args[0]], True) if isinstance(lit, Not) else (_ATOMS[lit], False)

    kept = []
    for lit in literals:
        atom, negated = parts(lit)
        implied = any(_implies(*parts(other), atom, not negated) for other in literals if other is not lit)
        if not implied:
            kept.append(lit)
    return tuple(kept)


# ---------------------------------------------------------------------------- printing

def _render(expr: Boolean, outer: int) -> str:
    """C spelling; `outer` is the binding of the context (0 top, 1 inside ||, 2 inside &&)."""
    if expr is true:
        return "true"
    if expr is false:
        return "false"
    if isinstance(expr, Not):
        inner = expr.args[0]
        return f"!{inner}" if isinstance(inner, Symbol) else f"!({_render(inner, 0)})"
    if isinstance(expr, Or):
        text = " || ".join(sorted(_render(a, 1) for a in expr.args))
        return f"({text})" if outer >= 1 else text
    if isinstance(expr, And):
        text = " && ".join(sorted(_render(a, 2) for a in expr.args))
        return f"({text})" if outer >= 1 else text
    return str(expr)


# ---------------------------------------------------------------------------- parsing

class _Parser:
    """Recursive descent: or := and ('||' and)*; and := not ('&&' not)*; not := '!' not |
    '(' or ')' | atom | 'true' | 'false'."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0
        self.tokens: list[tuple[int, str]] = []
        while True:
            while self.pos < len(text) and text[self.pos].isspace():
                self.pos += 1
            if self.pos >= len(text):
                break
            m = _TOKEN.match(text, self.pos)
            if not m:
                raise InputError(f"cannot read requirement {text!r} at column {self.pos + 1}")
            self.tokens.append((m.start(m.lastindex or 0), m.group(1) or m.group(2)))
            self.pos = m.end()
        self.i = 0

    def parse(self) -> Requirement:
        if not self.tokens:
            raise InputError("empty requirement")
        r = self._or()
        if self.i < len(self.tokens):
            self._fail("an operator or the end")
        return r

    def _peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def _fail(self, expected: str) -> None:
        where = self.tokens[self.i][0] + 1 if self.i < len(self.tokens) else len(self.text) + 1
        raise InputError(f"cannot read requirement {self.text!r} at column {where}: expected {expected}")

    def _or(self) -> Requirement:
        parts = [self._and()]
        while self._peek() == "||":
            self.i += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Requirement.any_of(parts)

    def _and(self) -> Requirement:
        parts = [self._not()]
        while self._peek() == "&&":
            self.i += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else Requirement.all_of(parts)

    def _not(self) -> Requirement:
        token = self._peek()
        if token is None or token in ("&&", "||", ")"):
            self._fail("an option, '!' or '('")
        self.i += 1
        if token == "!":
            return ~self._not()
        if token == "(":
            inner = self._or()
            if self._peek() != ")":
                self._fail("')'")
            self.i += 1
            return inner
        if token in ("true", "false"):
            return Requirement.TRUE if token == "true" else Requirement.FALSE
        return Requirement.atom(Atom.parse(token))
