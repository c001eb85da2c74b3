"""Which process runs a call is asked of every configuration: a guard needing a configuration
keyword (keepalived.conf's, Index.keyword_names) holds for the process analysis when some
setting of the keyword makes it hold, while command-line options keep deciding
(analyze.guardfilter). Hand-built call-graph edges; the guards' requirements are given."""

from types import SimpleNamespace

import pytest

import srcscan.analyze.guardfilter as guardfilter
from srcscan.analyze.settings import Settings
from srcscan.cexpr import Name
from srcscan.requirement_atoms import Atom
from srcscan.requirement import Requirement

NEEDS = {
    "keyword": Requirement.atom("reload_time_file"),
    "no keyword": ~Requirement.atom("vrrp_strict"),
    "keyword and -d": Requirement.atom("reload_time_file") & Requirement.atom("-d"),
    "-d": Requirement.atom("-d"),
}


@pytest.fixture
def edge_ok(monkeypatch):
    monkeypatch.setattr(guardfilter, "guard_requirement", lambda guard, index, fn: NEEDS[guard])
    graph = SimpleNamespace(functions={"caller": SimpleNamespace(key="caller")})
    index = SimpleNamespace(keyword_names=frozenset({"reload_time_file", "vrrp_strict"}))
    return guardfilter.GuardFilter(graph, index).edge_ok(Settings())


@pytest.mark.parametrize("guard, runs", [("keyword", True), ("no keyword", True), ("keyword and -d", False), ("-d", False)])
def test_keywords_are_free_and_options_decide(edge_ok, guard, runs):
    assert edge_ok("caller", {"guards": [guard]}) is runs


def test_without_keywords_every_atom_decides(monkeypatch):
    monkeypatch.setattr(guardfilter, "guard_requirement", lambda guard, index, fn: NEEDS[guard])
    graph = SimpleNamespace(functions={"caller": SimpleNamespace(key="caller")})
    edge_ok = guardfilter.GuardFilter(graph, SimpleNamespace()).edge_ok(Settings())
    assert edge_ok("caller", {"guards": ["keyword"]}) is False
    assert edge_ok("caller", {"guards": ["no keyword"]}) is True


TESTS = {
    "need_multihop": Requirement.atom(Atom("?f.c:open_fds:need_multihop", test=Name("need_multihop", "var")))
    & Requirement.atom("multihop"),
    "debug": Requirement.atom("-d"),
}


def test_a_test_a_keyword_decides_is_unknown_inside_a_condition(monkeypatch):
    """`... && !need_multihop` (keepalived 2.3.4's bfd_open_fds, a local set only under the
    `multihop` keyword): the test is neither true nor false for the process analysis, so its
    negation does not cut the call (before: `need_multihop` read as true, the early return as
    taken, bfd_open_fd_in() out of the BFD child, and the parent's -t run left in its place)."""
    monkeypatch.setattr(guardfilter, "option_test", lambda e, index, fn: TESTS[e])
    graph = SimpleNamespace(functions={})
    index = SimpleNamespace(keyword_names=frozenset({"multihop"}))
    test = guardfilter.GuardFilter(graph, index).option_test(Settings())(SimpleNamespace(key="open_fds"))
    assert test("need_multihop") is None
    assert test("debug") is False
    assert guardfilter.GuardFilter(graph, index).option_test(Settings(levels={"-d": 1}))(SimpleNamespace(key="f"))("debug") is True
