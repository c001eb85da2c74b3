"""Issue "every answer true": a local given one of two fields by a choice (keepalived 2.x's
do_rs_notifies(): `notify_script = rs->alive ? rs->notify_up : rs->notify_down;` then `if
(notify_script) system_call_script(...)`) holds what one of the fields holds: a test of it needs
what a test of either field needs (analyze.lastwrite.choice_at_line, optiontests._formula); a
call of a function returning a field (get_igscript(): `return vrrp->script;`) is set only when
the field is (codetests._held_value).
tests/fixtures/reqk-choices is a keepalived-shaped tree written for this test, with reqk-blocks'
keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-choices"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-choices", tmp_path_factory.mktemp("choices"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("running notify script %s", [["notify_down"], ["notify_up"]]),  # either keyword's script
    ("direct test", [["notify_up"]]),
    ("up script %s", [["notify_up"]]),                                # a function returning the field
    ("server weight %d", []),                                         # fields no keyword sets
])
def test_choice_of_two_fields(catalog, text, wanted):
    assert sorted(list(a) for a in only_message(catalog, text).requires) == wanted
