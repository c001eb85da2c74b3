"""sympy's SOPform (Quine-McCluskey, then its prime-implicant table), the same answer faster.

`sop_form(symbols, minterms, dontcares)` returns exactly what
`sympy.logic.SOPform(symbols, minterms, dontcares)` returns for rows given as lists of 0/1
(tests/unit/test_sopform.py compares them on random tables): the printing of requirements
(requirement_dnf) must not change by a single alternative, and among covers of equal size
SOPform's choice depends on the order its prime implicants are found in, so that order is
kept. What differs is how the primes are found: sympy compares every pair of terms of
neighbouring one-counts (2.9 million pair checks and a list membership test per new term for
keepalived 2.3.4's 1,400 formulas, 5 s); here a term is a pair of bit masks and its partners
are looked up by hash, one per zero bit. The prime-implicant table (sympy's _rem_redundancy)
and the building of the formula are sympy's own.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sympy import Symbol
from sympy.logic.boolalg import Boolean, Or, _convert_to_varsSOP, _rem_redundancy, false

Term = tuple[int, int]  # (positions that are don't-cares, positions that are 1), bit x for row position x


def sop_form(symbols: Sequence[Symbol], minterms: list[list[int]], dontcares: list[list[int]]) -> Boolean:
    """SOPform(symbols, minterms, dontcares) for rows of 0/1 of len(symbols) each, no row in
    both lists (SOPform raises ValueError then; here it is the caller's promise)."""
    if not minterms:
        return false
    n = len(symbols)
    primes = [_row(t, n) for t in _simplified_pairs([_term(r) for r in minterms + dontcares], n)]
    essential = _rem_redundancy(primes, [list(r) for r in minterms])
    return Or(*[_convert_to_varsSOP(x, tuple(symbols)) for x in essential])


def _term(row: Sequence[int]) -> Term:
    return 0, sum(1 << x for x, v in enumerate(row) if v == 1)


def _row(term: Term, n: int) -> list[int]:
    dc, ones = term
    return [3 if dc >> x & 1 else ones >> x & 1 for x in range(n)]


def _simplified_pairs(terms: list[Term], n: int) -> list[Term]:
    """sympy's _simplified_pairs on distinct terms that all have the same don't-care count
    (true of the rows, and of each round's new terms): for each term with k ones, in order,
    its partners with k + 1 ones (the same term with one zero bit set) in their order, each
    pair giving the term with that position a don't-care (first occurrence kept); then the
    same over the new terms, then the terms no pair used, in order."""
    if not terms:
        return []
    where = {t: i for i, t in enumerate(terms)}
    by_ones: dict[int, list[int]] = defaultdict(list)
    for i, (_, ones) in enumerate(terms):
        by_ones[ones.bit_count()].append(i)
    used = [False] * len(terms)
    found: dict[Term, None] = {}
    for k in range(n):
        for i in by_ones.get(k, ()):
            dc, ones = terms[i]
            free = ~(dc | ones)
            partners = sorted((j, bit) for x in range(n) if free >> x & 1
                              for bit in (1 << x,) if (j := where.get((dc, ones | bit))) is not None)
            for j, bit in partners:
                used[i] = used[j] = True
                found.setdefault((dc | bit, ones), None)
    simplified = _simplified_pairs(list(found), n) if found else []
    simplified.extend(t for t, u in zip(terms, used) if not u)
    return simplified
