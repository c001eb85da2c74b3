"""Issue "every answer true": file statics, zero at start, that hold a value only once a store
whose value may be non-zero ran: keepalived 2.x's lib/process.c keeps `cur_rt_priority` and
`max_rt_priority`, set from set_process_priorities()'s parameters, which the children pass
from the *_rt_priority and max_auto_priority keywords' fields (0 without them). A test that
such a static is set needs what one of its stores needs: the store's function reached, its
guards, and the stored value non-zero (a parameter: read in each caller with its argument),
worked out to a fixed point (`cur_rt` is also stored under a test of `max_rt`).
tests/fixtures/reqk-rtvalues is written for this test, with reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-rtvalues"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-rtvalues", tmp_path_factory.mktemp("rtvalues"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("cannot raise priority", {("max_auto",), ("rt_priority",)}),   # needed nothing
    ("cannot reset priority", {("max_auto",), ("rt_priority",)}),   # needed nothing
    ("raised priority to %u", {("max_auto",)}),                     # needed nothing
    ("loop %u", set()),                                             # set on every pass
])
def test_static_set_from_keyword_values(catalog, text, wanted):
    assert {tuple(a) for a in only_message(catalog, text).requires} == wanted
