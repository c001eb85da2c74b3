"""A loop counter is no constant, and a test of a condition block's kind is said
(tests/fixtures/condscope, written for srcscan, in the shape of lighttpd's
config_plugin_values_init): `for (unsigned u = 0; ...; ++u) { ... if (... || 0 == u) continue;`
with a second loop declaring another `u = 0` once read `0 == u` as always true, and every
message after it as "guards contradict"."""

from tests.conftest import fixture_catalog, only_message as message

catalog = fixture_catalog("condscope")

CONTRADICT = "its guards contradict"


def test_a_stepped_loop_counter_is_not_its_first_value(catalog):
    m = message(catalog, "DEPRECATED: do not set global server options within conditions: %s")
    assert not any(CONTRADICT in u for u in m.uncertain)


def test_a_test_of_the_condition_block_is_said(catalog):
    m = message(catalog, "WARNING: %s must be in global scope or $SERVER[\"socket\"] with '==', or else is ignored")
    assert not any(CONTRADICT in u for u in m.uncertain)
    assert any("condition block" in u and "dc->comp != COMP_SERVER_SOCKET" in u for u in m.uncertain)
