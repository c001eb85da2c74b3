"""dnsmasq's shapes, session 24 (tests/fixtures/dnsm-kinds8, rules dnsm-kinds8.toml): each
test fails on the code before its kind."""

from conftest import fixture_catalog, only_message

catalog = fixture_catalog("dnsm-kinds8")


def test_a_field_of_the_options_variable_no_code_stores_in_is_zero(catalog):
    # `(daemon->dhcp || option_bool(OPT_TFTP)) && (daemon->lease_change_command || daemon->luascript)`:
    # luascript's only store is not built (no HAVE_LUASCRIPT), so the helper needs --dhcp-script
    assert only_message(catalog, "failed to create helper").requires == (("--enable-tftp", "-6"), ("-6", "-F"))


def test_a_field_whose_address_is_handed_to_a_call_is_not_read_as_zero(catalog):
    # fill(&daemon->runfile) may store in it: the test stays a run-time one
    assert only_message(catalog, "run file %s").requires == ()
    assert only_message(catalog, "started").requires == ()


def test_a_text_builder_call_handing_on_a_field_of_a_walked_local_needs_the_list(catalog):
    # answer_auth(): `log_query(F_AUTH, zone->domain, "<NS>")` after a walk of the list -z fills
    # and an `if (!zone) continue;` the call's guards do not hold: the call runs with zone set
    assert only_message(catalog, "auth %s is <NS>").requires == (("-z",),)
    # the call handing on the parameter reads no field of a local: nothing more
    assert only_message(catalog, "auth %s is NXDOMAIN").requires == ()
    assert only_message(catalog, "reply %s is truncated").requires == ()
