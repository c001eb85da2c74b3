"""dnsmasq's shapes, session 24 (tests/fixtures/dnsm-kinds9, rules dnsm-kinds9.toml): char array
fields only the C library's string copies fill (analyze.arraystores); each test fails on the code
before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds9"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds9.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds9") / "cache", ()).catalog


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_a_first_character_test_of_an_array_field_only_copies_fill_needs_a_copy_of_a_nonempty_string(catalog):
    # `s->interface[0] != 0`: filled only by safe_strncpy(s->interface, interface, ...) in
    # add_server(), given NULL by reload_servers() and --server's local array by one_opt()
    assert message(catalog, "using server via %s").requires == (("-S",),)
    assert message(catalog, "using server").requires == ()


def test_an_array_field_a_call_srcscan_does_not_read_may_fill_keeps_no_requirement(catalog):
    # gethostname(conf->peer->name, ...) may fill it: the test stays a run-time one, not -P's copy
    assert message(catalog, "peer %s").requires == ()


def test_an_array_field_whose_element_is_written_keeps_no_requirement_of_its_copies(catalog):
    # `conf->tagged->tag[0] = 'x'` may make it non-empty: not only -T's copy
    assert message(catalog, "tag %s").requires == ()
