"""A test clang cannot type in one build profile (a platform's header missing) and types in
another parse of the same function (tests/fixtures/plugplatform, written for srcscan)."""

from tests.conftest import fixture_catalog, only_message, requires_of as requires

catalog = fixture_catalog("plugplatform")


def test_a_test_only_another_build_can_type_is_read_as_that_build_types_it(catalog):
    # `if (AF_UNIX == family)` with AF_UNIX from <winsock2.h> on _WIN32 (lighttpd 1.4.85's
    # network.c:510): the _WIN32 parse keeps it as text, the default one types it
    assert requires(catalog, "unix socket in use: %s") == (("server.bind",),)
    assert requires(catalog, "connect to unix socket failed: %s") == (("server.bind",),)
    assert only_message(catalog, "testing unix socket failed: %s").build == "defined(_WIN32)"
    assert requires(catalog, "testing unix socket failed: %s") == (("server.bind",),)
