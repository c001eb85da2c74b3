"""A module loaded by server.modules or by any of its keys (`[[config.selected]]` with
`also_keys`: lighttpd's mod_openssl.c, which config_warn_openssl_module() loads for any ssl.*
key), on tests/fixtures/plugloaded, written for srcscan."""

from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("plugloaded")


def test_a_message_naming_no_key_needs_the_module_loaded(catalog):
    # lighttpd 1.4.85's mod_openssl_set_defaults() 'openssl library version is outdated'
    assert only_message(catalog, "tlsauto: library version is outdated").requires == (
        ("server.modules=mod_tlsauto",), ("tls.pemfile",))


def test_a_message_naming_a_loading_key_needs_nothing_more(catalog):
    assert only_message(catalog, "tlsauto: cannot load %s").requires == (("tls.pemfile",),)


def test_a_key_of_no_loading_pattern_still_needs_the_module_loaded(catalog):
    assert only_message(catalog, "tlsauto: debugging").requires == (
        ("debug.log-tls", "server.modules=mod_tlsauto"), ("debug.log-tls", "tls.pemfile"))


def test_the_rules_read_also_keys():
    from pathlib import Path
    from srcscan.rules import load_rules
    rules = load_rules(Path(__file__).parent.parent / "fixtures" / "plugloaded.toml")
    (entry,) = rules.config.selected
    assert entry.also_keys == ("tls.*",)
