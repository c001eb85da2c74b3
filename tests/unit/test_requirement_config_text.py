"""Issue "every answer true": a message the configuration reader writes only for a line of
some form (keepalived's "Invalid ~SEQ definition", logged by add_seq(), which read_line() calls
only under `!strncmp(buf, "~SEQ", 4)`; read_unsigned_func()'s "invalid number" under
`*endptr`; null_strvec(), called through a pointer for a missing word) needs no option or
keyword, but is not logged by default: `uncertain` says the form, and where it is tested. A
message about any line ("Unknown keyword") and the reader's own keep their plain answers.
tests/fixtures/reqk-conftext is written for this test (the rules' `[config] readers`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import only_message, tree_catalog

from srcscan.analyze.configtext import text_test
from srcscan.cexpr import Binary, Call, Const, Index, Name, Unary
from srcscan.model import Guard

ROOT = Path(__file__).parent.parent / "fixtures" / "reqk-conftext"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return tree_catalog(ROOT / "tree", ROOT / "rules.toml", tmp_path_factory.mktemp("cache"))


@pytest.mark.parametrize("text, wanted", [
    ("invalid sequence '%s'", ['`!strncmp(buf, "~SEQ", 4)` (main.c:74)', "`*p != '('` (main.c:66)"]),
    ("line '%s' is missing a word", ["a pointer (read_config() at main.c:", "missing_word()"]),
])
def test_form_of_the_line_said(catalog, text, wanted):
    m = only_message(catalog, text)
    assert m.requires == ()
    (note,) = m.uncertain
    assert note.startswith("logged only while read_config() reads the configuration")
    for part in wanted:
        assert part in note


def test_form_of_an_option_value_said(catalog):
    """A value read from the file or, by the command-line parser, from an option (-S)."""
    m = only_message(catalog, "invalid number '%s'")
    assert m.requires == ()
    (note,) = m.uncertain
    for part in ["logged only for text of the form its tests read: `*endptr` (main.c:47)",
                 "read_config() reads from the configuration or parse_cmdline() from the command line"]:
        assert part in note


def test_a_null_argument_does_not_reach(catalog):
    """main() calls to_address() with a NULL port: read_port(), run only under `if (port)`, is
    run by the reader alone (keepalived's init_global_data() calling inet_stosockaddr() with no
    port, and read_unsigned_func()'s 'invalid number')."""
    m = only_message(catalog, "invalid port '%s'")
    assert m.requires == ()
    (note,) = m.uncertain
    assert "logged only while read_config() reads the configuration" in note and "`*endptr`" in note


@pytest.mark.parametrize("text", ["unknown keyword '%s'", "configuration file %s",
                                  "cannot open configuration file %s", "invalid level '%s'"])
def test_any_line_or_the_reader_plain(catalog, text):
    """...and so does a message of code that other code runs too (read_level() from main())."""
    m = only_message(catalog, text)
    assert m.requires == () and m.uncertain == ()


def _guard(expr, negated=False, text="t"):
    return Guard("if", None, text, 1, negated, expr=expr)


@pytest.mark.parametrize("expr, negated, reads", [
    (Binary("==", Name("c"), Const(45, "'-'")), False, True),
    (Binary("==", Name("c"), Const(45, "45")), False, False),          # a number, not a character
    (Unary("!", Call(Name("strcmp"), (Name("s"), Const(None, '"x"')))), False, True),
    (Call(Name("strcmp"), (Name("s"), Const(None, '"x"'))), False, False),  # differs: any other text
    (Unary("!", Binary("&&", Name("a"), Unary("!", Call(Name("strcmp"), (Name("s"), Name("B")))))), False, False),
    (Unary("*", Name("endptr")), False, True),
    (Unary("*", Name("endptr")), True, True),
    (Binary("||", Unary("!", Call(Name("strcmp"), (Name("s"), Const(None, '"a"')))),
            Unary("!", Call(Name("strcmp"), (Name("s"), Const(None, '"b"'))))), False, True),  # either form
    (Binary("||", Unary("!", Call(Name("strcmp"), (Name("s"), Const(None, '"a"')))), Name("x")), False, False),
    (Call(Name("check"), (Index(Name("paths"), Name("i")),)), False, False),  # a string handed on
])
def test_text_test(expr, negated, reads):
    assert bool(text_test(_guard(expr, negated), frozenset({"strcmp"}))) is reads
