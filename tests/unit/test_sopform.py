"""sopform.sop_form gives exactly sympy's SOPform answer (the printing of requirements must not change)."""

import itertools
import random

from sympy import symbols
from sympy.logic import SOPform

from srcscan.sopform import sop_form


def test_the_same_answer_as_sympys_sopform_on_random_tables():
    rng = random.Random(15)
    for n in range(1, 8):
        names = symbols(" ".join(f"x{i}" for i in range(n)))
        names = names if isinstance(names, tuple) else (names,)
        rows = [list(r) for r in itertools.product((0, 1), repeat=n)]
        for _ in range(60 if n < 7 else 15):
            kinds = [rng.choice((0, 0, 1, 1, 2)) for _ in rows]  # 0 off, 1 on, 2 don't care
            minterms = [r for r, k in zip(rows, kinds) if k == 1]
            dontcares = [r for r, k in zip(rows, kinds) if k == 2]
            assert sop_form(names, minterms, dontcares) == SOPform(names, minterms, dontcares), (n, minterms, dontcares)


def test_no_minterms_is_false_and_every_row_is_true():
    a, b = symbols("a b")
    assert sop_form((a, b), [], [[0, 1]]) == SOPform((a, b), [], [[0, 1]])
    assert sop_form((a, b), [[0, 0], [1, 1]], [[0, 1], [1, 0]]) == SOPform((a, b), [[0, 0], [1, 1]], [[0, 1], [1, 0]])
