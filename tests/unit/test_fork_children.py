"""A child forked per connection that logs through its parent's syslog connection (no openlog
of its own), declared in the rules' `[processes] children` (tests/fixtures/forkchild, the shape
of dnsmasq's check_dns_listeners: `if (!debug && pipe(fds) == 0 && (p = fork()) != 0) {parent}
else {child, or the parent itself under -d or when pipe() failed}`)."""

from pathlib import Path

import pytest

from srcscan.cexpr import Binary, Call, Const, Name, Unary
from srcscan.errors import InputError, RulesError
from srcscan.model import Guard
from srcscan.rules import parse_rules
from tests.conftest import only_message as message, tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(FIXTURES / "forkchild", FIXTURES / "forkchild.toml", tmp_path_factory.mktemp("fork") / "cache")


@pytest.mark.parametrize("text,processes", [
    ("started", ("forkd",)),
    ("connection accepted", ("forkd",)),        # before the fork
    ("cannot fork", ("forkd",)),                # the branch where fork() returned non-zero
    ("query answered", ("forkd", "connection")),  # the child, and the parent under -d
    ("bad connection", ("forkd", "connection")),
    ("connection child exits", ("forkd", "connection")),  # the parent too when pipe() failed
])
def test_processes(catalog, text, processes):
    assert message(catalog, text).processes == processes


def test_the_child_is_in_the_process_table_with_its_parents_ident_and_facility(catalog):
    procs = {p["name"]: p for p in catalog.sections.to_dict()["processes"]}
    assert list(procs) == ["forkd", "connection"]
    child = procs["connection"]
    assert child["start"] == "serve" and child["fork_line"] == 25
    assert child["idents"] == procs["forkd"]["idents"] == ["forkd"]
    assert child["facility"] == ["daemon"] and child["facility_with"] == {"-l": "local5"}
    assert message(catalog, "query answered").facility == ("daemon",)


def _guard(expr, negated=False):
    return Guard("if", None, "", 0, negated, (), expr)


def test_a_conjunction_holding_the_fork_test():
    from srcscan.analyze.forkside import Process, fork_side, sides
    fork = Binary("!=", Name("p"), Const(0))
    before = Binary("&&", Unary("!", Name("debug")), Binary("==", Call("pipe", (Name("fds"),)), Const(0)))
    both = Binary("&&", before, fork)
    assert fork_side(both, "p") == "parent"           # holds only where fork() returned non-zero
    p = Process("connection", "serve", 10, "p")
    assert sides(p, 12, [_guard(both)]) == {"parent"}
    # its else branch: the child, or the parent where a test before the fork failed
    assert sides(p, 12, [_guard(both, negated=True)]) == {"parent", "child"}
    assert sides(p, 12, [_guard(fork, negated=True)]) == {"child"}
    # `if (x && (p = fork()) == 0) {child} else {...}`: where x failed or fork() returned
    # non-zero, the parent alone (review13 F5)
    child_test = Binary("&&", Name("x"), Binary("==", Name("p"), Const(0)))
    assert fork_side(child_test, "p") == "child"
    assert sides(p, 12, [_guard(child_test, negated=True)]) == {"parent"}
    assert sides(p, 8, []) == {"parent"}
    # a test after the fork's (`(p = fork()) != 0 && x`): its else branch is the child or the
    # parent where x failed: both as well
    after = Binary("&&", fork, Name("x"))
    assert sides(p, 12, [_guard(after, negated=True)]) == {"parent", "child"}


def test_children_in_the_rules_are_read_and_checked():
    raw = {"project": {"name": "x"}, "log_functions": [{"name": "syslog", "priority_arg": 0, "format_arg": 1}]}
    rules = parse_rules({**raw, "processes": {"children": {"serve": "connection"}}}, "x.toml")
    assert rules.processes.children == (("serve", "connection"),)
    with pytest.raises(RulesError, match="processes.children"):
        parse_rules({**raw, "processes": {"children": {"serve": 3}}}, "x.toml")
    with pytest.raises(RulesError, match="processes.children"):
        parse_rules({**raw, "processes": {"children": {"not a name": "c"}}}, "x.toml")


def test_a_declared_child_name_matching_several_forking_functions_is_refused(tmp_path):
    # two files' `static void serve(void)` both fork: which one starts the rules' child is not
    # known, and one process name cannot hold two starts (review13 F10)
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("a.c", "b.c"):
        (root / name).write_text("#include <syslog.h>\n#include <unistd.h>\n"
                                 "static void serve(void) { if (fork() == 0) syslog(LOG_INFO, \"in %s\"); }\n"
                                 f"void run_{name[0]}(void) {{ serve(); }}\n")
    (root / "main.c").write_text("#include <syslog.h>\nvoid run_a(void); void run_b(void);\n"
                                 "int main(void) { openlog(\"forkd\", LOG_PID, LOG_DAEMON); run_a(); run_b(); return 0; }\n")
    with pytest.raises(InputError, match="serve names several functions that fork"):
        tree_catalog(root, FIXTURES / "forkchild.toml", tmp_path / "cache")
