"""A log call under a test of its function's parameter (`if (errh) log_perror(errh, ...)`) is
decided by the callers' arguments, path by path; a path through a module that runs only once
loaded (`[[config.selected]]` with `also_keys`: lighttpd's mod_openssl.c) needs that module
loaded, though the message's own file is not the module's. tests/fixtures/plugloadfile, written
for srcscan: lighttpd 1.4.85's fdevent_load_file() (fdevent.c:945), which the core's config
reader calls with NULL and mod_openssl_refresh_ech_keys_ctx() with srv->errh."""

from srcscan.formats.template import render_normal
from tests.conftest import fixture_catalog

catalog = fixture_catalog("plugloadfile")


def test_a_module_path_needs_the_module_loaded(catalog):
    (message,) = [m for m in catalog.messages if m.format == "load_file() %s" and render_normal(m.template) != "load_file() /dev/stdin"]
    assert message.requires == (("-i",), ("server.modules=mod_tlsauto",), ("tls.pemfile",))
    # the path under a test of run data says that options it needs may be missing; the one
    # without a test says nothing
    (note,) = message.uncertain
    assert "mod_tlsauto_refresh_tickets()" in note and "`tickets_age() < 3600`" in note


def test_a_text_only_another_call_selects_leaves_the_path_note_out(catalog):
    """`load_file("/dev/stdin", ...)` under -i (lighttpd's `-f -`): the note on the module's
    path is not this text's."""
    (message,) = [m for m in catalog.messages if render_normal(m.template) == "load_file() /dev/stdin"]
    assert message.requires == (("-i",),)
    assert not message.uncertain
