"""Issue "every answer true": a child process started only under a condition. keepalived 2.x
starts its vrrp child only `if (running_vrrp())`, a function returning an option and keyword
condition; a message only that child writes needs it, named by one atom (`@vrrp`) whose
meaning the option table holds (analyze.childstarts). tests/fixtures/reqk-children is a
keepalived-shaped tree written for this test, with reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

from srcscan.query import Query, answer_query, as_run_with
from srcscan.requirement import Requirement

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-children"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-children", tmp_path_factory.mktemp("children"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("worker loop started", [["@worker"]]),            # only the worker writes it
    ("settings of process %d", [["-d", "@worker"]]),   # the worker's -d dump
    ("shared helper ran", []),                         # the parent runs it too
    ("parent ready", []),
    ("cannot fork the worker", [["@worker"]]),         # the parent's side of the start, under the same call
    ("monitor started", []),                           # a child started whatever the options
])
def test_child_start_condition(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted


def test_start_atom_in_option_table(catalog):
    table = {o.name: o for o in catalog.sections.options}
    worker = table["@worker"]
    assert worker.kind == "process"
    assert Requirement.parse(worker.means) == Requirement.parse("!-C && (worker || --all)")
    assert "@monitor" not in table
    derivation = only_message(catalog, "worker loop started").derivation
    assert any(getattr(d, "atom", "") == "@worker" and d.function == "start_worker" for d in derivation)


def test_queries_read_the_meaning(catalog):
    """--with and --adds read `@worker` as what it stands for."""
    with_all = {m.format for m in as_run_with(catalog, ("--all",)).messages}
    assert "worker loop started" in with_all and "settings of process %d" not in with_all
    assert "worker loop started" not in {m.format for m in as_run_with(catalog, ("-C", "--all")).messages}
    added = {m.format for m in answer_query(catalog, Query(adds="--all")).messages}
    assert {"worker loop started", "settings of process %d"} <= added
    assert {m.format for m in answer_query(catalog, Query(adds="-d")).messages} == {"settings of process %d"}
