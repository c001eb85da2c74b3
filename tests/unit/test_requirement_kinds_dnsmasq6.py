"""dnsmasq's shapes, session 19 (tests/fixtures/dnsm-kinds6, rules dnsm-kinds6.toml): each
test fails on the code before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds6"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds6.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds6") / "cache", ()).catalog


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_an_entry_field_tested_zero_needs_the_fills_storing_zero(catalog):
    # answer(): `for (r = daemon->recs; r; ...) if (!r->issrv && ...)`: -m's case stores
    # issrv = 0, -W's 1, and read_opts() adds an entry with 0 after its loop under
    # --mx-target or --localmx: <MX> needs -m, -t or --localmx, not -W.
    assert message(catalog, "config %s is <MX>").requires == (("--localmx",), ("-m",), ("-t",))
    assert message(catalog, "config %s is <SRV>").requires == (("-W",),)
    # a test of another field: any entry will do, the parser's own included
    assert message(catalog, "config %s is a record").requires == (("--localmx",), ("-W",), ("-m",), ("-t",))
    assert message(catalog, "started").requires == ()
