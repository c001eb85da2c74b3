"""Which process runs what (tests/fixtures/process-kinds), each kind of fault the keepalived
2.3.4 audit found: code the parent runs only under -t (and code after a -t early return it
never runs), a parameter every call of a process fixes, a keyword handler called with NULL
where the keyword is inactive, a function only a table holds, a helper only another build's
branch calls. Plus the process model's own pieces on hand-built typed facts (no parser)."""

import ast
from pathlib import Path

import pytest

from srcscan.analyze.forkside import fork_side, parent_branch
from srcscan.analyze.procvars import process_test
from srcscan.analyze.procstate import constant, state_path
from srcscan.cexpr import Binary, Call, Const, Member, Name, Unary
from srcscan.model import Guard, InProcessWith, ProcessesFrom
from srcscan.render.common import derivation_text
from tests.conftest import only_message as message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"
ANALYZE = Path(__file__).parent.parent.parent / "srcscan" / "analyze"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "process-kinds", FIXTURES / "precision" / "daemon-rules.toml",
                        tmp_path_factory.mktemp("kinds") / "cache")


@pytest.mark.parametrize("text,processes", [
    ("virtual server allocated", ("parent", "checker")),   # the parent: its -t run installs it active
    ("instance has no interface", ("parent", "vrrp")),     # before start_vrrp's -t return
    ("connect failed", ("checker",)),                      # after start_check's -t return: never the parent
    ("copying the configuration", ("parent",)),            # init_data(.., 1) only in main
    ("http check dump", ("checker",)),                     # only the checker calls through dump_func
    ("cannot write the protocol file", ("vrrp",)),         # set_proto's skipped #ifdef calls its caller
    ("dispatcher running", ("vrrp",)),                     # registered under !-t: not the parent's -t run
    ("http check failed", ("checker",)),                   # queued under -t too, started only without it
    ("entering master state", ("vrrp",)),                  # only the state table's call reaches it
    ("address of an interface changed", ("vrrp",)),        # `prog_type == 2 || config_test`: -t starts no child
])
def test_processes(catalog, text, processes):
    assert message(catalog, text).processes == processes


def test_a_test_of_a_mode_that_never_starts_the_child_says_so(catalog):
    m = message(catalog, "address of an interface changed")
    assert any(getattr(d, "process", "") == "checker" and "never started" in getattr(d, "why", "")
               for d in m.derivation), m.derivation


def test_a_fixed_priority_handed_to_a_function_that_adds_a_facility(catalog):
    """config_error() logs at LOG_INFO through vlog_prio(), which ORs LOG_USER into a priority
    without a facility (keepalived 2.1's report_config_error and vlog_message)."""
    m = message(catalog, "unknown keyword %s")
    assert m.processes == ("parent",) and m.facility == ("user",)
    assert message(catalog, "connect failed").facility == ("daemon",)


def test_the_parent_only_under_config_test_says_so(catalog):
    m = message(catalog, "instance has no interface")
    assert InProcessWith("parent", "-t") in m.derivation
    assert "process parent runs it only with -t" in [derivation_text(d) for d in m.derivation]
    assert not any(isinstance(d, InProcessWith) for d in message(catalog, "connect failed").derivation)


def test_a_helper_of_another_build_names_the_skipped_call(catalog):
    (how,) = [d for d in message(catalog, "cannot write the protocol file").derivation if isinstance(d, ProcessesFrom)]
    assert how.kind == "skipped-branch" and "set_proto()" in how.where and "create_proto" in how.where


# ---------------------------------------------------------------------------- typed facts, no parser

PID = Name("pid")


@pytest.mark.parametrize("expr,side", [
    (PID, "parent"), (Unary("!", PID), "child"), (Binary("==", PID, Const(0)), "child"),
    (Binary("<", PID, Const(0)), "parent"), (Binary("==", Const(-1), PID), "parent"),
    (Binary("!=", PID, Const(0, "NULL")), "parent"), (Binary(">", Name("other"), Const(0)), None),
])
def test_fork_side(expr, side):
    assert fork_side(expr, "pid") == side


def test_parent_branch_reads_the_typed_guard():
    guard = Guard("if", None, "!pid", 3, negated=True, expr=Unary("!", PID))  # else branch of `if (!pid)`
    assert parent_branch((guard,), "pid")
    assert not parent_branch((Guard("if", None, "!pid", 3, expr=Unary("!", PID)),), "pid")


def test_process_variable_tests():
    vrrp = Name("PROG_TYPE_VRRP", "enum", 2)
    test = Binary("==", Name("prog_type"), vrrp)
    assert process_test(test, {"prog_type": 2}, {"prog_type": {2, 3}}, {"prog_type"}) is True
    assert process_test(test, {}, {"prog_type": {2, 3}}, {"prog_type"}) is False  # the parent sets none
    either = Binary("||", test, Call(Name("__test_bit", "function"), (Name("CONFIG_TEST_BIT", "enum", 1),)))
    assert process_test(either, {}, {"prog_type": {2, 3}}, {"prog_type"}, lambda e: True) is True
    assert process_test(either, {}, {"prog_type": {2, 3}}, {"prog_type"}) is None


def test_constants_and_state_paths():
    assert constant(Binary("|", Const(1), Name("X", "enum", 4))) == 5
    assert constant(Const(0, "NULL")) == 0
    assert constant(Name("x")) is None and constant(Unary("&", Name("x"))) is None
    assert state_path(Member(Name("kw"), "active", arrow=False)) == "kw.active"
    assert state_path(Member(Name("kw"), "active")) is None  # through a pointer: whatever it holds
    assert state_path(Name("p", "param")) is None


def test_analyses_import_no_parser():
    """Nothing in analyze/ reads parser nodes: no import of parse, extract or clang."""
    for path in sorted(ANALYZE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                assert not name.startswith(("srcscan.parse", "srcscan.extract", "clang")), f"{path.name} imports {name}"


def test_a_function_only_another_build_defines_runs_where_its_callers_do(tmp_path):
    """tests/fixtures/text-callers: rules.c's add_rules() (only with HAVE_IPSET) is called by the
    child alone; the parent runs the rest of rules.c (keepalived's ip4tables_add_rules)."""
    catalog = tree_catalog(FIXTURES / "text-callers", FIXTURES / "precision" / "daemon-rules.toml", tmp_path)
    found = {m.format: m for m in catalog.messages}
    assert found["rules helper"].processes == ("parent",)
    assert found["cannot add rule"].processes == ("tc-child",)
    assert found["cannot add rule of %d dimensions"].processes == ("tc-child",)  # through add_rules()
