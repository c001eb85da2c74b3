"""A function handed to a registering call is tied to that call by the call's key, not by
line: the registration's keyword and the flags stored beside the function are found also
when the call is written over several lines (the function's name on another line than the
call) and when two registrations share a line."""

from __future__ import annotations

from conftest import parse_c

from srcscan.analyze.callgraph import build_call_graph
from srcscan.analyze.idents import _registration_keyword
from srcscan.extract.calls import extract_function_refs, extract_functions

CODE = """\
struct keyword { const char *name; void (*handler)(void); int active; };
static struct keyword table[8];
static int count;
void install_keyword_root(const char *name, void (*handler)(void), int active)
{
    table[count].name = name;
    table[count].handler = handler;
    table[count].active = active;
    count++;
}
void install_keyword(const char *name, void (*handler)(void)) { install_keyword_root(name, handler, 1); }
static void instance_handler(void) {}
static void other_handler(void) {}
static void third_handler(void) {}
void init(int on)
{
    install_keyword_root("instance",
                         &instance_handler,
                         on);
    install_keyword("other", other_handler); install_keyword("third", third_handler);
}
"""


def _graph(tmp_path):
    unit = parse_c(tmp_path, CODE)
    functions, refs = extract_functions(unit), extract_function_refs(unit)
    return functions, refs, build_call_graph(functions, refs)


def test_each_argument_reference_names_its_call(tmp_path):
    functions, refs, _ = _graph(tmp_path)
    calls = {call.key: call for fn in functions for call in fn.calls}
    handed = [r for r in refs if r.context == "argument" and r.function == "init"]
    assert sorted(r.target for r in handed) == ["instance_handler", "other_handler", "third_handler"]
    for ref in handed:
        call = calls[ref.call]
        assert call.callee == ref.via.rpartition(":")[0]
        assert (ref.target,) in call.arg_refs
    spread = next(r for r in handed if r.target == "instance_handler")
    assert spread.line == calls[spread.call].line + 1  # a match by line would have missed it


def test_keyword_and_flags_of_a_registration_over_several_lines(tmp_path):
    _, _, graph = _graph(tmp_path)
    edges = {target: data for caller, target, data in graph.graph.edges(data=True) if caller == "init"
             and data["kind"] in ("registered", "stored")}
    instance = edges["a.c:instance_handler"]
    assert instance["fields"] == frozenset({"handler"})
    assert [field for field, _ in instance["flags"]] == ["name", "active"]
    assert _registration_keyword(graph, "init", instance) == "instance"
    # two registrations on one line: each edge finds its own call's keyword
    assert _registration_keyword(graph, "init", edges["a.c:other_handler"]) == "other"
    assert _registration_keyword(graph, "init", edges["a.c:third_handler"]) == "third"
