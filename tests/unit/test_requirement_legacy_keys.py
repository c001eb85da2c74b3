"""Keys of lighttpd 1.4.19's key tables (tests/fixtures/legacykeys, written for srcscan in the
shape of 1.4.19's mod_fastcgi.c, mod_rewrite.c and server.c, and 1.4.69's mod_gnutls.c): flags on by default, fields of
another struct with the key's field name, and lists a counting loop walks (issue 12's
reference comparison with session 6: R-L7, R-L8)."""

from pathlib import Path

import pytest

from tests.conftest import only_message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "legacykeys", FIXTURES / "legacykeys.toml", tmp_path_factory.mktemp("legacykeys"))


def requires(catalog, text):
    return only_message(catalog, text).requires


def test_a_flag_on_by_default_is_zero_only_when_its_key_turns_it_off(catalog):
    # `host->check_local = 1;` in mod_gw_set_defaults, then `&(host->check_local)` in the key table
    assert requires(catalog, "gw: not checking the file of %s") == (("!check-local",),)
    assert requires(catalog, "gw: handling %s without its file") == (("!check-local",),)
    # set by default: its test needs nothing
    assert requires(catalog, "gw: looking for the file of %s") == ()


def test_another_structs_field_set_by_the_defaults_function_is_no_default_of_the_key(catalog):
    # `proc->port = host->port + 1` (a gw_proc) is no default of the host's `port`, and main()'s
    # `srv->srvconf.port = 0` no reset of it: `host->port == 0` needs `port` not given
    assert requires(catalog, "gw: port has to be set for %s") == (("!port", "!socket", "host"),)
    # server.port's own field is still reset by main(): its test needs nothing
    assert requires(catalog, "server: no port, using the default") == ()


def test_a_counting_loop_over_a_list_the_key_fills_needs_the_key(catalog):
    # `size_t i; for (i = 0; i < conf.rewrite->used; i++)`: the list is allocated by default,
    # and only parse_rules(ca, "gw.rewrite") fills it
    assert requires(catalog, "gw: error while matching %s") == (("gw.rewrite",),)


def test_a_local_the_last_assignment_before_the_test_decides_reads_that_field(catalog):
    # `d = tls_conf.ca_file; ... d = tls_conf.crl_file; if (NULL != d && ...)` (lighttpd 1.4.69's
    # mod_gnutls_verify_set_tlist): at the test `d` is the CRL list, not the CA list
    assert requires(catalog, "tls: cannot load the revocation list %s") == (("tls.ca-crl-file",),)
