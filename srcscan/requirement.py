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

import functools

import re
from typing import Any, Callable, Iterable, Mapping

from sympy.logic.boolalg import And, Or, false, true

from srcscan.errors import InputError
from srcscan.requirement_atoms import (ATOM_PATTERN, ATOMS, COMPARE, MANAGER, VARIABLES, Atom, atoms_of, care_set,
                                       fingerprint, quantified, support_of, variable_of)
from srcscan.requirement_dnf import literal_text, render, smallest_dnf

__all__ = ["Atom", "Requirement"]

_TOKEN = re.compile(r"\s*(?:(&&|\|\||!|\(|\))|(" + ATOM_PATTERN.pattern + r"))")


class Requirement:
    """A boolean formula over option atoms; immutable. `Requirement.TRUE` (no option needed:
    the message appears by default) and `Requirement.FALSE` (no setting makes it appear)
    are the constants. `&`, `|` and `~` combine; `==` compares meaning over the settings that
    can happen, not spelling."""

    __slots__ = ("_f",)
    TRUE: "Requirement"
    FALSE: "Requirement"

    def __init__(self, f: Any) -> None:
        self._f = f  # the formula's diagram in MANAGER

    # -- building

    @classmethod
    def atom(cls, atom: Atom | str, negated: bool = False) -> "Requirement":
        a = atom if isinstance(atom, Atom) else Atom.parse(atom)
        f = MANAGER.var(variable_of(a))
        return cls(~f if negated else f)

    @classmethod
    def any_of(cls, items: Iterable["Requirement"]) -> "Requirement":
        f = MANAGER.false
        for r in items:
            f = f | r._f
        return cls(f)

    @classmethod
    def all_of(cls, items: Iterable["Requirement"]) -> "Requirement":
        f = MANAGER.true
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
        expr = smallest_dnf(self._f)
        if expr is true:
            return ()
        if expr is false:
            return (("false",),)
        terms = expr.args if isinstance(expr, Or) else (expr,)
        alts = {tuple(sorted(literal_text(lit) for lit in (t.args if isinstance(t, And) else (t,)))) for t in terms}
        return tuple(sorted(alts))

    @property
    def is_true(self) -> bool:  # whatever the options are (among the settings that can happen)
        return _holds_always(self._f, care_set())

    @property
    def is_false(self) -> bool:  # no setting that can happen makes it true
        return _never_holds(self._f, care_set())

    def atoms(self) -> frozenset[Atom]:
        """The atoms the formula depends on."""
        return atoms_of(self._f)

    def exists(self, which: Callable[[Atom], bool]) -> "Requirement":
        """The formula with the atoms `which` selects quantified away (true if some value of
        them makes it true): what remains needed of the other atoms. `(-a || fp) && !fp`
        over fp is `-a`."""
        chosen = [v for v in support_of(self._f) if which(ATOMS[v])]
        return Requirement(quantified(chosen, self._f)) if chosen else self

    def forall(self, which: Callable[[Atom], bool]) -> "Requirement":
        """The formula with the atoms `which` selects quantified universally (true whatever
        their values): what the other atoms must be for it to hold for sure."""
        chosen = [v for v in support_of(self._f) if which(ATOMS[v])]
        return Requirement(quantified(chosen, self._f, universal=True)) if chosen else self

    def replace(self, values: Mapping[Atom, "Requirement"]) -> "Requirement":
        """Each atom of `values` replaced by its formula (a parameter's test by what the
        caller's argument makes of it)."""
        support = support_of(self._f)
        mapping = {v: r._f for a, r in values.items() if (v := VARIABLES.get(str(a))) in support}
        return Requirement(MANAGER.let(mapping, self._f)) if mapping else self

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
            f = f.high if ATOMS[v].holds(levels) else f.low

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Requirement):
            return False
        if self._f == other._f:
            return True
        if fingerprint(self._f) != fingerprint(other._f):
            return False  # they differ under a setting that can happen (requirement_atoms.fingerprint)
        if COMPARE is not None:
            return COMPARE.equal_on(self._f, other._f, care_set())
        differ = (self._f & ~other._f) | (~self._f & other._f)
        return (differ & care_set()) == MANAGER.false

    def __hash__(self) -> int:
        return fingerprint(self._f)

    def __str__(self) -> str:
        return render(smallest_dnf(self._f), 0)

    def __repr__(self) -> str:
        return f"Requirement({str(self)!r})"


Requirement.TRUE = Requirement(MANAGER.true)
Requirement.FALSE = Requirement(MANAGER.false)


def _literal(text: str) -> Requirement:
    text = text.strip()
    if text in ("true", "false"):
        return Requirement.TRUE if text == "true" else Requirement.FALSE
    return Requirement.atom(text[1:], negated=True) if text.startswith("!") else Requirement.atom(text)


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


# Whether a diagram is true / false over the settings that can happen, by (diagram, care set):
# the analyses ask it of the same few thousand formulas hundreds of thousands of times, and
# each answer is an operation on the care set, the conjunction of every option's level facts:
# CUDD's containment test when reachable (care implies f; f implies not care), which builds
# nothing, else the formula built and compared with the constant.
@functools.lru_cache(maxsize=1 << 16)
def _holds_always(f: Any, care: Any) -> bool:
    if COMPARE is not None:
        return COMPARE.leq(care, f)
    return (f | ~care) == MANAGER.true


@functools.lru_cache(maxsize=1 << 16)
def _never_holds(f: Any, care: Any) -> bool:
    if COMPARE is not None:
        return COMPARE.leq_not(f, care)
    return (f & care) == MANAGER.false
