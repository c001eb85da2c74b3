"""Issue "every answer true": tables of callbacks only a keyword's handler hands over.
keepalived's check_tcp.c keeps dump_tcp_check in `static const checker_funcs_t
tcp_checker_funcs`, which only TCP_CHECK's handler names (`queue_checker(&tcp_checker_funcs,
...)`), and the -d dump calls it through the table's `dump_func` field: its lines need
TCP_CHECK, not -d alone (tests/fixtures/reqc-tables, a keepalived-shaped tree written for this
test, with reqk-blocks' keyword parser). A table main() hands over whatever the configuration
says, or one named where srcscan cannot see (a comment), still needs nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-tables"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqc-tables", tmp_path_factory.mktemp("tables"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("tcp check dump", [["TCP_CHECK"]]),   # its table is named only in TCP_CHECK's handler
    ("builtin check dump", []),           # main() hands its table over
    ("misc check dump", []),              # its table's name is also in a comment
])
def test_tables_a_handler_hands_over(catalog, text, wanted):
    assert [sorted(a) for a in only_message(catalog, text).requires] == wanted
