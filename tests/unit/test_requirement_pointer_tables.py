"""Issue "every answer true": a test through a constant table of pointers to variables.
keepalived 2.x's parent stops its children by walking `static const struct child_term
children_term[] = { { &vrrp_child, ... }, ... }` and testing `*children_term[i].pid_p > 0`: that
holds only once one of the children was started, since only the fork starting a child stores its
pid (analyze.pointertables, analyze.valuestores). A flag stored under a test of a parameter that
a caller passes on from its own callers is read at those (callneeds._callers_passing); a local
counted up from 0 is set only once a `++` ran (analyze.steppedlocals). tests/fixtures/reqk-childpids is a
keepalived-shaped tree written for this test, with reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

from srcscan.analyze.pointertables import _only_read

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-childpids"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-childpids", tmp_path_factory.mktemp("childpids"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("%s failed to die", [["@worker"], ["helper"]]),    # `if (*child_slots[i].pid_p)`: either child's pid
    ("cannot signal %s", [["@worker"], ["helper"]]),    # `*child_slots[i].pid_p > 0`, then kill() failing
    ("%s died by signal %d", [["@worker"], ["helper"]]),  # only called under such a test
    ("worker still known", [["@worker"]]),              # `worker_pid > 0`: only start_worker() stores it
    ("waiting interrupted", [["@worker"], ["helper"]]),  # `while (waiting)`: only a `waiting++` sets it
    ("first slot named", []),                           # another field of the table: a constant
    ("read from the copy", [["@worker"]]),              # the parent's call passes on `true`
    ("stopping", []),
    ("parent ready", []),
])
def test_table_of_pid_pointers(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted


TABLE = """struct slot { int *p; const char *name; }; static int a, b;
static const struct slot slots[] = {
	{ &a, "a" },
	{ &b, "b" },
};
#define N (sizeof slots / sizeof slots[0])
void f(int i) { if (*slots[i].p > 0) *slots[i].p = 0; g(slots[i].name); }
"""


@pytest.mark.parametrize("use, kept", [
    ("", True),
    ("void h(int i) { *slots[i].p = 7; }\n", False),        # another value stored through a row
    ("void h(int i) { (*slots[i].p)++; }\n", False),
    ("void h(int i) { int *q = slots[i].p; *q = 1; }\n", False),  # a row's pointer handed on
    ("void h(void) { use(slots); }\n", False),             # the table itself handed on
])
def test_only_read_through(use, kept):
    assert _only_read(TABLE + use, "slots", 2, frozenset({"p"})) is kept


def test_not_static():
    assert not _only_read(TABLE.replace("static const struct", "const struct"), "slots", 2, frozenset({"p"}))
