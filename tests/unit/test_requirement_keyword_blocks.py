"""Issue "every answer true": keepalived.conf keywords nest in blocks. A keyword installed inside
a block (after install_sublevel(), rules' `[config] keyword_level_calls`) runs only inside that
block, so its handler's messages need the keywords of the enclosing blocks too; an end handler
(install_level_end_handler) runs when its block ends and needs the block's keywords
(tests/fixtures/reqk-blocks, a keepalived-shaped tree written for this test). A test of a field
only a keyword's handlers fill needs the keyword in those handlers' blocks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from tests.conftest import fixture_catalog, only_message, tree_catalog

from srcscan.analyze.inherited import KEYWORD_LIMIT, few_keywords
from srcscan.analyze.keywordblocks import with_blocks
from srcscan.model import RequirementAnswer
from srcscan.errors import RulesError
from srcscan.requirement import Requirement
from srcscan.rules import load_rules

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-blocks"


catalog = fixture_catalog("blocks", ROOT / "tree", ROOT / "rules.toml")


@pytest.mark.parametrize("text, wanted", [
    ("virtual server without an address", [["virtual_server"]]),           # a top-level block's own handler
    ("virtual server weight %s invalid", [["virtual_server", "weight"]]),   # `weight` of the virtual server
    ("real server %s", [["real_server", "virtual_server"]]),               # a block inside a block
    ("real server weight %s invalid", [["real_server", "virtual_server", "weight"]]),  # `weight` of a real server
    ("quorum %s invalid", [["quorum", "virtual_server"]]),                 # after the real_server block closed
    ("real server has no checker", [["real_server", "virtual_server"]]),   # the real_server block's end handler
    ("virtual server has no real server", [["virtual_server"]]),           # the virtual_server block's end handler
    ("%s checker", [["HTTP_GET", "real_server", "virtual_server"],         # a helper given the block's name
                    ["SSL_GET", "real_server", "virtual_server"]]),
    ("connect_timeout %s invalid", [["HTTP_GET", "connect_timeout", "real_server", "virtual_server"],
                                    ["SSL_GET", "connect_timeout", "real_server", "virtual_server"],
                                    ["TCP_CHECK", "connect_timeout", "real_server", "virtual_server"]]),  # one helper, three blocks
    ("url path %s too long", [["HTTP_GET", "path", "real_server", "url", "virtual_server"],   # a block keyword with no handler
                              ["SSL_GET", "path", "real_server", "url", "virtual_server"]]),
    ("router_id %s too long", [["global_defs", "router_id"]]),
    ("min_rx %s invalid", [["bfd_instance", "min_rx"]]),                    # through a wrapper given the name
    ("%s ignored in this process", [["bfd_instance", "min_rx"]]),          # the wrapper's own handler
    ("virtual server weighs %d", [["virtual_server", "weight>=2"]]),       # a field only vs `weight` fills
    ("real server weighs %d", [["real_server", "virtual_server", "weight"]]),  # a field only rs `weight` fills
    # `quorum 0` stores 0 too: no keyword either way; current_vs is set only by virtual_server's
    # handler, on each of its runs (globalflags.handler_only): that keyword
    ("virtual server without a quorum", [["virtual_server"]]),
    ("virtual server without alpha", [["!alpha", "virtual_server"]]),  # a keyword absent (it stores 1) needs no block
    ("router id monitor woke up", [["global_defs", "router_id"]]),         # a callback registered under a keyword
])
def test_block_keywords(catalog, text, wanted):
    m = only_message(catalog, text)
    assert [list(a) for a in m.requires] == wanted, (text, m.requires)
    assert not m.uncertain


def test_derivation_names_the_blocks(catalog):
    m = only_message(catalog, "real server has no checker")
    guards = [g.text for d in m.derivation if hasattr(d, "guards") for g in d.guards]
    assert "configuration keyword real_server && virtual_server" in guards, m.derivation


def test_without_level_rules_only_the_keyword(tmp_path):
    """The nesting comes from the rules' level calls: without them a handler needs only its own
    keyword and an end handler none."""
    rules = load_rules(str(ROOT / "rules.toml"))
    flat = replace(rules, config=replace(rules.config, keyword_root_calls=(), keyword_level_calls=(),
                                         keyword_level_end_calls=(), keyword_end_handler_calls=()))
    catalog = tree_catalog(ROOT / "tree", flat, tmp_path / "cache")
    assert only_message(catalog, "real server weight %s invalid").requires == (("weight",),)
    assert only_message(catalog, "real server has no checker").requires == ()


def test_root_calls_must_be_keyword_calls(tmp_path):
    text = (ROOT / "rules.toml").read_text().replace('"install_keyword", "install_keyword_root",',
                                                    '"install_keyword",')
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(RulesError, match="keyword_root_calls"):
        load_rules(str(path))


def _index(names, blocks):
    return SimpleNamespace(keyword_names=frozenset(names), keyword_blocks=frozenset(blocks))


def test_few_keywords_keeps_what_every_alternative_needs():
    """A keyword common to ten checkers' blocks: more than KEYWORD_LIMIT keywords are named, the
    checkers' blocks are made free, the keywords every alternative needs stay."""
    checkers = [f"CHECK{i}" for i in range(10)]
    atom = Requirement.atom
    req = atom("connect_timeout") & atom("virtual_server") & atom("real_server") & Requirement.any_of(
        atom(c) for c in checkers)
    index = _index(["connect_timeout", "virtual_server", "real_server", *checkers],
                   ["virtual_server", "real_server", *checkers])
    assert few_keywords(req, index) == atom("connect_timeout") & atom("virtual_server") & atom("real_server")


