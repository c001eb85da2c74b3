"""Code a module runs only for requests its keys select, in lighttpd's shape
(tests/fixtures/plughandlers, written for srcscan): a handler that takes a request only when a
key is set and leaves its context in the request's slot, library callbacks handed the context
back, and a key case editing the key's own value in place."""

from tests.conftest import fixture_catalog, requires_of as requires

catalog = fixture_catalog("plughandlers")


def test_code_called_after_a_context_test_needs_what_creating_it_needs(catalog):
    # mod_ssi_handle_subrequest: `hctx = r->plugin_ctx[0]; if (NULL == hctx) return 0;` then
    # ssi_process(r, hctx) -> ssi_exec(p, ...): the context is made only after
    # `if (NULL == pconf.ssi_extension) return 0;` (lighttpd's mod_ssi.c)
    assert requires(catalog, "ssi: parse error in %s") == (("ssi.extension",),)
    assert requires(catalog, "ssi: exec needs a command") == (("ssi.extension",),)


def test_a_cycle_of_calls_after_a_context_test_needs_what_creating_it_needs(catalog):
    # ssi_expr_loop <-> ssi_expr_step, reached only from ssi_process: while the context's
    # creator is not reached yet the cycle must not take TRUE for a round and keep it (lighttpd
    # 1.4.85's mod_ssi.c:354 "missing second &" in ssi_expr_tokenizer needs ssi.extension)
    assert requires(catalog, "ssi: missing second &") == (("ssi.extension",),)


def test_a_callback_handed_its_context_by_a_library_needs_what_creating_it_needs(catalog):
    # tls_cert_cb: `hctx = lib_get_app_data(ssl)` is no creation; the context is made only on
    # a socket with tls.engine (lighttpd's TLS handshake callbacks, SSL_get_app_data)
    assert requires(catalog, "tls: handshake in state %d") == (("tls.engine",),)


def test_a_key_editing_its_own_value_fills_no_field_by_that_name(catalog):
    # mime.assign's case writes `&ds->value` of an entry of its own list; `minb = &ds->value`
    # in the TLS module reads tls.conf-cmd's entry, not mime.assign
    assert requires(catalog, "tls: protocol %s not supported") == (("tls.conf-cmd",),)



def test_a_subrequest_handler_runs_only_for_requests_its_module_chose(catalog):
    # connection_handle_subrequest runs `p->subrequest(r)` for any plugin; mod_dav's runs only
    # where mod_dav_physical set `r->handler_module` after `if (!pconf.enabled) return 0;`
    # (rules' handler_selectors; lighttpd's mod_webdav.c:4309 needs webdav.activate)
    assert requires(catalog, "dav: too many properties in request") == (("dav.activate",),)


def test_a_call_through_a_field_of_a_field_holder_seen_only_storing_other_fields_is_by_name(catalog):
    # `r->con->reqbody_read(r)`: the facts see `hctx->con->network_write = h1_write` only, not
    # connections' store through its local `con`; the call runs h1_reqbody_read (by the
    # field's name), not nothing (lighttpd's h1.c read by gw_backend.c, mod_cgi.c, mod_webdav.c)
    assert requires(catalog, "h1: request-size too long") == (("dav.activate",),)
