"""When the entry point's calls run relative to the set-up of its syslog facility
(srcscan.analyze.setuporder), on call graphs written here: dnsmasq's main() calls log_start()
once, unconditionally (dnsmasq.c:701); a set-up call under a test, or one reaching the set-up
only through a test, may not run it (review13 F3, F4)."""

from srcscan.analyze.setuporder import setup_order
from srcscan.cexpr import Member, Name, Unary
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
    # (on_error() is main's alone: the way goes down to its call at line 2)
    assert not order.certain and order.line == 2 and order.chain[0][:2] == ("main", 6)
    assert order.when("later", 1, ()) == "both"


def test_a_set_up_call_after_an_early_return_is_certain():
    early = Guard("early-return", None, "argc < 0", 4, negated=True)
    order = _order([("read_opts", _edge(5)), ("log_start", _edge(7, [early])), ("later", _edge(8, [early]))])
    assert order.certain
    assert order.when("later", 1, ()) == "after"


# lighttpd 1.4.85's shape: main() loops over server_init() and server_main_setup(), which only
# main() calls, and which opens the error log at line 1968 under `!srv->srvconf.preflight_check`
PREFLIGHT = Guard("if", None, "!srv->srvconf.preflight_check", 1967,
                  expr=Unary("!", Member(Member(Name("srv", "var"), "srvconf"), "preflight_check", arrow=False)))
LOOP = Guard("loop", None, "rc == 2", 2360)


def _lighttpd(resets=frozenset({"server_init"}), guard=PREFLIGHT):
    adjacency = {
        "main": [("server_init", _edge(2361, [LOOP])), ("setup", _edge(2368, [LOOP])), ("loop", _edge(2372, [LOOP]))],
        "setup": [("config_read", _edge(1531)), ("plugins_call_init", _edge(1691)),
                  ("open_log", _edge(1968, [guard])), ("set_defaults", _edge(1976))],
        "config_read": [("values_init", _edge(2700))],
        "set_defaults": [("values_init", _edge(10))],
        "mod_x_set_defaults": [("values_init", _edge(20))],
        "loop": [("handler", _edge(5, kind="registered"))],
    }
    region = {"main", "server_init", "setup", "config_read", "plugins_call_init", "open_log", "set_defaults",
              "values_init", "loop", "handler"}
    names = {k: k for k in region | {"mod_x_set_defaults"}}
    return setup_order(adjacency, "main", region, [], frozenset({"open_log"}), names,
                       {k: "server.c" for k in names}, resets, ("main", "mod_x_set_defaults"))


def test_the_way_to_the_set_up_goes_down_through_a_function_only_the_entry_calls():
    order = _lighttpd()
    assert [step[:2] for step in order.chain] == [("main", 2368), ("setup", 1968)]
    assert order.setter == "open_log" and order.line == 1968 and order.certain
    assert order.when("setup", 1865, ()) == "before"
    assert order.when("setup", 1977, ()) == "after"
    assert order.when("config_read", 1, ()) == "before"
    assert order.when("plugins_call_init", 1, ()) == "before"
    assert order.when("main", 2380, ()) == "after"


def test_a_function_another_entry_point_or_a_later_call_reaches_too_runs_on_both_sides():
    order = _lighttpd()
    assert order.when("values_init", 1, ()) == "both"  # config_read() before, set_defaults() after
    assert order.when("handler", 1, ()) == "after"  # handed over


def test_a_loop_around_the_way_runs_its_code_above_the_set_up_before_it_only_when_it_resets_it():
    assert _lighttpd().when("server_init", 1, ()) == "before"
    assert _lighttpd(resets=frozenset()).when("server_init", 1, ()) == "after"
    assert _lighttpd(resets=frozenset()).when("config_read", 1, ()) == "both"
    assert _lighttpd(resets=frozenset()).when("setup", 1865, ()) == "both"


def test_a_set_up_call_under_a_test_of_a_field_still_zero_is_certain_and_a_runtime_test_is_not():
    assert _lighttpd().certain
    assert not _lighttpd(guard=IF_ARGC).certain
