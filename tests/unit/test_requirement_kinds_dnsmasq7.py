"""dnsmasq's shapes, session 20 (tests/fixtures/dnsm-kinds7, rules dnsm-kinds7.toml): each
test fails on the code before its kind."""

from pathlib import Path

import pytest

from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"
ROOT = FIXTURES / "dnsm-kinds7"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    rules = load_rules(str(FIXTURES / "dnsm-kinds7.toml"))
    return build_from_tree(rules, SourceTree(ROOT, Provenance("path", str(ROOT), None)),
                           tmp_path_factory.mktemp("kinds7") / "cache", ()).catalog


def message(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m


def test_a_case_shared_with_a_marker_code_needs_the_calls_handing_it_on(catalog):
    # `case LOPT_HOSTLINE: case 'G':` in one_opt(): LOPT_HOSTLINE names no option; only
    # read_hostfile()'s `return one_file(name, LOPT_HOSTLINE);` (called in a walk of the list -H fills)
    # hands it on, through read_file(), to one_opt(): the case needs -G or -H.
    assert message(catalog, "host %s").requires == (("-G",), ("-H",))
    # canonical() parses the values of -s, --synth-domain and of that case: it needs one of them
    assert message(catalog, "could not get memory").requires == (("--synth-domain",), ("-G",), ("-H",), ("-s",))
    assert message(catalog, "started").requires == ()


def test_a_marker_code_stored_in_a_variable_is_not_followed(catalog):
    # LOPT_MARKER is assigned to `pending`: which calls hand it on is not read, and the case
    # keeps its answer (it needs nothing srcscan can name)
    assert message(catalog, "marker %s").requires == ()


def test_the_option_handler_rejecting_a_value_is_said_in_uncertain(catalog):
    # read_opts(): `if (!one_opt(c, optarg))`: one_opt() returns 0 only for a value it cannot
    # parse; no option makes the message appear, and none is needed: `uncertain` says so.
    m = message(catalog, "bad command line options: %s")
    assert m.requires == ()
    (note,) = m.uncertain
    assert "one_opt() rejecting an option or value" in note
    # a helper's result tested the same way is no option handler's
    assert message(catalog, "started").uncertain == ()


def test_a_bit_set_in_a_shared_case_under_a_test_of_the_code_is_that_code_s(catalog):
    # `case 's': case LOPT_SYNTH: ... if (option == 's') { if (strcmp(arg, "#") == 0)
    # set_option_bool(OPT_RESOLV); ...}`: only -s=# sets the bit, --synth-domain never does
    # (analyze.caselabels reads a call's guards as it reads a write's).
    assert message(catalog, "no search directive").requires == (("-s=#",),)
