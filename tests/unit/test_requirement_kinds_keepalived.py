"""Issue "every answer true", requirement kinds seen in keepalived 2.3.4: each small tree of
tests/fixtures/reqk-kinds2 gives the requirements its expected.json names (same format as
tests/fixtures/precision)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import assert_expected_messages, tree_catalog


KINDS = Path(__file__).parent.parent / "fixtures" / "reqk-kinds2"
EXPECTED = json.loads((KINDS / "expected.json").read_text())["cases"]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_requirements_of_each_kind(case, tmp_path):
    catalog = tree_catalog(KINDS / case, KINDS / EXPECTED[case]["rules"], tmp_path / "cache")
    assert all("requires" in want or want.get("reachable") is False for want in EXPECTED[case]["messages"])
    assert_expected_messages(catalog, EXPECTED[case]["messages"], certain=True)
