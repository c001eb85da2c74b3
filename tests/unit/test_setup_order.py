"""When the entry point's calls run relative to the set-up of its syslog facility
(srcscan.analyze.setuporder), on call graphs written here: dnsmasq's main() calls log_start()
once, unconditionally (dnsmasq.c:701); a set-up call under a test, or one reaching the set-up
only through a test, may not run it (review13 F3, F4)."""

from srcscan.analyze.setuporder import setup_order
from srcscan.model import Guard


def _edge(line, guards=(), kind="direct"):
    return {"line": line, "guards": tuple(guards), "kind": kind}


def _order(main_calls, more=None):
    adjacency = {"main": main_calls, **(more or {})}
    region = {"main", "read_opts", "check_stamp", "log_start", "on_error", "later"}
    return setup_order(adjacency, "main", region, [], frozenset({"log_start"}),
                       {k: k for k in region}, {k: "main.c" for k in region})


IF_ARGC = Guard("if", None, "argc > 1", 9)


def test_an_unconditional_set_up_call_splits_before_and_after():
    order = _order([("read_opts", _edge(5)), ("check_stamp", _edge(6)), ("log_start", _edge(7)),
                    ("later", _edge(8))])
    assert order.certain and order.line == 7
    assert order.when("later", 1, ()) == "after"
    assert order.when("read_opts", 1, ()) == "before"
    assert order.when("main", 8, ()) == "after"


def test_a_set_up_call_under_a_test_leaves_the_later_calls_on_both_sides():
    order = _order([("check_stamp", _edge(6)), ("log_start", _edge(7, [Guard("if", None, "argc > 1", 7)])),
                    ("later", _edge(8))])
    assert not order.certain
    assert order.when("later", 1, ()) == "both"
    assert order.when("main", 8, ()) == "both"
    assert order.when("check_stamp", 1, ()) == "before"


def test_a_call_reaching_the_set_up_only_under_a_test_leaves_the_later_calls_on_both_sides():
    order = _order([("read_opts", _edge(5)), ("on_error", _edge(6)), ("later", _edge(8))],
                   {"on_error": [("log_start", _edge(2, [Guard("if", None, "getenv(\"RESTART\")", 2)]))]})
    assert not order.certain and order.line == 6
    assert order.when("later", 1, ()) == "both"


def test_a_set_up_call_after_an_early_return_is_certain():
    early = Guard("early-return", None, "argc < 0", 4, negated=True)
    order = _order([("read_opts", _edge(5)), ("log_start", _edge(7, [early])), ("later", _edge(8, [early]))])
    assert order.certain
    assert order.when("later", 1, ()) == "after"
