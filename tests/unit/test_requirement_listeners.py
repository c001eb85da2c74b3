"""Keys that lighttpd-shaped code needs through the key tables' own fields, fields of structs
the build cannot declare, values compared with the run's limits and the address a listener
is given (tests/fixtures/pluglisten, written for srcscan)."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("pluglisten")


def test_a_case_of_a_key_type_no_table_has_is_never_logged(catalog):
    # `switch (cpk[i].ktype) case T_CONFIG_UNSUPPORTED:` and no key table has a key of that type
    # (lighttpd's configfile-glue.c, plugin_config.h)
    assert requires(catalog, "ERROR: found unsupported key: %s") == (("false",),)
    # a type some tables have: only for one of their keys, given (lighttpd's "%s should have
    # been a list of key => values like ...": one of the T_CONFIG_ARRAY_KVANY keys)
    assert requires(catalog, "%s should have been a boolean") == (("server.use-ipv6",), ("ssl.verifyclient.activate",))
    assert requires(catalog, "%s should have been an integer") == (("server.max-connections",),)
    # the same label in a switch on another struct's field: its values come from elsewhere
    assert requires(catalog, "value of unexpected type for %s") == ()


def test_a_field_of_a_struct_the_build_cannot_declare_reads_its_key(catalog):
    # `CERTCertList *ssl_ca_file;` from a header the build lacks: clang names no field of the
    # struct, the text does (lighttpd's mod_nss.c: `if (hctx->conf.ssl_verifyclient)`)
    assert requires(catalog, "can't verify client without ssl.ca-file") == (("ssl.verifyclient.activate",),)


def test_a_value_only_a_key_sets_above_a_limit_of_the_run_needs_the_key(catalog):
    # `if (srv->srvconf.max_conns > srv->max_fds / factor)`: 0 unless server.max-connections
    # gives it, and 0 is above no limit (lighttpd's server.c, server_main_setup)
    assert requires(catalog, "reducing server.max-connections (%hu)") == (("server.max-connections",),)
    # the limit above the key's value: holds by default
    assert requires(catalog, "more file descriptors than connections") == ()


def test_an_address_parsed_at_run_time_needs_the_keys_that_give_its_family(catalog):
    # the listener's address is server.bind's value or ":80": IPv4's 0.0.0.0 by default, IPv6's
    # "::" with server.use-ipv6 (the rules' [[config.parsed]]; lighttpd's network.c, sock_addr.c)
    assert requires(catalog, "server socket is still in use: %s") == (('$SERVER["socket"]',), ("server.bind",))
    assert requires(catalog, "setsockopt(TCP_NODELAY)") == ()
    assert requires(catalog, "warning: empty IPv6 address") == (('$SERVER["socket"]',), ("server.bind",))
    # a switch on a parameter is decided by the callers' arguments, as an `if` is, and so is a
    # string parameter compared with a literal: a name to look up needs an address given; the
    # IPv6 wildcard "::" (server.use-ipv6 alone) is no name
    assert requires(catalog, "getaddrinfo failed: %s") == (('$SERVER["socket"]',), ("server.bind",))
    assert requires(catalog, "gethostbyname failed: %s") == (('$SERVER["socket"]',), ("server.bind",))
    assert requires(catalog, "unix socket %s") == (('$SERVER["socket"]',), ("server.bind",))


def test_a_key_compared_with_a_string_needs_the_key_given_that_value(catalog):
    # `buffer_eq_slen(srv->srvconf.bindhost, CONST_STR_LEN("/dev/stdin"))` (lighttpd's server.c)
    assert requires(catalog, "listening on stdin") == (("server.bind=/dev/stdin",),)
    assert requires(catalog, "listening on an address") == (("!server.bind=/dev/stdin",),)


def test_a_field_given_a_value_of_the_run_only_under_a_test_needs_the_test(catalog):
    # `if (buffer_eq_slen(bindhost, "/dev/stdin", ...)) { if (-1 == srv->stdin_fd) srv->stdin_fd =
    # dup(0); }`, then network_init(srv, srv->stdin_fd) and `if (-1 != stdin_fd)` two calls down
    # (lighttpd's server.c and network.c: 'getsockname()')
    assert requires(catalog, "getsockname()") == (("server.bind=/dev/stdin",),)


def test_an_emptiness_test_of_a_parsed_value_needs_the_keys_giving_it(catalog):
    # `str_is_blank(host)` (a rules' emptiness test) on the address, ":80" without a key: only
    # an address given can be empty (lighttpd's "value of $SERVER["socket"] must not be empty")
    assert requires(catalog, "the address must not be empty") == (('$SERVER["socket"]',), ("server.bind",))


def test_a_call_of_a_function_declared_with_a_missing_type_is_a_call(catalog):
    # `static LDAP *mod_authn_ldap_host_init(...)` with no LDAP header: clang keeps
    # `s->ldap = mod_authn_ldap_host_init(errh, s)` without naming the callee; the text names it
    # (lighttpd's mod_vhostdb_ldap.c), so the function runs where that call does
    assert requires(catalog, "ldap: ldap_initialize(%s)") == (("ssl.verifyclient.activate",),)
