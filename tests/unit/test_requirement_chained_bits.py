"""Issue 13 (keepalived 2.3.4 vrrp_scheduler.c:1098 `Unknown VRID(%d) received on interface(%s)
from %s. ignoring...`): a flag bit set only under a test of another bit needs what that bit
needs (vrrp.c:4634 sets VRRP_FLAG_UNICAST_DUPLICATE_VRID only under a test of VRRP_FLAG_UNICAST,
set only for a non-empty unicast_peer list at vrrp.c:3246). tests/fixtures/reqc-chainbits, a
keepalived-shaped tree written for this test, with reqk-blocks' keyword parser and reqc-lists'
list.h."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-chainbits"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqc-chainbits", tmp_path_factory.mktemp("chain"), "list.h")
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("Unknown VRID(%d) on a duplicated instance %s", [["unicast_peer", "vrrp_instance"]]),  # set under a test of a set bit
    ("VRID(%d) seen on %s", [["vrrp_instance"]]),  # set in both branches of that test
])
def test_bit_set_under_a_test_of_another_bit(catalog, text, wanted):
    assert sorted(sorted(a) for a in only_message(catalog, text).requires) == wanted
