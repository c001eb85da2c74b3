"""Issue "every answer true": fields keywords' handlers and other code both fill. keepalived's
`vrrp_nf_table_name` is set by the `nftables` keyword's handler and by the VRRP child's start-up
for an instance with strict_mode; `enable_snmp_checker` by its keyword and by
alloc_global_data() under -x. A test that such a field is set needs one of its stores: the
keyword or what the other store needs, not nothing; a test ORed with a constant false needs
what its other tests need; a field a function stores that a keyword's handler hands to a helper
calling it back (keepalived's alloc_value_block(alloc_vrrp_unicast_peer, strvec)) is that
keyword's (tests/fixtures/reqc-shared, a
keepalived-shaped tree written for this test, with reqk-blocks' keyword parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqc-shared"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqc-shared", tmp_path_factory.mktemp("shared"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("nftables table name = %s", [["global_defs", "nftables"], ["strict_mode", "vrrp_instance"]]),
    ("SNMP enabled", [["-x"], ["enable_snmp", "global_defs"]]),
    ("SNMP agent started", [["-x"], ["enable_snmp", "global_defs"]]),   # `enable_snmp || false`
    ("router id = %s", [["global_defs", "router_id"]]),   # only its handler fills it
    ("send advert after lower priority advert", []),      # set whatever the configuration says
    ("unicast peer %s", [["unicast_peer", "vrrp_instance"]]),   # stored by a function the handler hands over
])
def test_fields_keywords_and_code_fill(catalog, text, wanted):
    assert sorted(sorted(a) for a in only_message(catalog, text).requires) == wanted
