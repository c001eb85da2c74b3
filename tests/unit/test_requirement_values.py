"""Values only keys give, in lighttpd's shape (tests/fixtures/plugvalues, written for srcscan):
a local set only under a key's test, and a key's parser also run on the daemon's own constant
default."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plugvalues")


def test_a_local_set_only_under_a_keys_test_needs_that_key(catalog):
    # `struct passwd *pwd = NULL; if (srv->srvconf.username) { if (NULL == (pwd = getpwnam(...)))
    # ... }` then `if (NULL != pwd) { ... setuid() ... }` (lighttpd's server.c)
    assert requires(catalog, "setuid()") == (("server.username",),)
    # grp is looked up for server.groupname, or for server.username's group
    assert requires(catalog, "setgid()") == (("server.groupname",), ("server.username",))


def test_a_local_set_under_a_test_of_the_run_tells_nothing(catalog):
    assert requires(catalog, "home is %s") == ()


def test_a_keys_parser_given_the_daemons_constant_default_needs_the_key(catalog):
    # accesslog_parse_format(cpv->v.b->ptr, ...) in accesslog.format's case, and
    # accesslog_parse_format(fmt, sizeof(fmt) - 1) with `static const char fmt[] = "..."`
    # when no format was given (lighttpd's mod_accesslog.c)
    assert requires(catalog, "too many fields (>= 127) in accesslog.format") == (("accesslog.format",),)
    assert requires(catalog, "%% must be followed by a format-specifier") == (("accesslog.format",),)


def test_a_constant_no_keys_value_reaches_keeps_its_messages(catalog):
    # accesslog_open("/dev/null"): no call passes it a key's value
    assert requires(catalog, "opening log '%s' failed") == ()


def test_a_key_editing_its_list_through_a_local_copy_fills_no_field(catalog):
    # forward.headers' case: `*(const array **)&a = cpv->v.a; ... data_string * const ds =
    # a->data[j]; ds->ext = header_key_get(&ds->value);` edits the key's own entries (lighttpd's
    # mod_extforward.c); mod_vhost.c's `!buffer_is_blank(&ds->value)` reads its own key's entries
    assert requires(catalog, "vhost: option too long") == (("vhost.sql",),)
    assert requires(catalog, "vhost: query %s") == (("vhost.sql",),)


def test_a_local_struct_the_keys_fill_keeps_their_effects(catalog):
    # `*(void **)&conf.conf_cmd = cpv->v.v` writes a field of conf: conf.engine, copied to
    # sock_is_tls, is still tls.engine's
    assert requires(catalog, "tls: accepted a connection") == (("tls.engine",),)


def test_a_feature_switch_off_by_default_is_needed(catalog):
    # `network_mptcp = config_feature_bool(srv, "server.network-mptcp", 0)`, then `if
    # (network_mptcp && ...)` (lighttpd's network.c); a direct test of the call too
    assert requires(catalog, "socket() IPPROTO_MPTCP") == (("server.feature-flags=server.network-mptcp",),)
    assert requires(catalog, "graceful restart in the background") == \
        (("server.feature-flags=server.graceful-restart-bg", "server.feature-flags=ssl.refresh-certs"),)


def test_a_feature_switch_on_by_default_tells_nothing(catalog):
    # `const int jit = config_feature_bool(srv, "server.pcre_jit", 1); if (jit)`
    assert requires(catalog, "pcre jit is on") == (("server.feature-flags=ssl.refresh-certs",),)
