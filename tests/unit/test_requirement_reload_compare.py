"""Rows the audit of keepalived 2.3.4 found with no requirement: a reload's comparison of the old
configuration with the new one (main.c:785 `!!old_global_data->network_namespace !=
!!global_data->network_namespace`: one of them is set, so net_namespace was given at least once;
conditions.condition, optiontests.truth_difference), and a field a keyword sets whose only other
store replaces the keyword's placeholder (main.c:453's reload file: init_global_data() stores a
path only `if (data->reload_file == DEFAULT_RELOAD_FILE)`, so the field is set only with the
reload_file keyword; keywords._replaces_set_value). tests/fixtures/reqk-childonly is a
keepalived-shaped tree written for this test, with reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

from srcscan.analyze.optiontests import truth_difference
from srcscan.cexpr import Binary, Name, Unary

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-childonly"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-childonly", tmp_path_factory.mktemp("childonly"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("Cannot change network namespace at a reload", [["net_namespace"]]),  # given in one of the two
    ("network namespace kept", []),                     # after `if (!!a != !!b) return;`: not never
    ("namespace given both times or neither", []),      # `!a != !!b`: both or neither, not read
    ("Failed to create reload file %s", [["reload_file"]]),  # the other store needs it set already
    ("timer expired late", [["@worker", "worker"]]),    # only the child's start stores the delay
    ("loop turned", []),
])
def test_reload_rows(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted


def _nots(e, n):
    for _ in range(n):
        e = Unary("!", e)
    return e


@pytest.mark.parametrize("left, right, found", [
    (2, 2, True), (1, 1, True), (1, 3, True),   # each side 0 or 1, the same way round
    (1, 2, False), (0, 0, False), (0, 2, False),  # `!a != !!b`; `a != b` compares values
])
def test_truth_difference(left, right, found):
    a, b = Name("a", "var"), Name("b", "var")
    assert (truth_difference(Binary("!=", _nots(a, left), _nots(b, right))) == (a, b)) is found
