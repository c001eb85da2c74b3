"""Issue "every answer true": blocks the daemon drops unless they have some keywords. keepalived
frees a `virtual_server` with no `real_server` when the block ends (check_parser.c
vs_end_handler), and its VRRP process stops when a `vrrp_instance` has no `virtual_router_id`
(vrrp.c chk_min_cfg, from vrrp_complete_init): code run after those checks that needs the block
needs those keywords too; the parse's own messages, and code run before the check, do not
(tests/fixtures/reqk-kept, a keepalived-shaped tree written for this test, with reqc-lists' list.h; rules' `[config]
kept_only_with`, `kept_checked_in`, `kept_process`; analyze/keptblocks.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

from srcscan.analyze.keptblocks import with_needs
from srcscan.errors import RulesError
from srcscan.model import RequirementAnswer
from srcscan.requirement import Requirement
from srcscan.rules import load_rules

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-kept"


def _tree(dest: Path) -> Path:
    return with_keyword_parser("reqk-kept", dest, "list.h")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(_tree(tmp_path_factory.mktemp("kept")), ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("starting the servers", [["member", "server"]]),     # after the parse: the server list is kept ones
    ("reading a server block", [["server"]]),             # the parse itself
    ("server has no members - ignoring", [["server"]]),   # the end handler dropping it
    ("instances read", [["instance"]]),                   # before complete_init()
    ("checking the instances", [["instance"]]),           # the check itself
    ("instances checked", [["id", "instance"]]),          # after it, in its caller
    ("starting the instances", [["id", "instance"]]),     # in a function only called after it
    ("instances are configured", [["instance"]]),         # called before it as well
    ("instances rejected", [["instance"]]),               # in the branch where the check failed
    ("giving up on the instances", [["instance"]]),       # in a function only that branch calls
    ("pairs checked", [["id", "instance", "members", "pair"]]),  # a pair's instance needs its id in turn
])
def test_kept_blocks(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted


def test_without_rules_no_keywords_added(tmp_path):
    """Which blocks are dropped, and where, comes from the rules."""
    rules = load_rules(str(ROOT / "rules.toml"))
    flat = replace(rules, config=replace(rules.config, kept_only_with=(), kept_checked_in=()))
    catalog = tree_catalog(_tree(tmp_path), flat, tmp_path / "cache")
    assert [list(a) for a in only_message(catalog, "starting the servers").requires] == [["server"]]
    assert [list(a) for a in only_message(catalog, "instances checked").requires] == [["instance"]]


def test_only_the_dropping_process():
    """keepalived's VRRP process keeps its own record of a bfd_instance without neighbor_ip;
    only the alternatives naming the BFD process's start get it."""
    answer = RequirementAnswer(Requirement.parse("(@bfd && bfd_instance) || (@vrrp && bfd_instance)"), ())
    found = with_needs(answer, [("bfd_instance", Requirement.parse("neighbor_ip || neighbour_ip"), "@bfd")])
    assert found.requirement.alternatives() == (("@bfd", "bfd_instance", "neighbor_ip"),
                                                ("@bfd", "bfd_instance", "neighbour_ip"),
                                                ("@vrrp", "bfd_instance"))


def test_absent_block_untouched():
    """An alternative needing the block absent, or not naming it, stays as it is."""
    answer = RequirementAnswer(Requirement.parse("(!server && -x) || --all"), ())
    assert with_needs(answer, [("server", Requirement.parse("member"), "")]) is answer


@pytest.mark.parametrize("old, new, match", [
    ('server = "member"', 'server = "member &&"', "kept_only_with"),
    ('instance = "complete_init"', 'nothing = "complete_init"', "kept_checked_in"),
])
def test_bad_rules(tmp_path, old, new, match):
    bad = tmp_path / "rules.toml"
    bad.write_text((ROOT / "rules.toml").read_text().replace(old, new))
    with pytest.raises(RulesError, match=match):
        load_rules(str(bad))


@pytest.fixture(scope="module")
def later(tmp_path_factory):
    """tests/fixtures/reqk-later: an `instance` checked twice after the parse, for an `id`,
    then for an `address` as well (keepalived's chk_min_cfg, then vrrp_complete_instance)."""
    tree = with_keyword_parser("reqk-later", tmp_path_factory.mktemp("later"), "list.h")
    return tree_catalog(tree, Path(__file__).parent.parent / "fixtures" / "reqk-later" / "rules.toml",
                        tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("instances have ids", [["id", "instance"]]),                  # between the checks: the first one's
    ("instances complete", [["address", "id", "instance"]]),       # after the second: its formula too
    ("peers read", [["peer"]]),                                    # no end handler: nothing drops a peer
])
def test_a_later_check_of_a_block(later, text, wanted):
    """Issue 13 (keepalived 2.3.4's vrrp_arp.c:213, after vrrp_complete_instance): a block's
    later check (`[[config.kept_checks]]`) adds its own formula to what runs after it only."""
    assert [list(a) for a in only_message(later, text).requires] == wanted


def test_kept_checks_are_checked(tmp_path):
    bad = tmp_path / "rules.toml"
    root = Path(__file__).parent.parent / "fixtures" / "reqk-later"
    bad.write_text((root / "rules.toml").read_text().replace('needs = "id && address"', 'needs = "id &&"'))
    with pytest.raises(RulesError, match=r"kept_checks\[0\]\.needs"):
        load_rules(str(bad))
