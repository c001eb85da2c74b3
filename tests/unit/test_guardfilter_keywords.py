"""Which process runs a call is asked of every configuration: a guard needing a configuration
keyword (keepalived.conf's, Index.keyword_names) holds for the process analysis when some
setting of the keyword makes it hold, while command-line options keep deciding
(analyze.guardfilter). Hand-built call-graph edges; the guards' requirements are given."""

from types import SimpleNamespace

import pytest

import srcscan.analyze.guardfilter as guardfilter
from srcscan.analyze.settings import Settings
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
