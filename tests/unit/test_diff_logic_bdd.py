"""diff.implied decides its guards' logic with a BDD (the `dd` library): checked against a
truth table over the same tests, with the one rule the tests add (one expression equals one
value at a time), on formulas hypothesis draws."""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings, strategies as st

from srcscan.diff.implied import _atoms, _formula, _satisfiable, without_vacuous_exits

ATOMS = st.one_of(
    st.tuples(st.just("eq"), st.sampled_from(["x", "y", "p->q"]), st.sampled_from([0, 1, 2, "FOO"])),
    st.tuples(st.just("test"), st.sampled_from(["a > 1", "b < 2"])))
FORMULAS = st.recursive(
    st.builds(lambda a: ("atom", a), ATOMS),
    lambda inner: st.one_of(st.builds(lambda f: ("not", f), inner),
                            st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=1, max_size=4))),
    max_leaves=10)


def _truth(f, given):
    if f[0] == "atom":
        return given[f[1]]
    if f[0] == "not":
        return not _truth(f[1], given)
    values = [_truth(p, given) for p in f[1]]
    return all(values) if f[0] == "and" else any(values)


def _by_table(f) -> bool:
    atoms = _atoms(f, [])
    for row in product((True, False), repeat=len(atoms)):
        given = dict(zip(atoms, row))
        held = [a for a, t in given.items() if t and a[0] == "eq" and isinstance(a[2], int)]
        if len({a[1] for a in held}) < len(held):  # x == 1 and x == 2 at once
            continue
        if _truth(f, given):
            return True
    return False


@settings(max_examples=200, deadline=None)
@given(FORMULAS)
def test_satisfiable_agrees_with_the_truth_table(f):
    assert _satisfiable(f) == _by_table(f)


def test_one_expression_holds_one_value_at_a_time():
    assert not _satisfiable(("and", [_formula("x == 1", {}), _formula("x == 2", {})]))
    assert _satisfiable(("and", [_formula("x == 1", {}), _formula("x == FOO", {})]))  # FOO's value unknown
    assert _satisfiable(("and", [_formula("x == 1", {}), _formula("y == 2", {})]))


def test_an_exit_the_other_guards_rule_out_is_dropped():
    guards = ("!(v->version == 3 && v->auth != 0)", "v->version == 2")
    assert without_vacuous_exits(guards) == ("v->version == 2",)
    assert without_vacuous_exits(("!(v->version == 3 && v->auth != 0)", "v->auth != 0")) == \
        ("!(v->version == 3 && v->auth != 0)", "v->auth != 0")
