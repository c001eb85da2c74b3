"""Issue "every answer true": list heads only configuration blocks fill. keepalived starts its
process tracker only `if (!list_empty(&vrrp_data->vrrp_track_processes))`, a list only the end
handler of a `vrrp_track_process` block adds to (tests/fixtures/reqk-lists, a keepalived-shaped
tree written for this test; rules' `[config] list_fills` and `emptiness_tests`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

from srcscan.errors import RulesError
from srcscan.rules import load_rules

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-lists"


def _tree(dest: Path) -> Path:
    return with_keyword_parser("reqk-lists", dest, "list.h")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(_tree(tmp_path_factory.mktemp("lists")), ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("process tracker started", [["track_process"]]),   # filled by the block's end handler
    ("starting the instances", [["vrrp_instance"]]),     # by the handler, through a helper given the head
    ("no instance to start", []),                        # empty: the keyword may be given all the same
    ("adding static addresses", []),                     # filled by the start-up's code too
    ("pending entries", []),                             # a file-scope list the start-up fills
])
def test_lists_only_blocks_fill(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted


def test_file_scope_list_keywords_fill(catalog):
    """A file-scope head filled by a handler's helper, and by start-up code run only under a test
    of a value only a keyword sets (keepalived's garp_delay: garp_group, or set_default_garp_delay()
    under `if (global_data->vrrp_garp_interval || ...)`, a keyword of another file), needs one of them."""
    assert sorted(list(a) for a in only_message(catalog, "delays configured").requires) == \
        [["delay_group"], ["delay_interval"]]


def test_without_list_fills_no_requirement(tmp_path):
    """Which calls fill a list comes from the rules."""
    rules = load_rules(str(ROOT / "rules.toml"))
    flat = replace(rules, config=replace(rules.config, list_fills=()))
    catalog = tree_catalog(_tree(tmp_path), flat, tmp_path / "cache")
    assert only_message(catalog, "process tracker started").requires == ()


def test_list_fills_are_indexes(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text((ROOT / "rules.toml").read_text().replace("list_add_tail = 1", "list_add_tail = -1"))
    with pytest.raises(RulesError, match="list_fills"):
        load_rules(str(bad))
