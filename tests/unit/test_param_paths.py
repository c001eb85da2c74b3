"""Review of session 18, finding 4: guardedlocals._param_need kept nothing it read round a cycle
of calls handing a parameter on, so each path was read again: 2^9 paths from leaf() back to
main in tests/fixtures/parampaths (written for this test). Each (function, parameter) is read
once now (Tarjan's components: a cycle's members share the answer of the first one read),
and "leaf on" still needs -v (main passes `!!verbose`)."""

from __future__ import annotations

import pytest
import srcscan.analyze.guardedlocals as guardedlocals
from tests.conftest import FIXTURES, only_message, tree_catalog


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    calls = []
    real = guardedlocals._callers_pass
    patch = pytest.MonkeyPatch()

    def counting(position, index, fn, *args):
        calls.append((fn.key, position))
        return real(position, index, fn, *args)
    patch.setattr(guardedlocals, "_callers_pass", counting)
    try:
        catalog = tree_catalog(FIXTURES / "parampaths", FIXTURES / "parampaths.toml", tmp_path_factory.mktemp("paths"))
    finally:
        patch.undo()
    return catalog, calls


def test_each_parameter_is_read_once(counted):
    _, calls = counted
    assert calls and len(calls) <= 3 * (2 * 9 + 1)  # 19 functions' `on`, each read once per question (6000 before)


def test_a_parameter_handed_round_a_cycle_needs_what_enters_it(counted):
    catalog, _ = counted
    assert [list(a) for a in only_message(catalog, "leaf on").requires] == [["-v"]]
