"""A handler handed to a function that stores it in a struct field, run by the event loop
through that field (tests/fixtures/registered, written for srcscan): it runs only once it was
registered, so it needs what its registration needs (lighttpd 1.4.85's stat_cache.c:385
'inotify queue overflow' in stat_cache_handle_fdevent_in(), registered by stat_cache_init_fam()
with fdevent_register() only under server.stat-cache-engine = "inotify"/"fam"), in a daemon
whose rules install no configuration keywords by name."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("registered")


def test_a_handler_registered_only_under_an_option_needs_it(catalog):
    assert requires(catalog, "monitor connection closed") == (("-m",),)
    assert requires(catalog, "monitor queue overflow") == (("-m",),)  # a function only it calls


def test_a_handler_registered_unconditionally_needs_nothing(catalog):
    assert requires(catalog, "listener closed") == ()
