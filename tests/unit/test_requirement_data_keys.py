"""Keys that give data, in lighttpd's shape (tests/fixtures/plugdata, written for srcscan): code
that runs only where a module created its per-request context, keys read through a local
given the key's value in its case, code several modules share (each request runs with one
module's keys), a core key that command-line options reset, and backends a key's value picks."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plugdata")


def test_code_taking_a_context_needs_what_creating_it_needs(catalog):
    # be_write_error(handler_ctx *hctx): hctx is created only in be_check, after its
    # `if (NULL == pconf->exts) return;` (exts: gamma.server or delta.server)
    assert requires(catalog, "backend write failed in state %d") == (("delta.server",), ("gamma.server",))


def test_code_after_a_context_test_needs_what_creating_it_needs(catalog):
    # `handler_ctx *hctx = r->ctx; ... if (NULL == hctx) return;`: only what follows the test
    assert requires(catalog, "subrequest for status %d") == ()
    assert requires(catalog, "backend subrequest running") == (("delta.server",), ("gamma.server",))


def test_shared_code_reads_the_keys_of_the_modules_calling_it_one_module_at_a_time(catalog):
    # hctx->debug copies the calling module's debug key: never mod_vh's `debug` field, and
    # never gamma's debug level with delta's list of servers
    assert requires(catalog, "backend write traced") == (("delta.debug>=3", "delta.server"),
                                                         ("gamma.debug>=3", "gamma.server"))
    assert requires(catalog, "vh debugging") == (("vh.debug",),)


def test_a_local_given_a_key_in_its_case_reads_that_key(catalog):
    # `case 1: /* xxxxx.debug */ debug = (int)cpv->v.u;` in the shared file names the key with a
    # placeholder: any calling module's key of that name; passed on to be_restart(debug)
    assert requires(catalog, "proc restart traced") == (("delta.debug>=3", "delta.server"),
                                                        ("gamma.debug>=3", "gamma.server"))


def test_a_key_options_reset_to_zero_is_no_requirement_when_zero(catalog):
    # -1 sets srvconf.max_worker back to 0: `0 == srvconf.max_worker` holds with the key too
    assert requires(catalog, "running as a single process") == ()
    assert requires(catalog, "starting %d workers") == (("server.max-worker",),)
    assert requires(catalog, "one-shot disables server.max-worker") == (("-1", "server.max-worker"),)


def test_a_backend_runs_only_when_the_key_names_it(catalog):
    # [[config.selected]]: ldap_query is the "ldap" backend's handler
    assert requires(catalog, "ldap: bind failed for status %d") == (("auth.backend=ldap",),)


def test_an_older_key_name_read_as_the_new_one_is_an_alternative(catalog):
    # `case 1: /* zip.filetype */ ... cpv->k_id = 0;` (lighttpd's compress.filetype, read as
    # deflate.mimetypes): what zip.mimetypes fills, zip.filetype fills too
    assert requires(catalog, "compressing") == (("zip.filetype",), ("zip.mimetypes",))
    assert requires(catalog, "DEPRECATED: zip.filetype replaced with zip.mimetypes") == (("zip.filetype",),)


def test_a_test_of_the_key_index_outside_a_switch_reads_the_key(catalog):
    # `if (cpv->k_id != 0) continue; /* k_id == 0 for zip.mimetypes */`: an entry of that key
    assert requires(catalog, "refreshing mimetypes") == (("zip.mimetypes",),)


def test_a_key_value_is_run_with_and_added_by_its_key(catalog):
    from srcscan.query import Query, as_run_with, run_query

    kept = as_run_with(catalog, ("auth.backend=ldap",))
    assert "ldap: bind failed for status %d" in {m.format for m in kept.messages}
    assert "ldap: bind failed for status %d" not in {m.format for m in as_run_with(catalog, ("auth.backend=pam",)).messages}
    assert "ldap: bind failed for status %d" in {m.format for m in run_query(catalog, Query(adds="auth.backend"))}


def test_a_key_index_other_than_one_reads_the_other_keys_of_the_nearest_switch(catalog):
    # `if (!is_socket_scope && cpv->k_id != 1)` in the loop over the socket keys: an entry of
    # one of the socket keys other than sock.pemfile (the list holds the keys given only), read
    # in the switch of that loop, not in the module's own keys' switch before it
    assert requires(catalog, "%s is valid only in a socket scope") == (("sock.ciphers",), ("sock.engine",))
