"""Issue "every answer true": a long-only option whose code is a small number
(keepalived's `{"config-fd", required_argument, NULL, 8}`, main.c:2046, and `case 8:
set_config_fd(atoi(optarg));`) stands for its `case` as a letter's option does: "Unable to open
config copy file" (lib/parser.c:3369) needs --config-fd (it needed nothing: only codes above
255, dnsmasq's LOPT_*, were read). Only a switch on getopt's result stands for options: a
`case 4:` of a switch on another variable of the function is none. tests/fixtures/optlong is
written for this test."""

from __future__ import annotations

import pytest
from tests.conftest import fixture_catalog, only_message

catalog = fixture_catalog("optlong")


@pytest.mark.parametrize("text, wanted", [
    ("config copy on fd %d", [["--config-fd"]]),   # through the case's call
    ("signal %s", [["--signum"]]),                 # in the case itself
    ("quiet", [["-q"]]),
    ("missing argument", []),                      # getopt's own ':' is no option's
    ("always", []),
    # a switch in the getopt function on something else than getopt's result (review of session
    # 18: `case 5:` of another switch read as --perf, keepalived's long-only code 5)
    ("mode four", []),
    ("quiet at level eight", [["-q"]]),
])
def test_long_code_case(catalog, text, wanted):
    assert [list(a) for a in only_message(catalog, text).requires] == wanted


def test_flags_set_by_another_switch_are_no_options(catalog):
    # `flags = 4` under `case 4:` of the switch on `mode`: no effect of --signum (code 4)
    assert [list(a) for a in only_message(catalog, "flags set").requires] == []


@pytest.mark.parametrize("shape", ["assigned", "copied"])
def test_option_switch_through_an_assignment_or_a_copy(shape, tmp_path):
    """Review of session 19, finding 1: `switch (c = getopt(...))` and `opt = c; switch (opt)`
    are switches on getopt's result too (they lost every option when only the call itself or a
    variable given it directly counted). tests/fixtures/optshapes/SHAPE/main.c."""
    from tests.conftest import FIXTURES, tree_catalog
    catalog = tree_catalog(FIXTURES / "optshapes" / shape, FIXTURES / "optlong.toml", tmp_path / "cache")
    assert only_message(catalog, "quiet one").requires == (("-q",),)
    assert only_message(catalog, "quiet set").requires == (("-q",),)
