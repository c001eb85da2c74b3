"""Requirements: which runtime options make a message appear, as one boolean-formula type.

A requirement is any and/or/not combination of option atoms: `-D` (given), `-D>=2` (given
twice), `proxy.debug>=2`, `x==3`. One parser (`Requirement.parse`), one printer (`str`, C's
spelling: `-D || (proxy.debug>=2 && !-t)`). A formula is a binary decision diagram (`dd`:
CUDD through dd.cudd, else dd.autoref), one manager per process: combining, quantifying and
comparing are cheap, which the analyses' fixpoints need. Formulas are equal when they agree
on every setting that can happen (the level facts of one option, `-D>=2` implies `-D`, form
a care set). Only printing needs the smallest DNF (`alternatives()`, what users read):
sympy's SOPform minimises the truth table, level facts as don't-cares, up to eight atoms;
beyond, the diagram's paths are widened to prime implicants (README: dependencies, figures).
"""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from sympy import Symbol
from sympy.logic import SOPform
from sympy.logic.boolalg import And, Boolean, Not, Or, false, true

try:  # CUDD's C implementation when dd was built with it; the same interface in pure Python otherwise
    from dd.cudd import BDD
except ImportError:  # pragma: no cover - depends on the installed wheel
    from dd.autoref import BDD

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
    are the constants. `&`, `|` and `~` combine; `==` compares meaning over the settings that
    can happen, not spelling."""

    __slots__ = ("_f",)
    TRUE: "Requirement"
    FALSE: "Requirement"

    def __init__(self, f: Any) -> None:
        self._f = f  # the formula's diagram in _MANAGER

    # -- building

    @classmethod
    def atom(cls, atom: Atom | str, negated: bool = False) -> "Requirement":
        a = atom if isinstance(atom, Atom) else Atom.parse(atom)
        f = _MANAGER.var(_variable(a))
        return cls(~f if negated else f)

    @classmethod
    def any_of(cls, items: Iterable["Requirement"]) -> "Requirement":
        f = _MANAGER.false
        for r in items:
            f = f | r._f
        return cls(f)

    @classmethod
    def all_of(cls, items: Iterable["Requirement"]) -> "Requirement":
        f = _MANAGER.true
        for r in items:
            f = f & r._f
        return cls(f)

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
        return Requirement(self._f & other._f)

    def __or__(self, other: "Requirement") -> "Requirement":
        return Requirement(self._f | other._f)

    def __invert__(self) -> "Requirement":
        return Requirement(~self._f)

    # -- reading

    def simplified(self) -> "Requirement":
        """The same formula: a diagram is already canonical (the smallest DNF is the printer's)."""
        return self

    def alternatives(self) -> tuple[tuple[str, ...], ...]:
        """The DNF as the catalog writes it: sorted alternatives of sorted atom texts
        (`!` before an atom that must not hold). TRUE (appears by default) gives (); FALSE
        (no setting makes it appear) gives (("false",),), which from_alternatives reads back."""
        expr = _dnf(self._f)
        if expr is true:
            return ()
        if expr is false:
            return (("false",),)
        terms = expr.args if isinstance(expr, Or) else (expr,)
        alts = {tuple(sorted(_literal_text(lit) for lit in (t.args if isinstance(t, And) else (t,)))) for t in terms}
        return tuple(sorted(alts))

    @property
    def is_true(self) -> bool:  # whatever the options are (among the settings that can happen)
        return (self._f | ~_care()) == _MANAGER.true

    @property
    def is_false(self) -> bool:  # no setting that can happen makes it true
        return (self._f & _care()) == _MANAGER.false

    def atoms(self) -> frozenset[Atom]:
        """The atoms the formula depends on."""
        return frozenset(_ATOMS[v] for v in _support(self._f))

    def exists(self, which: Callable[[Atom], bool]) -> "Requirement":
        """The formula with the atoms `which` selects quantified away (true if some value of
        them makes it true): what remains needed of the other atoms. `(-a || fp) && !fp`
        over fp is `-a`."""
        chosen = [v for v in _support(self._f) if which(_ATOMS[v])]
        return Requirement(_MANAGER.exist(chosen, self._f)) if chosen else self

    def forall(self, which: Callable[[Atom], bool]) -> "Requirement":
        """The formula with the atoms `which` selects quantified universally (true whatever
        their values): what the other atoms must be for it to hold for sure."""
        chosen = [v for v in _support(self._f) if which(_ATOMS[v])]
        return Requirement(_MANAGER.forall(chosen, self._f)) if chosen else self

    def replace(self, values: Mapping[Atom, "Requirement"]) -> "Requirement":
        """Each atom of `values` replaced by its formula (a parameter's test by what the
        caller's argument makes of it)."""
        support = _support(self._f)
        mapping = {v: r._f for a, r in values.items() if (v := _VARIABLES.get(str(a))) in support}
        return Requirement(_MANAGER.let(mapping, self._f)) if mapping else self

    def holds(self, levels: Mapping[str, int]) -> bool:
        """Whether the options at `levels` (name -> level, 0 or absent when not given) make it
        true: one path from the root, each node's atom deciding the branch (a complemented
        edge flips the value). A `let` builds a cube over every declared variable: 0.3 ms a
        call against 1 us, and the process analysis asks about a million times a release."""
        f, flip = self._f, False
        while True:
            flip ^= f.negated
            v = f.var
            if v is None:  # the constant node is true; an odd number of flips makes it false
                return not flip
            f = f.high if _ATOMS[v].holds(levels) else f.low

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Requirement):
            return False
        if self._f == other._f:
            return True
        differ = (self._f & ~other._f) | (~self._f & other._f)
        return (differ & _care()) == _MANAGER.false

    def __hash__(self) -> int:
        return _fingerprint(self._f)

    def __str__(self) -> str:
        return _render(_dnf(self._f), 0)

    def __repr__(self) -> str:
        return f"Requirement({str(self)!r})"


