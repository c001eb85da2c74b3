"""The smallest DNF of a requirement's diagram, and its printing (srcscan.requirement).

Only printing needs it (`Requirement.alternatives()`, what users read; `str`): sympy's
SOPform minimises the truth table over the diagram's atoms, level facts as don't-cares, up to
_EXACT_LIMIT atoms; beyond, the diagram's settings are widened to prime implicants.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from sympy import Symbol
from sympy.logic.boolalg import And, Boolean, Not, Or, false, true

from srcscan.io import read_sealed, seal, write_atomic_bytes
from srcscan.sopform import sop_form
from srcscan.requirement_atoms import ATOMS, MANAGER, VARIABLES, Atom, implies, level_facts, literal, support_of

_DNFS: dict[Any, Boolean] = {}


def symbol_of(atom: Atom) -> Symbol:
    return Symbol(str(atom))


def literal_text(lit: Boolean) -> str:
    return f"!{lit.args[0]}" if isinstance(lit, Not) else str(lit)


def smallest_dnf(f: Any) -> Boolean:
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
    if f == MANAGER.true:
        return true
    if f == MANAGER.false:
        return false
    variables = sorted(support_of(f), key=lambda v: str(ATOMS[v]))
    care = MANAGER.true
    for fact in level_facts(ATOMS[v] for v in variables):
        care = care & fact
    if len(variables) > _EXACT_LIMIT:
        return _prime_cover(f, care, variables)
    minterms = _rows(f & care, variables)
    dontcares = _rows(~care, variables)  # no setting gives them (-D>=2 without -D)
    if not minterms:
        return false
    if len(minterms) + len(dontcares) == 2 ** len(variables):
        return true
    symbols = [symbol_of(ATOMS[v]) for v in variables]
    dnf = _sop_form(symbols, minterms, dontcares)
    terms = dnf.args if isinstance(dnf, Or) else (dnf,)
    return Or(*(And(*_drop_implied(t.args if isinstance(t, And) else (t,))) for t in terms))


def _rows(g: Any, variables: list[str]) -> list[list[int]]:
    """The rows of the truth table over `variables` (a superset of g's support) where `g`
    holds, as 0/1 lists in the table's order (itertools.product's: the first variable the
    most significant): the diagram's satisfying cubes expanded, not 2**n evaluations."""
    return sorted([int(a[v]) for v in variables] for a in MANAGER.pick_iter(g, care_vars=set(variables)))


# SOPform's answers by what they are computed from (the atoms' texts, the truth table and its
# don't-cares): the same formulas come back run after run (the next release of a history, a
# run after one file changed), and SOPform is most of the printing's cost (5.4 s of a lighttpd
# 1.4.85 run, 390 calls). The pipeline loads the kept answers from the cache before the
# analyses and saves them after (load_sop_memo, save_sop_memo).
_SOP_MEMO: dict[tuple, Boolean] = {}
_SOP_MEMO_LIMIT = 20000  # entries kept on disk (a few MB)
_sop_added: list[int] = [0]  # answers computed since the memo was loaded


def _sop_form(symbols: list[Symbol], minterms: list[list[int]], dontcares: list[list[int]]) -> Boolean:
    """SOPform(symbols, minterms, dontcares) (srcscan.sopform's copy of it), kept by its
    inputs (a pure function of them)."""
    key = (tuple(s.name for s in symbols), tuple(map(tuple, minterms)), tuple(map(tuple, dontcares)))
    known = _SOP_MEMO.get(key)
    if known is None:
        known = _SOP_MEMO[key] = sop_form(symbols, minterms, dontcares)
        _sop_added[0] += 1
    return known


def _sop_path(cache_dir: Path) -> Path:
    import sympy

    return cache_dir / "memo" / f"sopform-sympy-{sympy.__version__}.pickle"  # another sympy may answer otherwise


def load_sop_memo(cache_dir: Path) -> None:
    """Add the SOPform answers kept under `cache_dir` to this process's (a missing or damaged
    file adds none)."""
    payload = read_sealed(_sop_path(cache_dir))
    if payload is None:
        return
    try:
        kept = pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError, IndexError):
        return
    if isinstance(kept, dict):
        for key, value in kept.items():
            _SOP_MEMO.setdefault(key, value)


