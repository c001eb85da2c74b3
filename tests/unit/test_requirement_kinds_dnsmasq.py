"""Kinds of `requires` found wrong in dnsmasq 2.90 by the session-14 audit, each on a small tree
written for srcscan (tests/fixtures/dnsm-kinds), read with the generic fixture rules only."""

from pathlib import Path

import pytest

from srcscan.model import Inherited
from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "dnsm-kinds", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("dnsm-kinds") / "cache")


def test_a_definition_no_parse_holds_needs_what_the_calls_of_its_name_need(catalog):
    """sets_pf.c defines sets_init() for systems the tree is not read on (dnsmasq's tables.c
    add_to_ipset beside ipset.c's): its message, read from the text, needs what main()'s call
    of sets_init() needs (-s), as the parsed definition's does."""
    parsed, text = only_message(catalog, "cannot open the set socket"), only_message(catalog, "cannot open the pf device")
    assert text.extracted == "text" and parsed.extracted == "parse"
    assert text.requires == parsed.requires == (("-s",),)
    assert any(isinstance(d, Inherited) and d.function == "sets_init" for d in text.derivation)
