"""A test of a field of a struct calloc() just zeroed never holds (analyze.zeroed), and only
then: a write of the field, a call handed the struct, an alias or a loop keep it a run-time test.
The tree: the precision case zeroed-allocation's common.h and mod_proxy.c (plugin-style config
keys) with tests/fixtures/zeroed/gw_backend.c in place of the case's own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from srcscan.analyze.zeroed import _names
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"
NEVER = ("zeroed: never", "zeroed in a conjunction: never", "zeroed by a wrapper: never")
RUN_TIME = ("zeroed, negated: always", "written since: proxy.debug", "handed to a call: run-time",
            "aliased: run-time", "in a loop after a call: run-time", "malloc, not zeroed: run-time",
            "a constructor writes it: run-time")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = tmp_path_factory.mktemp("zeroed")
    for name in ("common.h", "mod_proxy.c"):
        shutil.copy(FIXTURES / "precision" / "zeroed-allocation" / name, tree / name)
    shutil.copy(FIXTURES / "zeroed" / "gw_backend.c", tree / "gw_backend.c")
    return tree_catalog(tree, FIXTURES / "precision" / "plugin-rules.toml", tmp_path_factory.mktemp("cache"))


def test_a_call_read_from_text_hands_over_only_the_whole_identifier():
    assert _names("gw_init(fresh, 1)", "fresh")
    assert not _names("gw_init(fresh2, 1)", "fresh")
    assert not _names("gw_init(my_fresh)", "fresh")


@pytest.mark.parametrize("text", NEVER)
def test_field_of_a_just_zeroed_struct_never_holds(catalog, text):
    m = only_message(catalog, text)
    assert m.requires == (("false",),)
    assert any("zeroed it" in str(d) for d in m.derivation), m.derivation


@pytest.mark.parametrize("text", RUN_TIME)
def test_field_that_may_have_been_written_stays_a_run_time_test(catalog, text):
    assert only_message(catalog, text).requires != (("false",),)
