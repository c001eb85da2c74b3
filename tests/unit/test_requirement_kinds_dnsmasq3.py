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


def test_an_option_bit_code_sets_under_another_options_bit(catalog):
    # read_opts() sets OPT_NOWILD after the option loop under option_bool(OPT_LOCALHOST), which
    # --local-service=host sets: a test that the bit is set has it as an alternative; a test
    # that it is clear does not need it not given (the code's own test may leave the bit off).
    assert requires(catalog, "bound to interfaces") == (("--bind-interfaces",), ("--local-service=host",))
    assert requires(catalog, "wildcard listener") == (("!--bind-interfaces",),)


def test_a_callback_stored_in_a_library_structs_field_needs_what_the_store_needs(catalog):
    # bus_init() (under --enable-bus) stores bus_disconnect_cb in ctx->connection_lost, which
    # only the library calls: the callback runs only after that store.
    assert requires(catalog, "cannot reconnect to the bus") == (("--enable-bus",),)


def test_a_bit_the_function_just_set_is_not_clear(catalog):
    # `p->flags |= PKT_RA;` then `if (!(p->flags & PKT_RA) ...)`: never; a call handed p in a
    # branch that returned before the test changes nothing, one on the way may clear it.
    assert requires(catalog, "peer refused recursion") == (("false",),)
    assert requires(catalog, "answer not authenticated") == ()
    assert requires(catalog, "recursion flag cleared") == ()
