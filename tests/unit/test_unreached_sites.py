"""A site no call path reaches says so in uncertain instead of "appears by default"."""

from conftest import fixture_catalog, only_message

catalog = fixture_catalog("unreached")


def test_a_message_no_call_path_reaches_is_not_said_to_appear_by_default(catalog):
    handler = only_message(catalog, "event %d seen")
    assert handler.requires == ()
    assert len(handler.uncertain) == 1 and "no call path" in handler.uncertain[0]
    assert "on_event()" in handler.uncertain[0]


def test_a_message_main_writes_itself_stays_certain(catalog):
    started = only_message(catalog, "starting")
    assert started.requires == () and started.uncertain == ()