# ---------------------------------------------------------------------------- the diagrams

_MANAGER = BDD()
_ATOMS: dict[str, Atom] = {}  # variable -> atom (the first atom of that text seen, with its test)
_VARIABLES: dict[str, str] = {}  # atom text -> variable
_BY_OPTION: dict[str, list[Atom]] = {}  # option name -> its atoms
_CARE: list[Any] = []  # [the care set] once built; emptied when an atom is added
_SUPPORTS: dict[Any, frozenset[str]] = {}  # diagram -> its variables


def _support(f: Any) -> frozenset[str]:
    """The variables `f` depends on, kept per diagram: CUDD's support walks every declared
    variable (thousands of runtime-test atoms in a whole program: 0.16 ms a call), and the
    process analysis asks whether a guard holds about a million times per lighttpd release."""
    known = _SUPPORTS.get(f)
    if known is None:
        if len(_SUPPORTS) > 1 << 16:
            _SUPPORTS.clear()
        known = _SUPPORTS[f] = frozenset(f.support)
    return known


def _variable(atom: Atom) -> str:
    """The diagram variable of `atom` (declared on first use; one per atom text)."""
    text = str(atom)
    v = _VARIABLES.get(text)
    if v is None:
        v = _VARIABLES[text] = f"a{len(_VARIABLES)}"
        _MANAGER.declare(v)
        _ATOMS[v] = atom
        _BY_OPTION.setdefault(atom.name, []).append(atom)
        if len(_BY_OPTION[atom.name]) > 1:
            _CARE.clear()
    return v


def _care() -> Any:
    """The settings that can happen: the conjunction of the level facts of every option
    with several atoms (`-D>=2` implies `-D`; `x==3` excludes `x==4`)."""
    if not _CARE:
        care = _MANAGER.true
        for atoms in _BY_OPTION.values():
            if len(atoms) > 1:
                for fact in _level_facts(atoms):
                    care = care & fact
        _CARE.append(care)
    return _CARE[0]


def _level_facts(atoms: Iterable[Atom]) -> list[Any]:
    """What holds between atoms of one option, as diagrams: `-D>=2` implies `-D`; `x==3`
    implies `x>=2` and not `x>=4`; two exact values exclude each other."""
    atoms = sorted(atoms)
    facts = []
    for a in atoms:
        for b in atoms:
            if a.name != b.name or a == b or _implies(a, False, b, True) is None:
                continue
            va, vb = _MANAGER.var(_variable(a)), _MANAGER.var(_variable(b))
            if _implies(a, False, b, True):
                facts.append(~va | vb)
            elif _implies(a, False, b, False) and a < b:
                facts.append(~va | ~vb)
    return facts


_SETTINGS = 8  # settings a fingerprint evaluates a formula under
_FINGERPRINTS: dict[Any, int] = {}


def _fingerprint(f: Any) -> int:
    """A hash equal for formulas equal over the settings that can happen: the formula's
    value under _SETTINGS fixed settings (each option at a level from a checksum of its name),
    which satisfy every level fact by construction."""
    known = _FINGERPRINTS.get(f)
    if known is not None:
        return known
    support = _support(f)
    if not support:
        return int(f == _MANAGER.true)
    bits = 0
    for k in range(_SETTINGS):
        values = {v: _ATOMS[v].holds({_ATOMS[v].name: zlib.crc32(f"{k}:{_ATOMS[v].name}".encode()) % 4})
                  for v in support}
        bits = bits << 1 | (_MANAGER.let(values, f) == _MANAGER.true)
    if len(_FINGERPRINTS) > 1 << 16:
        _FINGERPRINTS.clear()
    _FINGERPRINTS[f] = bits
    return bits


Requirement.TRUE = Requirement(_MANAGER.true)
Requirement.FALSE = Requirement(_MANAGER.false)

# ---------------------------------------------------------------------------- the smallest DNF

_DNFS: dict[Any, Boolean] = {}


def _symbol(atom: Atom) -> Symbol:
    return Symbol(str(atom))


def _literal(text: str) -> Requirement:
    text = text.strip()
    if text in ("true", "false"):
        return Requirement.TRUE if text == "true" else Requirement.FALSE
    return Requirement.atom(text[1:], negated=True) if text.startswith("!") else Requirement.atom(text)


