"""Audit of session 26 (keepalived 2.3.4 vrrp.c:3720, `(%s) %s %s already exists but is
incompatible`, under `__test_bit(VRRP_VMAC_BIT, &vrrp->flags) || __test_bit(VRRP_IPVLAN_BIT, ...)`
at vrrp.c:3624): a flag bit a keyword's handler sets, also set by code in a vrrp_t of its own
stack (shutdown_vrrp_instances(), clear_diff_vrrp(): `vrrp_t addr_vrrp`, handed to
netlink_link_del_vmac(), which tests the bit), is seen there only: a test in a function no such
object is handed to reads a configured object and needs the keyword. A stack object whose address
is stored may be read anywhere; a bit code clears again (vrrp_parser.c:461) may be clear with the
keyword given. tests/fixtures/reqk-stackbits, a keepalived-shaped tree written
for this test, with reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-stackbits"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-stackbits", tmp_path_factory.mktemp("stackbits"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    # a configured object's bit: the stack object handed to del_vmac() is not seen here
    ("(%s) setting up a vmac or ipvlan", [["use_ipvlan", "vrrp_instance"], ["use_vmac", "vrrp_instance"]]),
    ("(%s) deleting the vmac", []),  # del_vmac() is handed the stack object, its bit set
    ("(%s) shown accepting", [["vrrp_instance"]]),  # the stack object's address is stored in `shown`
    ("(%s) accepting", [["vrrp_instance"]]),  # ... and may be read anywhere
    ("(%s) was not preempting", [["vrrp_instance"]]),  # forget() stores the object it is handed
    ("(%s) not preempting", [["vrrp_instance"]]),
    ("(%s) without an ipvlan", [["vrrp_instance"]]),  # code clears the bit again: use_ipvlan may be given
])
def test_a_bit_set_in_a_stack_object_is_seen_where_it_is_handed(catalog, text, wanted):
    assert sorted(sorted(a) for a in only_message(catalog, text).requires) == wanted
