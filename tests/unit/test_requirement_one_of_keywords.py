"""Issue "every answer true": a function run for more configuration keywords than a requirement
keeps (KEYWORD_LIMIT) still needs one of them. keepalived 2.3.4's system_call_script() runs the
scripts some thirty keywords name (notify_* of vrrp_instance and vrrp_sync_group blocks,
startup_script, each vrrp_script block's script): leaving those keywords out made
lib/notify.c:253 "Couldn't execute command: %s" read "appears by default"
(tests/fixtures/reqk-oneof, a keepalived-shaped tree written for this test;
analyze.keywordblocks.kept_one_of, from inherited.few_keywords and keywordblocks.with_blocks)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

from srcscan.analyze.inherited import few_keywords
from srcscan.analyze.keywordblocks import kept_one_of
from srcscan.requirement import Requirement

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-oneof"
SCRIPTS = {"notify_up", "notify_down", "notify_fault", "notify_stop", "notify_master", "notify_backup",
           "notify_mixed", "notify_gone", "startup_script", "shutdown_script"}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-oneof", tmp_path_factory.mktemp("oneof"), "list.h")
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text", ["running script %s", "no PATH for script %s"])
def test_one_of_the_script_keywords(catalog, text):
    """Every alternative needs one of the ten script keywords or a `checker` block: the answer
    names them (their blocks left out), never "appears by default"."""
    m = only_message(catalog, text)
    given = {atom for alt in m.requires for atom in alt if not atom.startswith("!")}
    assert m.requires and all(set(alt) & (SCRIPTS | {"checker"}) for alt in m.requires), m.requires
    assert given <= SCRIPTS | {"checker", "instance", "group", "global"}, m.requires
    assert SCRIPTS | {"checker"} <= given, m.requires


def _index(names, blocks):
    return SimpleNamespace(keyword_names=frozenset(names), keyword_blocks=frozenset(blocks))


def test_leaves_then_blocks():
    """Alternatives of a script keyword in its block, and blocks with no script keyword: the
    script keywords, and those blocks."""
    atom = Requirement.atom
    leaves = [f"k{i}" for i in range(10)]
    blocks = ["B0", "B1", "C"]
    req = Requirement.any_of(atom(k) & atom(blocks[i % 2]) for i, k in enumerate(leaves)) | atom("C")
    found = few_keywords(req, _index(leaves + blocks, blocks))
    assert found == Requirement.any_of(atom(k) for k in leaves + ["C"]), str(found)


def test_what_it_needs_with_none_stays():
    """An alternative needing no keyword (-D) stays beside the keywords."""
    atom = Requirement.atom
    leaves = [f"k{i}" for i in range(10)]
    req = (atom("-D") & atom("-x")) | Requirement.any_of(atom(k) & atom("B") for k in leaves)
    found = few_keywords(req, _index(leaves + ["B"], ["B"]))
    assert found == (atom("-D") & atom("-x")) | Requirement.any_of(atom(k) for k in leaves), str(found)


def test_nothing_lost_untouched():
    """Leaving keywords out that no alternative relied on alone changes nothing here."""
    atom = Requirement.atom
    req = atom("B") & (atom("k1") | atom("k2"))
    assert kept_one_of(req, atom("B"), frozenset({"B", "k1", "k2"}), frozenset({"B"})) == atom("B")
