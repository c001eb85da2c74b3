"""A log call under a test of its function's parameter (`if (errh) log_perror(errh, ...)`) is
decided by the callers' arguments, path by path; a path through a module that runs only once
loaded (`[[config.selected]]` with `also_keys`: lighttpd's mod_openssl.c) needs that module
loaded, though the message's own file is not the module's. tests/fixtures/plugloadfile, written
for srcscan: lighttpd 1.4.85's fdevent_load_file() (fdevent.c:945), which the core's config
reader calls with NULL and mod_openssl_refresh_ech_keys_ctx() with srv->errh."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("plugloadfile")


def test_a_module_path_needs_the_module_loaded(catalog):
    message = only_message(catalog, "load_file() %s")
    assert message.requires == (("server.modules=mod_tlsauto",), ("tls.pemfile",))
    assert not message.uncertain
