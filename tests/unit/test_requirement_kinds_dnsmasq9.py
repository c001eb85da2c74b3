"""dnsmasq's shapes, session 24 (tests/fixtures/dnsm-kinds9, rules dnsm-kinds9.toml): char array
fields only the C library's string copies fill (analyze.arraystores); each test fails on the code
before its kind."""

from conftest import fixture_catalog, only_message

catalog = fixture_catalog("dnsm-kinds9")


def test_a_first_character_test_of_an_array_field_only_copies_fill_needs_a_copy_of_a_nonempty_string(catalog):
    # `s->interface[0] != 0`: filled only by safe_strncpy(s->interface, interface, ...) in
    # add_server(), given NULL by reload_servers() and --server's local array by one_opt()
    assert only_message(catalog, "using server via %s").requires == (("-S",),)
    assert only_message(catalog, "using server").requires == ()


def test_an_array_field_a_call_srcscan_does_not_read_may_fill_keeps_no_requirement(catalog):
    # gethostname(conf->peer->name, ...) may fill it: the test stays a run-time one, not -P's copy
    assert only_message(catalog, "peer %s").requires == ()


def test_an_array_field_whose_element_is_written_keeps_no_requirement_of_its_copies(catalog):
    # `conf->tagged->tag[0] = 'x'` may make it non-empty: not only -T's copy
    assert only_message(catalog, "tag %s").requires == ()
