"""A child that runs a call only with more options than the message needs still writes it
(analyze.childoptions): keepalived 2.3.4's timer_now_r() logs under --debug (lib/timer.c:177),
and the checker calls timer_now() only under -D (check_bfd.c:277), so the checker is one of
its processes, with -D. Hand-built call graph; the guards' requirements are given."""

from types import SimpleNamespace

import pytest

import srcscan.analyze.childoptions as childoptions
from srcscan.analyze.forkside import Process
from srcscan.analyze.settings import Settings
from srcscan.requirement import Requirement

NEEDS = {"-D": Requirement.atom("-D"), "!-D": ~Requirement.atom("-D"), "-t": Requirement.atom("-t")}
PROCS = [Process("parent", "main", 0, ""), Process("checker", "start_check", 3, "pid")]


class Graph:
    """main -> timer_now; start_check -> handle_event -(guard)-> timer_now."""

    def __init__(self, guard: str) -> None:
        self.edges = {"main": [("timer_now", {"kind": "direct", "guards": (), "line": 5})],
                      "start_check": [("handle_event", {"kind": "direct", "guards": (), "line": 9})],
                      "handle_event": [("timer_now", {"kind": "direct", "guards": (guard,), "line": 20})]}
        self.functions = {k: SimpleNamespace(key=k, name=k) for k in ("main", "start_check", "handle_event", "timer_now")}

    def running_calls(self):
        return self.edges


def model(guard: str = "-D", never: frozenset = frozenset()):
    everywhere = {"parent": {"main", "timer_now"}, "checker": {"start_check", "handle_event", "timer_now"}}
    return SimpleNamespace(procs=PROCS, everywhere=everywhere, settings=Settings(), graph=Graph(guard),
                           guard_filter=SimpleNamespace(index=None, free=frozenset()), state=None,
                           child_never={"checker": never}, more_options={})


@pytest.fixture(autouse=True)
def given_requirements(monkeypatch):
    monkeypatch.setattr(childoptions, "guard_requirement", lambda guard, index, fn: NEEDS[guard])


def test_a_child_that_needs_one_more_option_writes_the_message():
    found = childoptions.children_with_more_options(model(), 170, "timer_now", (), (("--debug",),), {"parent"})
    assert list(found) == ["checker"]
    options, region = found["checker"]
    assert options == "-D"
    assert "timer_now" in region


def test_an_option_the_message_rules_out_stays_closed():
    """A message that needs !-D: the checker's path needs -D, so it never writes it."""
    assert childoptions.children_with_more_options(model(), 170, "timer_now", (), (("!-D",),), {"parent"}) == {}


def test_a_mode_that_never_starts_the_child_stays_closed():
    """-t never starts the checker (processes.inherited_regions' modes): a call only -t
    reaches is not the checker's."""
    assert childoptions.children_with_more_options(model("-t", frozenset({"-t"})), 170, "timer_now", (), (), {"parent"}) == {}


def test_a_child_already_found_is_not_walked_again():
    assert childoptions.children_with_more_options(model(), 170, "timer_now", (), (), {"parent", "checker"}) == {}
