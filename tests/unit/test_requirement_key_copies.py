"""A key's value copied through a local of the defaults function (tests/fixtures/keycopies,
written for srcscan, in the shape of lighttpd's mod_authn_ldap.c): not a default of the field."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("keycopies")


def test_a_field_given_a_key_local_after_the_loop_needs_the_key(catalog):
    # `int starttls = 0; ... case 2: starttls = (int)cpv->v.u; ... s->starttls = starttls;`
    assert requires(catalog, "dir: starttls failed") == (("dir.hostname", "dir.starttls"),)
    assert requires(catalog, "dir: cannot set ca file %s") == (("dir.ca-file", "dir.hostname", "dir.starttls"),)


def test_the_plugins_own_fields_the_key_fills_need_the_key_in_the_defaults_function(catalog):
    # `p->defaults.starttls`, filled by the merge function's case, tested in mod_dir_set_defaults
    assert requires(catalog, "dir: global ca file %s") == (("dir.ca-file", "dir.starttls"),)


def test_a_local_with_a_constant_default_is_a_default(catalog):
    # `long timeout = 2000;` then `s->timeout = timeout;`: set without dir.timeout
    assert requires(catalog, "dir: cannot set timeout") == (("dir.hostname",),)


def test_a_keys_string_copied_through_locals_into_a_fresh_struct_needs_the_key(catalog):
    # `crl = cpv->v.b;` in the cases of both keys, `default_crl` in the global scope's, then
    # `if (NULL == crl) crl = default_crl; c->crl_file = crl->ptr;` (lighttpd's
    # mod_openssl_set_defaults_sockets); `if (c && c->crl_file)` in the refresh
    assert requires(catalog, "tls: reloading revocation list %s") == \
        (("tls.ca-crl-file",), ("tls.verifyclient.ca-crl-file",))


def test_a_directives_function_the_c_code_calls_too_needs_what_those_calls_need(catalog):
    # lighttpd 1.4.19's config_read() parses the -f file with config_parse_file(), which the
    # grammar also runs for an `include` line: the main file needs no `include`
    assert requires(catalog, "opening configfile %s failed") == ()
    # config_parse_cmd(): only the grammar's `include_shell` line runs it
    assert requires(catalog, "include_shell %s failed") == (("include_shell",),)


def test_a_field_main_stores_after_its_option_loop_is_not_a_keys_field_of_the_same_name(catalog):
    # lighttpd 1.4.19's main(): `srv->max_fds = ...` after getopt is a value of the run;
    # `srv->srvconf.max_fds` is server.max-fds's
    assert requires(catalog, "lowering the descriptor limit to %d") == (("server.max-fds",),)
    assert requires(catalog, "many descriptors: %d") == ()
