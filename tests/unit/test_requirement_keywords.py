"""Issue "every answer true": keepalived.conf keywords as requirement atoms. A keyword installed
with install_keyword("name", handler) (rules' `[config] keyword_calls`) is needed by its
handler's messages and by a guard testing a field only its handler (or a helper only handlers
call) stores a value in (tests/fixtures/reqk-keywords, a keepalived-shaped tree)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog

from srcscan.rules import load_rules

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-keywords"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(ROOT / "tree", ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("reload_time_file invalid", [["reload_time_file"]]),        # the handler's own message
    ("reload_time_file already specified", [["reload_time_file"]]),  # its own field tested: not "false"
    ("instance without a name", []),                             # a field of the object vrrp_handler builds
    ("add watch for %s", [["reload_time_file"]]),                # after `if (global_data->reload_time_file)`
    ("strict mode", [["old_strict"], ["vrrp_strict"]]),          # a flag the handler sets to 1; the alias calls it
    (" notify fifo = %s", [["-d", "notify_fifo"], ["-d", "vrrp_notify_fifo"]]),  # a helper's store through its parameter
    ("checker %s", [["HTTP_GET"], ["SSL_GET"]]),                # installed by a wrapper given the name
    ("garp repeat %d", []),                                      # main() gives the field a default before parsing
    ("accept mode off, priority %d", []),                        # accept: written after parsing too; no_accept stores 0
])
def test_keyword_requirements(catalog, text, wanted):
    m = only_message(catalog, text)
    assert [list(a) for a in m.requires] == wanted, (text, m.requires)
    assert not m.uncertain


def test_handler_derivation_names_the_keyword(catalog):
    m = only_message(catalog, "reload_time_file invalid")
    guards = [g for d in m.derivation if hasattr(d, "guards") for g in d.guards]
    assert any(g.text == "configuration keyword reload_time_file" and g.line == 111 for g in guards), m.derivation


def test_keyword_table_and_effects(catalog):
    """Every installed keyword is a config option (one whose handler stores nothing testable
    too); its effects are the fields only its handler side stores a value in."""
    options = {o.name: o for o in catalog.sections.options if o.kind == "config"}
    assert sorted(options) == ["HTTP_GET", "SSL_GET", "accept", "no_accept", "notify_fifo", "old_strict", "reload_time_file", "vrrp_garp_master_repeat",
                               "vrrp_instance", "vrrp_notify_fifo", "vrrp_strict"]
    targets = {name: sorted({e.target for e in o.effects if e.op != "reset"}) for name, o in options.items()}
    assert targets["reload_time_file"] == [".reload_time_file"]
    assert targets["notify_fifo"] == targets["vrrp_notify_fifo"] == [".name"]
    assert targets["accept"] == targets["no_accept"] == []          # complete_vrrp() writes accept too
    assert targets["vrrp_garp_master_repeat"] == []                  # main() gives garp_rep its default
    assert options["reload_time_file"].file == "main.c"
    assert [o.name for o in catalog.sections.options if o.kind == "cli"] == ["-d"]


def test_without_keyword_calls_no_keyword_is_an_atom(tmp_path):
    rules = load_rules(str(ROOT / "rules.toml"))
    plain = replace(rules, config=replace(rules.config, keyword_calls=()))
    catalog = tree_catalog(ROOT / "tree", plain, tmp_path / "cache")
    assert not [o for o in catalog.sections.options if o.kind == "config"]
    assert only_message(catalog, "strict mode").requires == ()
    assert only_message(catalog, "reload_time_file invalid").requires == ()


def test_levels_of_large_constants_are_compared_without_walking_every_value():
    """A keyword's field compared with a large constant (`adver_int > 1000000`) gives a level
    atom `x>=1000001`: how atoms of one option imply each other is read at their levels (the
    values around them), the same answers as value by value, without a walk of a billion values."""
    from srcscan.requirement_atoms import Atom, implies

    assert implies(Atom("x", ">=", 10 ** 9), False, Atom("x", ">=", 1), True) is True
    assert implies(Atom("x", ">=", 1), False, Atom("x", ">=", 10 ** 9), True) is False
    assert implies(Atom("x", "==", 10 ** 9), False, Atom("x", "==", 7), False) is True
    assert implies(Atom("x", ">=", 10 ** 9), True, Atom("x", "==", 10 ** 9 + 1), False) is True
