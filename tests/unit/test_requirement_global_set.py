"""Rows the audit of keepalived 2.3.4 found with no requirement (issue 13): a file-scope
variable whose every store sits in a function only calls under options reach. main.c:1332's
update_core_dump_pattern() runs from core_dump_init() under -M's flag, and at exit under a test
of orig_core_dump_pattern, which only update_core_dump_pattern() itself stores: the first store
needs -M, so the exit-time call does too. pidfile.c:64's create_pid_dir() runs under use_pid_dir,
set by three keyword handlers and by main() when the instance name or namespace (-s) is set.
tests/fixtures/reqk-globalset is a keepalived-shaped tree written for this test, with
reqk-blocks' keyword parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog, with_keyword_parser

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-globalset"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tree = with_keyword_parser("reqk-globalset", tmp_path_factory.mktemp("globalset"))
    return tree_catalog(tree, ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    # the exit-time call's test of the saved pattern needs what its first store needs: -M
    ("Unable to read/write core pattern", [["-M"]]),
    # use_pid_dir is set by a keyword handler, or by main() under -s, instance or net_namespace
    ("Unable to create directory %s", [["!-t", "-s"], ["!-t", "instance"], ["!-t", "net_namespace"],
                                       ["!-t", "use_pid_dir"]]),
    ("Unable to remove directory %s", [["!-t", "-s"], ["instance"], ["net_namespace"], ["use_pid_dir"]]),
])
def test_global_set_under_callers(catalog, text, wanted):
    m = only_message(catalog, text)
    assert [list(a) for a in m.requires] == wanted, (text, m.requires)


def test_only_a_test_that_the_variable_is_set_counts():
    """callneeds._tests_set: the exit-time `if (orig_core_dump_pattern)` is read at the call; an
    `else` of `bfd_child > 0` (propagate_signal()'s restart) or a test of another variable is not
    (reached_now then keeps the callers' inherited requirement, child-start atoms and all)."""
    from srcscan.analyze.callneeds import _tests_set
    from srcscan.cexpr import Binary, Const, Name, Unary

    var = Name("orig", "var")
    assert _tests_set(var, "orig")
    assert _tests_set(Binary(">", Name("child", "var"), Const(0, "0")), "child")
    assert _tests_set(Binary("&&", Name("x", "var"), var), "orig")
    assert not _tests_set(Unary("!", var), "orig")
    assert not _tests_set(Binary("||", Name("x", "var"), var), "orig")
    assert not _tests_set(Name("other", "var"), "orig")
