"""Issue "every answer true", requirement kinds seen in keepalived 2.3.4: each small tree of
tests/fixtures/reqk-kinds2 gives the requirements its expected.json names (same format as
tests/fixtures/precision)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import assert_expected_messages, only_message, tree_catalog


KINDS = Path(__file__).parent.parent / "fixtures" / "reqk-kinds2"
EXPECTED = json.loads((KINDS / "expected.json").read_text())["cases"]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_requirements_of_each_kind(case, tmp_path):
    catalog = tree_catalog(KINDS / case, KINDS / EXPECTED[case]["rules"], tmp_path / "cache")
    assert all("requires" in want or want.get("reachable") is False for want in EXPECTED[case]["messages"])
    assert_expected_messages(catalog, EXPECTED[case]["messages"], certain=True)


def test_with_an_option_the_log_function_writes_nothing_under(tmp_path):
    """keepalived's vlog_message returns at once under -t: `requires` leaves -t out (it holds for
    every message of the function: `-R`, as the shared expected.json says), the message carries it
    as `logged_only_if`, and `--with -t` (catalog and query alike) leaves the message out."""
    from srcscan.query import as_run_with

    root = Path(__file__).parent.parent / "fixtures" / "precision" / "sink-off-under-option"
    rules = root.parent / "daemon-rules.toml"
    plain = tree_catalog(root, rules, tmp_path / "cache")
    m = only_message(plain, "child %d died: exiting")
    assert m.requires == (("-R",),) and m.logged_only_if == (("!-t",),)
    for given, kept in ((("-R",), True), (("-t",), False), (("-R", "-t"), False)):
        run = tree_catalog(root, rules, tmp_path / "cache", with_options=given)
        assert any(x.format == m.format for x in run.messages) is kept, given
        assert any(x.format == m.format for x in as_run_with(plain, given).messages) is kept, given
