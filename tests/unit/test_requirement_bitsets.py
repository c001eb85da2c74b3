"""Keys whose values are parsed into bit sets or lists (tests/fixtures/plugbits, written for
srcscan in lighttpd's shape)."""

from srcscan.formats.template import render_normal
from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plugbits")


def test_a_flag_only_a_keys_list_can_set_needs_the_key(catalog):
    # `return is_forwarded ? fwd_forwarded(...) : fwd_xff(...)`, the flag a [[config.parsed]]
    # value: 0 unless fwd.headers is given (lighttpd's mod_extforward.c, extforward.headers)
    assert requires(catalog, "too many params in Forwarded header") == (("fwd.headers",),)
    assert requires(catalog, "empty X-Forwarded-For header") == ()


def test_a_bit_of_a_value_a_key_fills_whole_needs_the_key(catalog):
    # `pconf->opts & FWD_HOST`, opts being fwd.params' parsed value (0 by default): non-zero
    # only with the key; its negation holds with the key too, so it needs nothing
    assert requires(catalog, "invalid host= value in Forwarded header") == (("fwd.headers", "fwd.params"),)
    assert requires(catalog, "host= not taken from Forwarded header") == (("fwd.headers",),)


def test_a_field_only_a_named_entry_of_a_keys_list_fills_needs_that_entry(catalog):
    # gate_parse_limits(cpv->v.a) stores `limits->read_timeout` only under
    # `buffer_eq_icase_slen(&du->key, "read-timeout", 12)` (lighttpd's mod_cgi.c, cgi.limits)
    found = {render_normal(m.template): m.requires for m in catalog.messages if "timeout on gate" in m.format}
    assert found == {"read timeout on gate (pid: %d)": (("gate.limits=read-timeout",),),
                     "write timeout on gate (pid: %d)": (("gate.limits=write-timeout",),)}
    # `!limits->write_timeout` holds with the entry too (0 given): it needs the list only
    assert requires(catalog, "gate: no write limit") == (("gate.limits",),)
    assert requires(catalog, "unrecognized gate.limits param: %s") == (("gate.limits",),)


def test_a_test_against_a_bound_the_code_just_set_never_holds(catalog):
    # `max_fds = rlim_cur < SETSIZE - 200 ? rlim_cur : SETSIZE - 200` under the same test of
    # the event handler (lighttpd 1.4.19's server.c:715 and :842): never above the bound
    assert requires(catalog, "can't raise max filedescriptors above %d") == (("false",),)
    # the bound itself can be reached; outside the handler's test the other branch's value counts;
    # a function of the tree called in between may change the value
    assert requires(catalog, "at the select() limit") == ()
    assert requires(catalog, "more descriptors than select() takes") == ()
    assert requires(catalog, "adjusted above 100") == ()


def test_a_runtime_test_and_its_negation_written_with_not_equal_are_one_test(catalog):
    # `if (0 == i && !conf.enabled) continue; if (0 != i) continue;`: only the global scope
    # with sock.engine is left (lighttpd's TLS modules: ssl.engine, ssl.pemfile)
    assert requires(catalog, 'sock.pemfile has to be set when sock.engine = "enable"') == (
        ("!sock.pemfile", "sock.engine"),)
    assert requires(catalog, "sock.pemfile has to be set in the same scope") == (("!sock.pemfile",),)



def test_an_implied_key_is_left_out_of_the_checks_before_it_holds(catalog):
    # rules [options] implies sock.engine -> sock.pemfile (lighttpd's TLS modules stop start-up
    # for ssl.engine without ssl.pemfile): a TLS connection's message needs both
    assert requires(catalog, "sock: TLS handshake failed") == (("sock.engine", "sock.pemfile"),)
    # the check enforcing it needs sock.pemfile not given, and the key's own case runs while the
    # configuration is read (lighttpd's configfile.c 'ssl support is missing'): left as they are
    assert requires(catalog, 'sock.pemfile has to be set when sock.engine = "enable"') == (
        ("!sock.pemfile", "sock.engine"),)
    assert requires(catalog, "tls support is missing") == (("sock.engine",),)
    # a start-up check outside the defaults functions: what its function logs before the
    # certificate test does not need one (lighttpd 1.4.19's network_server_init)
    assert requires(catalog, "sock.pemfile has to be set") == (("!sock.pemfile", "sock.engine"),)
    assert requires(catalog, "sock: TLS library init failed") == (("sock.engine",),)