def test_few_keywords_keeps_a_few_handlers_of_many_blocks():
    """A helper of seven keywords' handlers in five blocks: the seven stay, their blocks go."""
    atom = Requirement.atom
    leaves = [f"k{i}" for i in range(7)]
    blocks = [f"B{i}" for i in range(5)]
    req = Requirement.any_of(atom(k) & atom(blocks[i % 5]) for i, k in enumerate(leaves))
    assert len(leaves) + len(blocks) > KEYWORD_LIMIT
    assert few_keywords(req, _index(leaves + blocks, blocks)) == Requirement.any_of(atom(k) for k in leaves)


def test_few_keywords_drops_shared_parsing_code_keywords():
    """A parsing helper of more than KEYWORD_LIMIT handlers of one block: only the block stays."""
    atom = Requirement.atom
    leaves = [f"k{i}" for i in range(KEYWORD_LIMIT + 1)]
    req = atom("vrrp_instance") & Requirement.any_of(atom(k) for k in leaves) & atom("-d")
    assert few_keywords(req, _index(leaves + ["vrrp_instance"], ["vrrp_instance"])) == \
        atom("vrrp_instance") & atom("-d")


@pytest.mark.parametrize("given, wanted", [
    ("k", "B && k"),                                     # needed: its block too
    ("-d || k", "-d || (B && k)"),
    ("!k && -d", "!k && -d"),                           # needed absent: no block
    ("(k && B) || !k", "true"),                          # an `if` on one path, its `else` on another
    ("(k && !-d) || (!k && -d)", "(B && k && !-d) || (!k && -d)"),
    ("m && k", "B && k && m && (C || D)"),               # a keyword of two blocks: either
])
def test_with_blocks_writes_blocks_where_a_keyword_is_given(given, wanted):
    """A message's requirement with each keyword's blocks written out where the keyword must be
    given, and nothing said of settings giving a keyword outside its blocks."""
    blocks = {"k": Requirement.parse("B"), "m": Requirement.parse("C || D")}
    found = with_blocks(RequirementAnswer(Requirement.parse(given), ()), blocks).requirement
    assert found.alternatives() == Requirement.parse(wanted).alternatives(), str(found)


def test_few_keywords_keeps_one_keyword_at_least():
    """A helper only the handlers of more than KEYWORD_LIMIT keywords of no block call
    (keepalived's notify_script_init(), for sixteen script keywords): dropping them all would
    read "appears by default"; it needs one of them (it needed nothing, or only -d)."""
    atom = Requirement.atom
    leaves = [f"k{i}" for i in range(KEYWORD_LIMIT + 1)]
    assert few_keywords(Requirement.any_of(atom(k) for k in leaves), _index(leaves, [])) == \
        Requirement.any_of(atom(k) for k in leaves)
    req = atom("-d") & Requirement.any_of(atom(k) for k in leaves)
    assert few_keywords(req, _index(leaves, [])) == req
    # an alternative needing no keyword (-D): -D, or one of them (not "appears by default")
    req = atom("-D") | Requirement.any_of(atom(k) for k in leaves)
    assert few_keywords(req, _index(leaves, [])) == req