def save_sop_memo(cache_dir: Path) -> None:
    """Write this process's SOPform answers under `cache_dir` when it computed new ones (with
    those kept there meanwhile by another run; the newest _SOP_MEMO_LIMIT at most)."""
    if not _sop_added[0]:
        return
    load_sop_memo(cache_dir)
    kept = dict(list(_SOP_MEMO.items())[-_SOP_MEMO_LIMIT:])
    try:
        write_atomic_bytes(_sop_path(cache_dir), seal(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)))
    except OSError:
        return  # a memo that cannot be written costs the next run its SOPform calls, nothing else
    _sop_added[0] = 0


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
    if on == MANAGER.false:
        return false
    if allowed == MANAGER.true:
        return true
    outside = ~allowed
    primes: list[dict[str, bool]] = []
    diagrams: dict[int, Any] = {}  # id of a prime -> its cube's diagram
    remaining = on
    while remaining != MANAGER.false:
        cube = _first_setting(remaining, variables)
        # after[i]: the literals of variables[i:]; kept: those of variables[:i] still in the cube
        after = [MANAGER.true] * (len(variables) + 1)
        for i in range(len(variables) - 1, -1, -1):
            after[i] = after[i + 1] & literal(variables[i], cube[variables[i]])
        kept = MANAGER.true
        for i, v in enumerate(variables):
            if ((kept & after[i + 1]) & outside) == MANAGER.false:
                del cube[v]  # the cube without v's literal stays inside `allowed`
            else:
                kept = kept & literal(v, cube[v])
        diagram = kept
        primes.append(cube)
        diagrams[id(cube)] = diagram
        remaining = remaining & ~diagram
    irredundant = list(primes)
    for cube in sorted(primes, key=lambda c: (-len(c), sorted(c))):
        others = MANAGER.false
        for o in irredundant:  # only the primes that meet `cube` can cover part of it
            if o is not cube and all(cube.get(k, x) == x for k, x in o.items()):
                others = others | diagrams[id(o)]
        if (on & diagrams[id(cube)] & ~others) == MANAGER.false:
            irredundant.remove(cube)
    terms = []
    for cube in sorted(irredundant, key=lambda c: sorted((str(ATOMS[v]), x) for v, x in c.items())):
        lits = tuple(symbol_of(ATOMS[v]) if x else Not(symbol_of(ATOMS[v])) for v, x in cube.items())
        terms.append(And(*_drop_implied(lits)))
    return Or(*terms)


def _first_setting(g: Any, variables: list[str]) -> dict[str, bool]:
    """The first setting of `variables` (each false before true, in that order) that makes
    the non-false diagram `g` true: the same whatever order CUDD keeps its variables in."""
    setting = {}
    for v in variables:
        low = g & ~MANAGER.var(v)
        if low != MANAGER.false:
            g, setting[v] = low, False
        else:
            g, setting[v] = g & MANAGER.var(v), True
    return setting



def _drop_implied(literals: tuple[Boolean, ...]) -> tuple[Boolean, ...]:
    def parts(lit: Boolean) -> tuple[Atom, bool]:
        return (ATOMS[VARIABLES[str(lit.args[0])]], True) if isinstance(lit, Not) else (ATOMS[VARIABLES[str(lit)]], False)

    kept = []
    for lit in literals:
        atom, negated = parts(lit)
        implied = any(implies(*parts(other), atom, not negated) for other in literals if other is not lit)
        if not implied:
            kept.append(lit)
    return tuple(kept)


# ---------------------------------------------------------------------------- printing

def render(expr: Boolean, outer: int) -> str:
    """C spelling; `outer` is the binding of the context (0 top, 1 inside ||, 2 inside &&)."""
    if expr is true:
        return "true"
    if expr is false:
        return "false"
    if isinstance(expr, Not):
        inner = expr.args[0]
        return f"!{inner}" if isinstance(inner, Symbol) else f"!({render(inner, 0)})"
    if isinstance(expr, Or):
        text = " || ".join(sorted(render(a, 1) for a in expr.args))
        return f"({text})" if outer >= 1 else text
    if isinstance(expr, And):
        text = " && ".join(sorted(render(a, 2) for a in expr.args))
        return f"({text})" if outer >= 1 else text
    return str(expr)
