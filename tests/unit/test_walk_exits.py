"""Statements after which control does not fall through, as the guard walk reads them."""

from srcscan.extract.walk import walk_guarded
from tests.conftest import parse_c

CODE = """
#define ret_err(x) do { last = (x); return 0; } while (0)
#define soft(x) do { last = (x); break; } while (0)
extern int last;
void log_message(int, const char *, ...);
int one(int option, int arg)
{
    switch (option)
    {
    case 1:
        log_message(6, "one");
        ret_err(2);
    case 2:
        log_message(6, "two");
        soft(3);
    case 3:
        log_message(6, "three");
        break;
    }
    return 1;
}
"""


def _labels(tmp_path):
    unit = parse_c(tmp_path, CODE)
    out = {}
    for node, guards in walk_guarded(unit, unit.functions[0]):
        if node.kind == "CALL_EXPR" and node.name == "log_message":
            text = unit.source(node.children[-1]).strip('"')
            out[text] = ([g.labels for g in guards if g.kind == "case"], [g.kind for g in guards])
    return out


def test_a_do_while_0_macro_that_returns_ends_its_case(tmp_path):
    found = _labels(tmp_path)
    # ret_err() returns: case 2's code is not reached from case 1 (no fall-through label 1 there).
    assert found["two"][0] == [(2,)]


def test_a_do_while_0_that_breaks_only_leaves_the_macro(tmp_path):
    # soft() breaks out of its own do-while, not the switch: case 2 falls through into case 3.
    assert _labels(tmp_path)["three"][0] == [(2, 3)]
