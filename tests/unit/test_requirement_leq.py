"""CUDD's containment tests (srcscan.requirement_leq) answer as the built formulas do."""

import random

from srcscan.requirement import Requirement
from srcscan.requirement_atoms import COMPARE, MANAGER, care_set
from srcscan.requirement_leq import compare


def _random_formulas(seed: int, count: int) -> list[Requirement]:
    """Formulas over atoms of a few options, several with levels (so that the care set is not TRUE)."""
    atoms = ["-leq-a", "-leq-a>=2", "-leq-a>=3", "leq.b==1", "leq.b==2", "-leq-c", "leq.d", "leq.d=x"]
    rng = random.Random(seed)

    def formula(depth: int) -> Requirement:
        if depth == 0:
            a = Requirement.atom(rng.choice(atoms))
            return ~a if rng.random() < 0.5 else a
        left, right = formula(depth - 1), formula(depth - 1)
        return left & right if rng.random() < 0.5 else left | right

    return [formula(rng.randint(0, 3)) for _ in range(count)]


def test_the_installed_dd_reaches_cudds_tests():
    """dd.cudd is what srcscan installs (pyproject: dd>=0.6): the layout check passes, so the
    analyses use the tests that build nothing."""
    assert COMPARE is not None


def test_the_answers_are_the_built_formulas():
    fs = _random_formulas(24, 60)
    care = care_set()
    assert care != MANAGER.true  # the level facts of -leq-a and leq.b, and leq.d=x implies leq.d
    for f, g in zip(fs, fs[1:] + fs[:1]):
        assert COMPARE.leq(f._f, g._f) == ((g._f | ~f._f) == MANAGER.true)
        assert COMPARE.leq_not(f._f, care) == ((f._f & care) == MANAGER.false)
        assert COMPARE.equal_on(f._f, g._f, care) == ((((f._f & ~g._f) | (~f._f & g._f)) & care) == MANAGER.false)
        assert f.is_false == ((f._f & care) == MANAGER.false)
        assert f.is_true == ((f._f | ~care) == MANAGER.true)


def test_equal_under_the_care_set_only():
    """`-leq-a>=2 && -leq-a` is `-leq-a>=2` over the settings that can happen, not as diagrams."""
    both = Requirement.atom("-leq-a>=2") & Requirement.atom("-leq-a")
    assert both == Requirement.atom("-leq-a>=2") and both._f != Requirement.atom("-leq-a>=2")._f
    assert (Requirement.atom("-leq-a>=2") & ~Requirement.atom("-leq-a")).is_false


def test_another_manager_type_gets_none():
    from dd.autoref import BDD

    assert compare(BDD()) is None
    assert compare(object()) is None


def test_a_node_of_another_manager_is_refused_not_walked():
    """A foreign manager's node would make CUDD walk another diagram (a crash): refused as dd's
    own operators refuse it."""
    import pytest
    from dd.cudd import BDD

    other = BDD()
    other.declare("x")
    mine = Requirement.atom("-leq-a")._f
    with pytest.raises(ValueError):
        COMPARE.leq(mine, other.var("x"))
    with pytest.raises(ValueError):
        COMPARE.equal_on(mine, mine, other.true)
