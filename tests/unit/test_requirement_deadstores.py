"""Flags of a zeroed struct set only in code that never runs: a test of one never holds
(tests/fixtures/plugnever, written for srcscan)."""

from tests.conftest import fixture_catalog, only_message, requires_of as requires

catalog = fixture_catalog("plugnever")


def test_a_flag_set_only_under_a_key_type_no_table_has_is_never_set(catalog):
    # `srv->srvconf.config_unsupported = 1` only under `case T_CONFIG_UNSUPPORTED:` of
    # `switch (cpk[i].ktype)`, no key table has that type, and srv is calloc(3)'s (lighttpd's
    # configfile-glue.c and configfile.c: "Configuration contains unsupported keys")
    assert requires(catalog, "ERROR: found unsupported key: %s") == (("false",),)
    assert requires(catalog, "Configuration contains unsupported keys. Going down.") == (("false",),)
    assert requires(catalog, "Configuration contains deprecated keys. Going down.") == (("false",),)
    texts = [d.text for d in only_message(catalog, "Configuration contains unsupported keys. Going down.").derivation
             if hasattr(d, "text")]
    assert any("ktype" in t and "config_unsupported" in t for t in texts), texts


def test_a_flag_set_under_a_type_some_table_has_is_not_never(catalog):
    # T_CONFIG_BOOL is server.use-ipv6's type: the flag is set when that key is given
    assert requires(catalog, "a boolean key was given") != (("false",),)


def test_a_flag_of_a_struct_some_code_makes_with_malloc_is_not_never(catalog):
    # mixed_new() allocates with malloc(3) too: the field may start non-zero
    assert requires(catalog, "a struct made with malloc too") != (("false",),)


def test_a_member_some_code_stores_in_whole_is_not_never(catalog):
    # `c->cc = *tmpl`: the member holds what was copied, whatever calloc(3) zeroed
    assert requires(catalog, "a member written whole") != (("false",),)


def test_a_struct_handed_to_a_library_call_that_may_write_it_is_not_never(catalog):
    # `lib_ctrl(NULL, 8, 0, h)`: only command 7 is one of the rules' library_keeps (the server's
    # `lib_ctrl(NULL, 7, 0, srv)` is), so the library may fill `*h`
    assert requires(catalog, "a struct a library call may write") != (("false",),)


def test_library_keeps_are_read_and_checked(tmp_path):
    from srcscan.errors import RulesError
    from srcscan.rules import load_rules
    from tests.conftest import FIXTURES
    rules = load_rules(str(FIXTURES / "plugnever.toml"))
    assert rules.callgraph.library_keeps == (("lib_ctrl", 1, 7),)
    bad = tmp_path / "bad.toml"
    bad.write_text((FIXTURES / "plugnever.toml").read_text().replace("argument = 1, ", ""))
    import pytest
    with pytest.raises(RulesError, match="library_keeps"):
        load_rules(str(bad))
