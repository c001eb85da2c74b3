"""A function whose every use a parse with errors dropped (srcscan.analyze.skippedcallers.
dropped_callers), on tests/fixtures/droppedcall: conn_error_cb() is handed to a library and
called by dbconf_setup() only in statements naming a type of a header the build lacks, and
dbconf_setup() runs under -d (lighttpd 1.4.85's mod_vhostdb_dbi_error_callback() and
mod_authn_sasl_cb_log(), which read 'appears by default')."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("droppedcall")


def test_a_function_named_only_in_dropped_statements_needs_what_their_function_needs(catalog):
    assert only_message(catalog, "database %s set up").requires == (("-d",),)
    assert only_message(catalog, "connecting to the database failed: %s").requires == (("-d",),)


def test_it_says_the_parse_dropped_the_uses(catalog):
    (note,) = only_message(catalog, "connecting to the database failed: %s").uncertain
    assert "used only in code the parse dropped" in note
    assert "main.c:22 in dbconf_setup()" in note
    assert only_message(catalog, "database %s set up").uncertain == ()


def test_a_use_in_a_function_no_call_reaches_gives_nothing(catalog):
    # weight_write_cb() is handed on only by table_handler(), which only a dropped table names:
    # its requirement is not known, so set_weight() keeps main()'s -d (keepalived's
    # check_snmp_realserver_weight() calling update_svr_wgt())
    assert only_message(catalog, "weight set to %d").requires == (("-d",),)
