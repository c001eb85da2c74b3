"""A test of a field of a struct calloc() just zeroed never holds (analyze.zeroed), and only
then: a write of the field, a call handed the struct, an alias or a loop keep it a run-time test.
The tree: tests/fixtures/zeroed (plugin-style config keys, as in the precision cases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"
NEVER = ("zeroed: never", "zeroed in a conjunction: never", "zeroed by a wrapper: never")
RUN_TIME = ("zeroed, negated: always", "written since: proxy.debug", "handed to a call: run-time",
            "aliased: run-time", "in a loop after a call: run-time", "malloc, not zeroed: run-time",
            "a constructor writes it: run-time")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "zeroed", FIXTURES / "precision" / "plugin-rules.toml",
                        tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text", NEVER)
def test_field_of_a_just_zeroed_struct_never_holds(catalog, text):
    m = only_message(catalog, text)
    assert m.requires == (("false",),)
    assert any("zeroed it" in str(d) for d in m.derivation), m.derivation


@pytest.mark.parametrize("text", RUN_TIME)
def test_field_that_may_have_been_written_stays_a_run_time_test(catalog, text):
    assert only_message(catalog, text).requires != (("false",),)