def _literal_text(lit: Boolean) -> str:
    return f"!{lit.args[0]}" if isinstance(lit, Not) else str(lit)


def _dnf(f: Any) -> Boolean:
    """The smallest DNF of the diagram `f` over the settings that can happen, as a sympy
    formula (true/false for the constants); kept per diagram."""
    known = _DNFS.get(f)
    if known is None:
        known = _DNFS[f] = _minimal_dnf(f)
    return known


def _minimal_dnf(f: Any) -> Boolean:
    """sympy's SOPform minimises `f`'s truth table over its atoms (sorted by text), with the
    combinations no setting gives (`-D>=2` without `-D`) as don't-cares; literals those facts
    imply are then dropped from each alternative (`-D>=2 && -D` reads `-D>=2`). Beyond
    _EXACT_LIMIT atoms: _prime_cover."""
    if f == _MANAGER.true:
        return true
    if f == _MANAGER.false:
        return false
    variables = sorted(_support(f), key=lambda v: str(_ATOMS[v]))
    care = _MANAGER.true
    for fact in _level_facts(_ATOMS[v] for v in variables):
        care = care & fact
    if len(variables) > _EXACT_LIMIT:
        return _prime_cover(f, care, variables)
    minterms, dontcares = [], []
    for values in itertools.product((0, 1), repeat=len(variables)):
        assignment = {v: bool(x) for v, x in zip(variables, values)}
        if _MANAGER.let(assignment, care) != _MANAGER.true:
            dontcares.append(list(values))  # no setting gives it (-D>=2 without -D)
        elif _MANAGER.let(assignment, f) == _MANAGER.true:
            minterms.append(list(values))
    if not minterms:
        return false
    if len(minterms) + len(dontcares) == 2 ** len(variables):
        return true
    symbols = [_symbol(_ATOMS[v]) for v in variables]
    dnf = SOPform(symbols, minterms, dontcares)
    terms = dnf.args if isinstance(dnf, Or) else (dnf,)
    return Or(*(And(*_drop_implied(t.args if isinstance(t, And) else (t,))) for t in terms))


_EXACT_LIMIT = 8  # SOPform on 2**n rows: 8 atoms take milliseconds, 12 took minutes (lighttpd 1.4.85)


def _prime_cover(f: Any, care: Any, variables: list[str]) -> Boolean:
    """A DNF of `f` for formulas over more than _EXACT_LIMIT atoms, from the diagram: the
    first uncovered setting (in the order of `variables`, each atom false before true) is
    widened by dropping, in that order, every literal it can lose while staying inside `f`
    wherever `care` holds (a prime implicant); what it covers is removed and the next
    uncovered setting taken, until none is left; then each prime the others cover is
    dropped. Equivalent to `f` over the settings that can happen; not always the smallest.
    It takes one step per prime, not per path of the diagram (lighttpd 1.4.85's 17-atom
    formula has 40005 paths: 13 s widening every path, 0.2 s this way, the same 84 terms)."""
    allowed = f | ~care
    on = f & care
    if on == _MANAGER.false:
        return false
    if allowed == _MANAGER.true:
        return true
    primes: list[dict[str, bool]] = []
    remaining = on
    while remaining != _MANAGER.false:
        cube = _first_setting(remaining, variables)
        for v in variables:
            wider = {k: x for k, x in cube.items() if k != v}
            if (_MANAGER.let(wider, allowed) if wider else allowed) == _MANAGER.true:
                cube = wider
        primes.append(cube)
        remaining = remaining & ~_MANAGER.cube(cube)
    irredundant = list(primes)
    for cube in sorted(primes, key=lambda c: (-len(c), sorted(c))):
        others = _MANAGER.false
        for o in irredundant:  # only the primes that meet `cube` can cover part of it
            if o is not cube and all(cube.get(k, x) == x for k, x in o.items()):
                others = others | _MANAGER.cube(o)
        if (on & _MANAGER.cube(cube) & ~others) == _MANAGER.false:
            irredundant.remove(cube)
    terms = []
    for cube in sorted(irredundant, key=lambda c: sorted((str(_ATOMS[v]), x) for v, x in c.items())):
        lits = tuple(_symbol(_ATOMS[v]) if x else Not(_symbol(_ATOMS[v])) for v, x in cube.items())
        terms.append(And(*_drop_implied(lits)))
    return Or(*terms)


def _first_setting(g: Any, variables: list[str]) -> dict[str, bool]:
    """The first setting of `variables` (each false before true, in that order) that makes
    the non-false diagram `g` true: the same whatever order CUDD keeps its variables in."""
    setting = {}
    for v in variables:
        low = _MANAGER.let({v: False}, g)
        if low != _MANAGER.false:
            g, setting[v] = low, False
        else:
            g, setting[v] = _MANAGER.let({v: True}, g), True
    return setting


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
        return (_ATOMS[_VARIABLES[str(lit.args[0])]], True) if isinstance(lit, Not) else (_ATOMS[_VARIABLES[str(lit)]], False)

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
