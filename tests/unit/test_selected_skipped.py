"""A module's file the rules select (`[[config.selected]]` with `files`: lighttpd's mod_gnutls.c
runs only with `server.modules=mod_gnutls`) keeps that selection for its code that only skipped
preprocessor branches hold or call (tests/fixtures/plugskipped, written for srcscan)."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("plugskipped")


def test_a_function_no_parse_holds_needs_what_the_rules_select_its_file_by(catalog):
    # lighttpd 1.4.85's mod_gnutls_ssl_conf_dhparameters(), wholly under `#if
    # GNUTLS_VERSION_NUMBER < 0x030600`: its messages are read from the text
    message = only_message(catalog, "tlsold: dh params generate failed")
    assert message.extracted == "text"
    assert message.requires == (("server.modules=mod_tlsold",),)
    (note,) = message.uncertain
    assert "no parse holds mod_tlsold_dh_generate()" in note


def test_a_function_only_a_skipped_call_reaches_keeps_its_files_selection(catalog):
    # lighttpd 1.4.85's mod_mbedtls_SNI(), called only under MBEDTLS_SSL_SERVER_NAME_INDICATION
    # in mod_mbedtls_cert_cb(), a callback the TLS library runs
    assert only_message(catalog, "tlsold: empty server name").requires == (("server.modules=mod_tlsold",),)
