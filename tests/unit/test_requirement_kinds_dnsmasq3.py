"""dnsmasq's shapes, session 16 (tests/fixtures/dnsm-kinds3, rules dnsm-kinds3.toml): each
test fails on the code before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds3"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds3.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds3") / "cache", ()).catalog


def requires(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m.requires


def test_main_after_its_start_up_check_gets_the_implied_option(catalog):
    # [options] implies --secure -> --trust-anchor: main()'s fail() under --secure is the check;
    # main's sites on later lines run only when it passed, those before it do not.
    assert requires(catalog, "secure mode on") == (("--secure", "--trust-anchor"),)
    assert requires(catalog, "secure mode asked for") == (("--secure",),)
    assert requires(catalog, "started") == ()
