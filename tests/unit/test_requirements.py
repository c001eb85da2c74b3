"""Options found from the source, and the requirements of each message (tests/fixtures/options)."""

from pathlib import Path

import pytest

from srcscan.model import PROCESS_DERIVATIONS
from srcscan.render.common import derivation_text
from srcscan.formats.template import render_normal
from srcscan.analyze.settings import needs, parse_with, satisfied
from srcscan.errors import UnknownOptionError
from tests.conftest import tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


def build(tmp_path, with_options=()):
    return tree_catalog(FIXTURES / "options", FIXTURES / "options.toml", tmp_path / "cache", with_options)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return build(tmp_path_factory.mktemp("req"))


def requires(catalog, text):
    (m,) = [m for m in catalog.messages if m.format == text]
    return m.requires


def test_option_table_from_getopt_and_the_switch(catalog):
    options = {tuple(o["names"]): o for o in catalog.sections.to_dict()["options"]}
    d = options[("-D", "--log-detail")]
    assert {(e["target"], e["mask"], e["level"]) for e in d["effects"]} == {("debug", 8, 1), ("debug", 64, 2)}
    assert options[("-v", "--verbose")]["takes_value"] is True
    assert ("alpha.debug",) in options and ("beta.debug",) in options
    assert [e["target"] for e in options[("alpha.debug",)]["effects"]] == [".debug"]
    assert [e["target"] for e in options[("alpha.balance",)]["effects"]] == [".balance"]


def test_lexical_guards_become_option_atoms(catalog):
    assert requires(catalog, "always") == ()
    assert requires(catalog, "detail") == (("-D",),)
    assert requires(catalog, "only without -D") == (("!-D",),)
    assert requires(catalog, "extra detail") == (("-D>=2",),)  # the bit a second -D sets
    assert requires(catalog, "verbose level 2") == (("-v>=2",),)
    assert requires(catalog, "alpha at level 2") == (("alpha.debug>=2",),)


def test_a_field_of_a_variable_is_that_variables_not_every_field_of_its_name(catalog):
    options = {tuple(o["names"]): o for o in catalog.sections.to_dict()["options"]}
    assert [e["target"] for e in options[("-p", "--pid")]["effects"]] == ["main_pidfile.path"]
    assert requires(catalog, "pid file named") == (("-p",),)
    assert requires(catalog, "url has a path") == ()  # current_url->path: no option sets it


def test_requirement_inherited_through_every_call_path(catalog):
    assert requires(catalog, "state dump") == (("-d",),)
    m = [m for m in catalog.messages if m.format == "handler ran on %d"][0]
    assert m.requires == (("-d",),)  # registered only under the -d guard
    assert "depends on resolving calls through function pointers" in prose(m)


def test_parameter_carrying_several_keys_needs_any_of_them(catalog):
    # shared_helper(conf->debug, "alpha") and (..., "beta"): one message per constant, each (for
    # now) with the helper's requirement, any of the keys its callers pass
    helper = [m for m in catalog.messages if m.format == "helper for %s"]
    assert sorted(render_normal(m.template) for m in helper) == ["helper for alpha", "helper for beta"]
    assert {m.requires for m in helper} == {(("alpha.debug",), ("beta.debug",))}


def test_with_settings_filter_the_catalog(tmp_path):
    plain = {m.format for m in build(tmp_path / "a", ()).messages}
    with_d = {m.format for m in build(tmp_path / "b", ("-D",)).messages}
    assert "only without -D" in plain and "only without -D" not in with_d
    assert "detail" in with_d and "extra detail" not in with_d
    assert "extra detail" in {m.format for m in build(tmp_path / "c", ("-D -D",)).messages}


def test_settings_parsing_and_errors(catalog):
    from srcscan.analyze.optiontypes import option_from_dict

    options = [option_from_dict(o) for o in catalog.sections.to_dict()["options"]]
    s = parse_with(("--log-detail", "-v 3", "alpha.debug=2", "_WITH_X_"), options)
    assert s.levels == {"-D": 1, "-v": 3, "alpha.debug": 2} and s.macros == {"_WITH_X_"}
    assert satisfied((("-v>=2",),), s) and not satisfied((("!-D",),), s)
    assert needs((("alpha.debug",), ("beta.debug",)), {"beta.debug"})
    assert not needs((), {"-D"})
    with pytest.raises(UnknownOptionError, match="did you mean --log-detail"):
        parse_with(("--log-detial",), options)
    from srcscan.errors import InputError

    with pytest.raises(InputError, match="-v needs a value"):
        parse_with(("-v",), options)
    # The words meaning off come from the rules ([config] false_values): lighttpd's disable.
    assert parse_with(("alpha.debug=disable",), options, ("disable",)).levels == {"alpha.debug": 0}
    assert parse_with(("alpha.debug=DISABLE",), options, ("disable",)).levels == {"alpha.debug": 0}
    assert parse_with(("alpha.debug=disable",), options).levels["alpha.debug"] == 1


