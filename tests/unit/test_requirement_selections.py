"""Keys that lighttpd-shaped code needs through registration tables, flags folded together
and value selections (tests/fixtures/plugselect, written for srcscan)."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plugselect")


def test_a_handler_in_a_function_scope_table_runs_where_its_field_is_called(catalog):
    # `static http_auth_backend_t http_auth_backend_ldap = { "ldap", mod_authn_ldap_basic, NULL,
    # NULL };` fills `basic` by position; mod_auth_check_basic (auth.require=basic) calls
    # `backend->basic` after `if (NULL == backend) return` (lighttpd's mod_authn_ldap.c, mod_auth.c)
    assert requires(catalog, "ldap: ldap_get_dn(): %s") == (
        ("auth.backend=ldap", "auth.require=basic"),)
    assert requires(catalog, "htdigest: no user %s") == (
        ("auth.backend=htdigest", "auth.require=digest"),)


def test_a_function_the_rules_select_keeps_its_value_when_callers_decide(catalog):
    # mod_auth_check_basic's test of its `backend` parameter is decided by its caller, which
    # passes auth.backend's field; it still runs only for auth.require=basic (which implies
    # auth.require, tested by the caller)
    assert requires(catalog, "auth: missing ':' in %s") == (("auth.backend", "auth.require=basic"),)


def test_a_flag_other_keys_set_needs_any_one_of_them(catalog):
    # `if (p->defaults.log_request_handling || p->defaults.log_request_header)
    # p->defaults.log_request_header_on_error = 1;` (lighttpd's configfile.c)
    assert requires(catalog, "invalid character in header: %c") == (
        ("debug.log-request-handling",), ("debug.log-request-header",), ("debug.log-request-header-on-error",))


def test_a_flag_set_when_two_keys_hold_at_once_needs_one_of_them(catalog):
    # `if (a && b) x = 1;`: x is set with a and b; read as "cannot appear unless" each of them
    # is an alternative (weaker than both, never false)
    assert requires(catalog, "state timeouts") == (
        ("debug.log-state",), ("debug.log-state-timeouts",), ("debug.log-timeouts",))


def test_an_option_given_with_a_value_implies_the_option():
    from srcscan.requirement import Requirement
    both = Requirement.atom("auth.backend") & Requirement.atom("auth.backend=ldap")
    assert both.alternatives() == (("auth.backend=ldap",),)
    assert both == Requirement.atom("auth.backend=ldap")
    assert hash(both) == hash(Requirement.atom("auth.backend=ldap"))
    assert (~Requirement.atom("auth.backend") & ~Requirement.atom("auth.backend=ldap")).alternatives() == \
        (("!auth.backend",),)
    assert (~Requirement.atom("auth.backend") & Requirement.atom("auth.backend=ldap")).is_false


def test_a_function_only_a_directive_runs_needs_the_directive(catalog):
    # config_parse_cmd() runs for an `include_shell` line (lighttpd's configparser.y, a lemon
    # grammar): [[config.selected]] with a key and no value
    assert requires(catalog, "include_shell: empty command %s") == (("include_shell",),)


def test_a_value_a_helper_picks_by_name_is_the_key_given_with_that_name(catalog):
    # stat_cache_choose_engine(cpv->v.b) in server.stat-cache-engine's case stores ENGINE_FSMON
    # under `buffer_eq_slen(name, "inotify", ...)` (lighttpd's configfile.c, stat_cache.c)
    assert requires(catalog, "inotify_init1()") == (("server.stat-cache-engine=inotify",),)
    # `if (ENGINE_NONE == sc.engine) return;`: the default (0, zeroed) runs on
    assert requires(catalog, "stat cache lookup") == (
        ("!server.stat-cache-engine=disable", "!server.stat-cache-engine=none"),)
    assert requires(catalog, 'stat-cache-engine can be one of "simple", "inotify", "disable", but not: %s') == (
        ("server.stat-cache-engine",),)


def test_a_field_filled_in_an_else_branch_is_no_fold(catalog):
    # `if (!host->log_timeouts) ... else if (0 == host->log_state) host->log_state = 1;` after
    # the test of log_state (gw_backend.c's `host->port = 80`)
    assert requires(catalog, "state and header") == (("debug.log-request-header", "debug.log-state"),)


def test_a_file_scope_variable_set_only_under_an_option_needs_it(catalog):
    # `if (oneshot_fd) { ... oneshot_fdout = dup(1); }` then `if (oneshot_fdout > 0)
    # oneshot_init_pipe(...)`, with -1 before the getopt loop (lighttpd's server.c)
    assert requires(catalog, "one-shot pipe: same descriptor %d") == (("-1",),)
    # set under a test of the run only
    assert requires(catalog, "restarted under %d") == ()


def test_a_constant_that_passes_stored_only_under_an_option_needs_it(catalog):
    # `shutdown_state = 2` only under `if (idle_limit && ...)`, -i's variable; the signal
    # handler's `shutdown_state = 1` cannot pass `2 == shutdown_state` (lighttpd's server.c:
    # 'server stopped after idle timeout')
    assert requires(catalog, "stopped after idle timeout") == (("-i",),)
    # the signal handler's unguarded write passes `shutdown_state`
    assert requires(catalog, "stopped by a signal") == ()


def test_a_file_the_rules_select_runs_only_with_the_key_value(catalog):
    # `files = ["mod_tlsalt.c"]`: every function of the module's file needs server.modules to
    # name it, its defaults and the callback it hands to a library alike
    assert requires(catalog, "tlsalt: library version is outdated") == (("server.modules=mod_tlsalt",),)
    assert requires(catalog, "tlsalt: no OCSP response") == (("server.modules=mod_tlsalt",),)
