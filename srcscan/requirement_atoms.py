"""Option atoms and the binary decision diagrams requirements are made of (srcscan.requirement).

One `dd` manager per process (CUDD through dd.cudd, else dd.autoref): each atom text is one
diagram variable, declared on first use. The settings that can happen (the care set) are the
level facts of the options with several atoms: `-D>=2` implies `-D`, `x==3` excludes `x==4`.
Diagrams' supports and fingerprints are kept per diagram (see each function for why).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

try:  # CUDD's C implementation when dd was built with it; the same interface in pure Python otherwise
    from dd.cudd import BDD
    _CUDD = True
except ImportError:  # pragma: no cover - depends on the installed wheel
    from dd.autoref import BDD
    _CUDD = False

from srcscan.cexpr import CExpr
from srcscan.errors import InputError
from srcscan.requirement_leq import compare

# A name may carry the value an option is given with (`--log-queries=extra`: only that value sets the bit).
# A configuration condition is named as written (lighttpd's `$SERVER["socket"]`); a process's
# start condition is `@` and the process's name (analyze.childstarts: keepalived's `@vrrp`).
ATOM_PATTERN = re.compile(r"(?P<name>(?:--?[A-Za-z0-9][\w.-]*|@?[A-Za-z_][\w.\-]*|\$[A-Z_]+\[\"[\w.-]+\"\])(?:=[\w.:/+#-]+)?)"
                          r"(?:(?P<op>>=|==)(?P<value>-?\d+))?")


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
        m = ATOM_PATTERN.fullmatch(text.strip())
        if not m:
            raise InputError(f"not an option atom: {text!r} (expected NAME, NAME>=N or NAME==N)")
        return cls(m["name"], m["op"] or ">=", int(m["value"]) if m["value"] else 1)

    def holds(self, levels: Mapping[str, int]) -> bool:
        """Under the given option levels (times a flag was given, or its integer value)."""
        level = levels.get(self.name, 0)
        return level >= self.level if self.op == ">=" else level == self.level


MANAGER = BDD()
COMPARE = compare(MANAGER)  # CUDD's containment tests, which build nothing, when reachable (requirement_leq)
ATOMS: dict[str, Atom] = {}  # variable -> atom (the first atom of that text seen, with its test)
VARIABLES: dict[str, str] = {}  # atom text -> variable
_BY_OPTION: dict[str, list[Atom]] = {}  # option name -> its atoms
_CARE: list[Any] = []  # [the care set] once built; emptied when an atom is added
_SUPPORTS: dict[Any, frozenset[str]] = {}  # diagram -> its variables
_VALUED: set[str] = set()  # the options some atom names with a value (valued_base of its name)


def support_of(f: Any) -> frozenset[str]:
    """The variables `f` depends on, kept per diagram: CUDD's support walks every declared
    variable (thousands of runtime-test atoms in a whole program: 0.16 ms a call), and the
    process analysis asks whether a guard holds about a million times per lighttpd release."""
    known = _SUPPORTS.get(f)
    if known is None:
        if len(_SUPPORTS) > 1 << 16:
            _SUPPORTS.clear()
        known = _SUPPORTS[f] = frozenset(f.support)
    return known


_ATOMS_OF: dict[Any, frozenset[Atom]] = {}  # diagram -> the atoms of its support


def atoms_of(f: Any) -> frozenset[Atom]:
    """The atoms `f` depends on, kept per diagram (an atom's variable never changes: ATOMS)."""
    known = _ATOMS_OF.get(f)
    if known is None:
        if len(_ATOMS_OF) > 1 << 16:
            _ATOMS_OF.clear()
        known = _ATOMS_OF[f] = frozenset(ATOMS[v] for v in support_of(f))
    return known


def variable_of(atom: Atom) -> str:
    """The diagram variable of `atom` (declared on first use; one per atom text)."""
    text = str(atom)
    v = VARIABLES.get(text)
    if v is None:
        v = VARIABLES[text] = f"a{len(VARIABLES)}"
        MANAGER.declare(v)
        ATOMS[v] = atom
        _BY_OPTION.setdefault(atom.name, []).append(atom)
        base = valued_base(atom.name)
        if base:
            _VALUED.add(base)
        if len(_BY_OPTION[atom.name]) > 1 or (base and base in _BY_OPTION) or atom.name in _VALUED:
            _CARE.clear()
    return v


def valued_base(name: str) -> str:
    """The option an atom given with a value names (`auth.backend` of `auth.backend=ldap`,
    `--log-queries` of `--log-queries=extra`); "" for any other atom (a runtime test's name,
    `?file:function:text`, is none)."""
    if name.startswith("?") or "=" not in name:
        return ""
    return name.split("=", 1)[0]


def care_set() -> Any:
    """The settings that can happen: the conjunction of the level facts of every option
    with several atoms (`-D>=2` implies `-D`; `x==3` excludes `x==4`), and an option given
    with a value is given (`auth.backend=ldap` implies `auth.backend`)."""
    if not _CARE:
        care = MANAGER.true
        for atoms in _BY_OPTION.values():
            if len(atoms) > 1:
                for fact in level_facts(atoms):
                    care = care & fact
        for name, atoms in _BY_OPTION.items():
            for a in atoms:
                for b in _BY_OPTION.get(valued_base(name), ()):
                    if _given_with_value(a, b):
                        care = care & (~MANAGER.var(variable_of(a)) | MANAGER.var(variable_of(b)))
        _CARE.append(care)
    return _CARE[0]


def level_facts(atoms: Iterable[Atom]) -> list[Any]:
    """What holds between atoms of one option, as diagrams: `-D>=2` implies `-D`; `x==3`
    implies `x>=2` and not `x>=4`; two exact values exclude each other."""
    atoms = sorted(atoms)
    facts = []
    for a in atoms:
        for b in atoms:
            if a.name != b.name or a == b or implies(a, False, b, True) is None:
                continue
            va, vb = MANAGER.var(variable_of(a)), MANAGER.var(variable_of(b))
            if implies(a, False, b, True):
                facts.append(~va | vb)
            elif implies(a, False, b, False) and a < b:
                facts.append(~va | ~vb)
        for b in atoms:
            if _given_with_value(a, b):
                facts.append(~MANAGER.var(variable_of(a)) | MANAGER.var(variable_of(b)))
    return facts


def _given_with_value(a: Atom, b: Atom) -> bool:
    """Whether atom `a` gives option `b` with a value (`auth.backend=ldap` of `auth.backend`):
    then `a` implies `b`."""
    return valued_base(a.name) == b.name and a.op == ">=" and a.level >= 1 and b.op == ">=" and b.level == 1


def cube_of(setting: dict[str, bool]) -> Any:
    """The diagram of a conjunction of literals (variable -> its value), built from the
    variables' own diagrams. dd.cudd's BDD.cube (and so `let` with Boolean values, `exist`,
    `forall`) fills an array as long as the manager's declared variables: thousands of atoms
    in a whole program make each call cost that much, whatever the cube's size."""
    diagram = MANAGER.true
    for v, x in setting.items():
        diagram = diagram & literal(v, x)
    return diagram


def literal(v: str, x: bool) -> Any:
    """The diagram of variable `v` (its name in the manager) being `x`."""
    return MANAGER.var(v) if x else ~MANAGER.var(v)



def quantified(names: Iterable[str], f: Any, universal: bool = False) -> Any:
    """`f` with the variables `names` quantified away: existentially (true if some value of
    them makes it true) or, `universal`, for every value. Under CUDD, Cudd_bddExistAbstract /
    Cudd_bddUnivAbstract on a cube built by cube_of (dd.cudd's own exist/forall build theirs
    over every declared variable, as BDD.cube does)."""
    if _CUDD:
        return MANAGER.apply("\\A" if universal else "\\E", cube_of({n: True for n in names}), f)
    return (MANAGER.forall if universal else MANAGER.exist)(list(names), f)  # pragma: no cover

_SETTINGS = 8  # settings a fingerprint evaluates a formula under
_FINGERPRINTS: dict[Any, int] = {}


def fingerprint(f: Any) -> int:
    """A hash equal for formulas equal over the settings that can happen: the formula's
    value under _SETTINGS fixed settings (each option at a level from a checksum of its name),
    which satisfy every level fact by construction."""
    known = _FINGERPRINTS.get(f)
    if known is not None:
        return known
    support = support_of(f)
    if not support:
        return int(f == MANAGER.true)
    bits = 0
    for k in range(_SETTINGS):
        values = {v: ATOMS[v].holds({ATOMS[v].name: _setting(k, ATOMS[v].name)}) for v in support}
        bits = bits << 1 | _holds_at(f, values)
    if len(_FINGERPRINTS) > 1 << 16:
        _FINGERPRINTS.clear()
    _FINGERPRINTS[f] = bits
    return bits


def _holds_at(f: Any, values: Mapping[str, bool]) -> bool:
    """Whether `f` is true when each variable of its support has its value in `values`: one
    path from the root (a complemented edge flips the value), building nothing; the same
    answer as `(cube & ~f) == false` for the cube of `values`, which builds the cube and the
    conjunction node by node."""
    flip = False
    while True:
        flip ^= f.negated
        v = f.var
        if v is None:  # the constant node is true; an odd number of flips makes it false
            return not flip
        f = f.high if values[v] else f.low


def _setting(k: int, name: str) -> int:
    """The level of option `name` in fingerprint setting `k`: a checksum of its name, and 0
    for an option given with a value when the option itself is not given in that setting
    (the care set's `auth.backend=ldap` implies `auth.backend`)."""
    base = valued_base(name)
    if base and zlib.crc32(f"{k}:{base}".encode()) % 4 == 0:
        return 0
    return zlib.crc32(f"{k}:{name}".encode()) % 4


def implies(a: Atom, a_negated: bool, b: Atom, b_positive: bool) -> bool | None:
    """Whether literal a (negated or not) implies literal b (positive or negated): `-D>=2`
    implies `-D`, `!-D` implies `!-D>=2`, `x==3` implies `!x==4`; `k=v` implies `k` and `!k`
    implies `!k=v`. None when the names differ otherwise."""
    if a.name != b.name:
        if not a_negated and b_positive and _given_with_value(a, b):
            return True
        if a_negated and not b_positive and _given_with_value(b, a):
            return True
        return None
    # Whether an atom holds changes only at its level (and one past it, for `==`): the values
    # around both levels, 0 and one past the larger, stand for every value from 0 on (an
    # option compared with a large constant, `adver_int>=1000001`, is not walked value by value).
    top = max(a.level, b.level) + 1
    values = sorted({0, top} | {v for t in (a.level, b.level) for v in (t - 1, t, t + 1) if 0 <= v <= top})
    a_true = [v for v in values if a.holds({a.name: v}) != a_negated]
    return all(b.holds({b.name: v}) == b_positive for v in a_true)
