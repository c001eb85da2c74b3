"""Issue "every answer true": lists and flag bits only one keyword fills. A list_for_each_entry()
walk of an instance's `evip` list (`&vip->e_list != (&current_vrrp->evip)`), which only
virtual_ipaddress_excluded fills, finds an entry only with that keyword, whichever handler's
helper walks it (analyze.keywordlists.list_walk). keepalived's VRRP_FLAG_UNICAST is set by `__set_bit` in the start-up only when the unicast_peer list is not
empty, so a test of it needs unicast_peer; a list_for_each_entry() walk is a loop whose test
(`&vrrp->e_list != &instances`) compares two addresses, a value of the run, not a constant
(tests/fixtures/reqc-lists, a keepalived-shaped tree written for this test, with reqk-blocks'
keyword parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-lists"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqc-lists", tmp_path_factory.mktemp("lists"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    # a walk of a list only one keyword fills, in a helper both handlers call (keepalived's vip_is_duplicate())
    ("(%s): VIP duplicates an excluded VIP %s", [["virtual_ipaddress_excluded", "vrrp_instance"]]),
    ("(%s): VIP duplicates a VIP %s", [["virtual_ipaddress", "vrrp_instance"]]),
    ("   Unicast peers of %s :", [["unicast_peer", "vrrp_instance"]]),   # a bit only __set_bit under a list test sets
    # a walk of a list no keyword fills is a test of the run: `&vrrp->e_list != &instances`
    # compares two addresses, no constant (it read as 1 != 1, "never", before)
    ("   Instance %s complete", [["vrrp_instance"]]),
])
def test_lists_and_bits_one_keyword_fills(catalog, text, wanted):
    assert sorted(sorted(a) for a in only_message(catalog, text).requires) == wanted