# ---------------------------------------------------------------------------- old-style tables

@pytest.fixture(scope="module")
def old(tmp_path_factory):
    return tree_catalog(FIXTURES / "options_old", FIXTURES / "options_old.toml", tmp_path_factory.mktemp("old") / "cache")


def test_popt_table_and_old_config_values_table(old):
    options = {tuple(o["names"]): o for o in old.sections.to_dict()["options"]}
    assert [(e["target"], e["mask"]) for e in options[("-D", "--log-detail")]["effects"]] == [("debug", 32)]
    assert options[("-S", "--log-facility")]["takes_value"] is True
    assert options[("-D", "--log-detail")]["takes_value"] is False
    # cv[1].destination = &(s->debug) with cv[] = {{"old.enable",...}, {"old.debug",...}}
    assert [e["target"] for e in options[("old.debug",)]["effects"]] == [".debug"]
    assert [e["target"] for e in options[("old.enable",)]["effects"]] == [".enable"]


def test_each_guard_form_and_where_it_is(old):
    def one(text):
        (m,) = [m for m in old.messages if m.format == text]
        return m
    for text in ("ternary detail", "and detail", "then detail", "loop detail", "after early return"):
        assert one(text).requires == (("-D",),), text
    assert one("not detailed").requires == (("!-D",),)  # the else branch
    assert prose(one("then detail")) == ("lexical guard at main.c:45: debug & 32",)
    assert prose(one("after early return")) == ("lexical guard at main.c:53: debug & 32",)
    assert one("old at level 2").requires == (("old.debug>=2",),)
    assert one("old enabled and debugging").requires == (("old.debug", "old.enable"),)


def test_guard_inherited_two_calls_deep_and_through_a_struct_field(old):
    (listed,) = [m for m in old.messages if m.format == "list entry"]  # main -> dump_all -> dump_list
    assert listed.requires == (("-d",),)
    assert prose(listed) == ("inherited: every call path to dump_list() passes the guard "
                                 "(main.c:93 in main() via dump_all(): debug & 4)",)
    (http,) = [m for m in old.messages if m.format == "http checker %s"]  # http.dump = dump_http; c->dump(c)
    assert http.requires == (("-d",),)
    assert "depends on resolving calls through function pointers" in prose(http)


def test_callback_stored_through_a_registration_function_gets_every_guarded_path(old):
    # alloc_list(dump_sock) hands it to alloc_mlist(), which stores it in l->show; dump_items()
    # calls l->show under -D in one place and under -d in another; never_used() calls it
    # unguarded but nothing calls or names never_used().
    (sock,) = [m for m in old.messages if m.format == "socket %p"]
    assert sock.requires == (("-D",), ("-d",))
    assert "passes one of 2 guards" in prose(sock)[0]
    assert "depends on resolving calls through function pointers" in prose(sock)


def test_two_key_switches_in_one_function_and_a_key_two_modules_read(catalog):
    options = {tuple(o["names"]): o for o in catalog.sections.to_dict()["options"]}

    def targets(name):
        return [e["target"] for e in options[(name,)]["effects"]]

    # The second switch's comments name tls_defaults' table, not the function's own.
    assert targets("tls.engine") == [".enabled"]
    assert targets("tls.certfile") == [".cert"]  # not `cpv->vtype`, the value being read
    assert targets("tls.cafile") == [".ca"]
    assert requires(catalog, "tls.certfile has to be set with tls.engine") == (("!tls.certfile", "tls.engine"),)
    assert options[("port",)]["file"] == "plugin.c" and options[("port",)]["also"] == ["tls.c"]
    assert requires(catalog, "tls on a port of its own") == (("port",),)


def prose(m) -> tuple[str, ...]:
    """A message's derivation of `requires` as the renderers write it."""
    return tuple(derivation_text(d) for d in m.derivation if not isinstance(d, PROCESS_DERIVATIONS))
