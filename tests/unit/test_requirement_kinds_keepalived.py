"""Issue "every answer true", requirement kinds seen in keepalived 2.3.4: each small tree of
tests/fixtures/reqk-kinds2 gives the requirements its expected.json names (same format as
tests/fixtures/precision)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import tree_catalog


KINDS = Path(__file__).parent.parent / "fixtures" / "reqk-kinds2"
EXPECTED = json.loads((KINDS / "expected.json").read_text())["cases"]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_requirements_of_each_kind(case, tmp_path):
    catalog = tree_catalog(KINDS / case, KINDS / EXPECTED[case]["rules"], tmp_path / "cache")
    found = {(m.file, m.format): m for m in catalog.messages}
    for want in EXPECTED[case]["messages"]:
        m = found.get((want["file"], want["format"]))
        if want.get("reachable") is False:
            assert m is None or m.requires == (("false",),), f"{want['format']} can never be logged"
            continue
        assert m is not None, f"no message {want['format']!r} in {want['file']}"
        assert [list(a) for a in m.requires] == sorted(sorted(a) for a in want["requires"]), want["format"]
        assert not m.uncertain, (want["format"], m.uncertain)
