"""State the entry process writes only after the one call that reaches a function
(tests/fixtures/process-order, written for srcscan): keepalived 2.3.4's pidfile.c:298
`ftruncate error` runs under `if (children_started)`, which the parent sets (main.c:565) only
after its only pidfile_write() call (main.c:2853); the audit of seed 12104 found the parent
listed for it."""

from pathlib import Path

import pytest

from srcscan.render.common import derivation_text
from tests.conftest import fixture_catalog, only_message as message

FIXTURES = Path(__file__).parent.parent / "fixtures"


catalog = fixture_catalog("order", FIXTURES / "process-order", FIXTURES / "precision" / "daemon-rules.toml")


def test_a_flag_the_entry_sets_after_its_only_call_is_not_set_there(catalog):
    m = message(catalog, "pidfile rewritten")
    assert m.processes == ("po-child",)  # a child forked again on SIGHUP inherits the flag set
    texts = [derivation_text(d) for d in m.derivation]
    assert any("parent" in t and "children_started" in t and "before it first runs write_pidfile()" in t
               for t in texts), texts


def test_a_flag_a_handler_installed_before_the_call_sets_may_be_set(catalog):
    assert message(catalog, "pidfile written while reloading").processes == ("parent", "po-child")


def test_a_function_called_in_a_loop_sees_every_write(catalog):
    assert message(catalog, "report after start").processes == ("parent",)


def test_an_unguarded_message_is_in_every_process_reaching_it(catalog):
    assert message(catalog, "pidfile written").processes == ("parent", "po-child")


@pytest.mark.parametrize("text", ["marked by a callee first", "set on the calling line", "main after start"])
def test_a_flag_set_before_the_test_by_a_callee_the_same_line_or_the_entry_itself_is_set(catalog, text):
    # the function's own calls run before its test; `sameline = 1; write_pidfile();` writes
    # first; in main itself every write may come first
    assert "parent" in message(catalog, text).processes
