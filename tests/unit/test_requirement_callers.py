"""Keys lighttpd-shaped code needs through its callers, its key values and its listeners
(tests/fixtures/plugcallers, written for srcscan)."""

from dataclasses import replace
from pathlib import Path

from srcscan.rules import load_rules
from tests.conftest import FIXTURES, fixture_catalog, requires_of as requires, tree_catalog

catalog = fixture_catalog("plugcallers")


def test_a_helper_needs_any_one_of_its_callers_keys(catalog):
    # kv_buffer_append is called by mod_rewrite under `if ((cpv = rewrite_once))`, a local only
    # url.rewrite-once's case sets, and by mod_redirect in url.redirect's case (lighttpd's
    # keyvalue.c:138 pcre_keyvalue_buffer_append)
    keys = (("url.redirect",), ("url.rewrite-once",), ("url.rewrite-repeat",))
    assert requires(catalog, "studying regex failed: %s -> %s") == keys
    assert requires(catalog, "rewrite: pcre-compile failed for %s") == (("url.rewrite-once",), ("url.rewrite-repeat",))


def test_a_field_a_key_stores_negated_holds_by_default(catalog):
    # `pconf->pathinfo = (0 == cpv->v.u);` in static-file.disable-pathinfo's case: 0 by default
    # and with the key enabled, so `!pconf->pathinfo` needs nothing of the key; a non-zero
    # pathinfo needs the key given (lighttpd's mod_staticfile.c:120); the "extension" text
    # comes only from the call under `pconf->exclude_ext` (the helper's constants, per text)
    found = {"".join(m.template.parts): m.requires for m in catalog.messages
             if m.format == "-- NOT handling file as static file, %s forbidden"}
    assert found == {"-- NOT handling file as static file, pathinfo forbidden": (),
                     "-- NOT handling file as static file, extension forbidden": (("static-file.exclude-extensions",),)}
    assert requires(catalog, "static: pathinfo allowed for %s") == (("static-file.disable-pathinfo",),)


def test_a_port_out_of_range_needs_an_address_given(tmp_path_factory):
    # lighttpd's own rules ([[config.parsed]] of rules/lighttpd.toml) on the fixture's
    # network_host_parse_addr: the port is server.port's (1..65535, 80 by default) unless an
    # address given by server.bind or $SERVER["socket"] carries one (lighttpd's network.c:285)
    own = load_rules(str(FIXTURES / "plugcallers.toml"))
    lighttpd = load_rules(str(Path(__file__).parents[2] / "rules" / "lighttpd.toml"))
    rules = replace(own, config=replace(own.config, parsed=lighttpd.config.parsed))
    found = tree_catalog(FIXTURES / "plugcallers", rules, tmp_path_factory.mktemp("plugcallers-lighttpd"))
    assert requires(found, "port not set or out of range: %u") == (('$SERVER["socket"]',), ("server.bind",))
    # a low port: the default 80 is one
    assert requires(found, "binding a privileged port %u") == ()
