"""A `--with` catalog of a tree this process already built redoes only the processes and the
assembly (pipeline._PREPARED), and equals the catalog made from scratch."""

from __future__ import annotations

from pathlib import Path

import pytest

import srcscan.pipeline as pipeline
from srcscan.analyze.facilities import BadOptionValue
from srcscan.catalog import catalog_to_dict
from conftest import tree_catalog

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _build(cache: Path, with_options=()):
    return tree_catalog(FIXTURES / "procs", FIXTURES / "procs.toml", cache, with_options)


def test_a_with_run_after_a_plain_one_equals_a_fresh_one_and_scans_nothing(tmp_path, monkeypatch):
    _build(tmp_path / "a")

    def again(*args, **kwargs):
        raise AssertionError("worked out again")

    with monkeypatch.context() as m:
        m.setattr("srcscan.coverage.scan_with_coverage", again)
        m.setattr("srcscan.analyze.requirements.analyze_requirements", again)
        reused = [catalog_to_dict(_build(tmp_path / "a", w)) for w in (("-S 3",), ("-D", "--log-facility=5"))]
        with pytest.raises(BadOptionValue):
            _build(tmp_path / "a", ("-S 8",))
    fresh = []
    for i, w in enumerate((("-S 3",), ("-D", "--log-facility=5"))):
        pipeline._PREPARED.clear()
        fresh.append(catalog_to_dict(_build(tmp_path / f"fresh{i}", w)))
    assert reused == fresh
    assert {m["facility"][0] for m in fresh[0]["messages"]} == {"local3"}


def test_a_with_run_reuses_the_work_of_a_tree_whose_built_is_kept_after_another_tree(tmp_path, monkeypatch):
    """The tests' session fixture keeps each release's Built and builds others before asking
    for a `--with` catalog of the first: its option-independent work lives with its Built."""
    from srcscan.pipeline import build_from_tree
    from srcscan.rules import load_rules
    from srcscan.sources import Provenance, SourceTree

    def built(root: Path, rules: Path):
        return build_from_tree(load_rules(str(rules)), SourceTree(root, Provenance("path", str(root), None)), tmp_path / "c")

    kept = built(FIXTURES / "procs", FIXTURES / "procs.toml")
    other = built(FIXTURES / "demo", FIXTURES / "demo.toml")

    def again(*args, **kwargs):
        raise AssertionError("worked out again")

    with monkeypatch.context() as m:
        m.setattr("srcscan.coverage.scan_with_coverage", again)
        m.setattr("srcscan.analyze.requirements.analyze_requirements", again)
        reused = catalog_to_dict(_build(tmp_path / "c", ("-S 3",)))
    assert kept.catalog.messages and other.catalog.messages
    pipeline._PREPARED.clear()
    assert reused == catalog_to_dict(_build(tmp_path / "fresh", ("-S 3",)))
