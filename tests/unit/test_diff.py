"""Diff of two releases of a fixture daemon written for the test: every kind of change."""

import shutil
from pathlib import Path

import pytest
from diff_support import daemon_releases

from srcscan.catalog import catalog_from_dict, catalog_to_dict
from srcscan.diff import diff_catalogs, diff_to_dict, requires_option
from srcscan.errors import InputError
from srcscan.pipeline import build_from_tree
from srcscan.rules import load_rules
from srcscan.sources import Provenance, SourceTree

FIXTURES = Path(__file__).parent.parent / "fixtures"


def catalog(root: Path, version: str, cache: Path):
    rules = load_rules(str(FIXTURES / "demo.toml"))
    return build_from_tree(rules, SourceTree(root, Provenance("path", str(root), version)), cache).catalog


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    base = tmp_path_factory.mktemp("releases")
    old, new = base / "1.0", base / "1.1"
    for d in (old, new):
        d.mkdir()
    for root, text in zip((old, new), daemon_releases()):
        (root / "daemon.c").write_text(text)
    (new / "lib").mkdir()
    shutil.copy(FIXTURES / "diff" / "helper.c", new / "lib" / "helper.c")  # "Old helper" moves to another file
    cache = base / "cache"
    return catalog(old, "1.0", cache), catalog(new, "1.1", cache)


@pytest.fixture(scope="module")
def result(releases):
    return diff_catalogs(*releases)


def formats(messages):
    return sorted(m.format for m in messages)


def test_added_and_removed(result):
    assert formats(result.added) == ["Brand new message %d"]
    assert formats(result.removed) == ["Going away soon"]


def test_rewording_priority_guard_and_location_changes(result):
    changes = {c.old.format: c for c in result.changed}
    reworded = changes["Unable to open %s"]
    assert reworded.new.format == "Unable to open file %s" and reworded.fields == ("template",)
    assert 0.6 <= reworded.similarity < 1
    assert changes["Low memory"].fields == ("priority",)
    assert (changes["Low memory"].old.priority, changes["Low memory"].new.priority) == ("LOG_WARNING", "LOG_ERR")
    (helper,) = [c for c in result.moved if c.old.format == "Old helper %s"]  # only its place changed: moved
    assert helper.fields == ("location",) and helper.new.file == "lib/helper.c"
    assert len(result.changed) == 3


def test_guard_added_changes_what_the_message_requires(result):
    (dumping,) = [c for c in result.changed if c.old.format == "Dumping state"]
    assert dumping.fields == ("requires", "conditions")  # the guard added is a change of its conditions too
    assert (dumping.old.requires, dumping.new.requires) == ((), (("-d",),))


def test_line_moves_alone_are_not_changes(result):
    assert "Starting %s" in formats(c.new for c in result.moved)
    assert "Starting %s" not in formats(c.new for c in result.changed)


def test_same_catalog_twice_has_no_differences(releases):
    same = diff_catalogs(releases[0], releases[0])
    assert not same.differs and not same.moved


def test_only_filter_keeps_messages_involving_the_option(releases):
    from dataclasses import replace

    old, new = releases
    new_msgs = tuple(replace(m, requires=(("-D",),)) if m.format == "Dumping state" else m for m in new.messages)
    new = replace(new, messages=new_msgs)
    only = diff_catalogs(old, new, requires_option({"-D"}))
    assert [c.new.format for c in only.changed] == ["Dumping state"]  # matched first, then filtered
    assert not only.added and not only.removed


def test_json_shape(result):
    data = diff_to_dict(result)
    assert data["schema"] == "srcscan.diff/1"
    assert data["old"]["version"] == "1.0" and data["new"]["version"] == "1.1"
    assert {c["old"]["format"] for c in data["changed"]} == {"Unable to open %s", "Low memory", "Dumping state"}
    assert all("similarity" in c and "fields" in c for c in data["changed"])


def test_catalogs_of_different_projects_are_refused(releases):
    from dataclasses import replace

    old, new = releases
    with pytest.raises(InputError, match="two different projects"):
        diff_catalogs(old, replace(new, project="other"))
    with pytest.raises(InputError, match="schema"):
        diff_catalogs(old, catalog_from_dict({**catalog_to_dict(new), "schema": "srcscan.catalog/0"}))


def test_markdown_title_names_versions_or_the_trees_given_by_path(releases):
    from dataclasses import replace

    from srcscan.render.diff import render_diff_markdown

    old, new = releases
    assert render_diff_markdown(diff_catalogs(old, new)).startswith("# demo 1.0 -> 1.1: log message changes")
    unversioned = [replace(c, version=None) for c in releases]  # catalogs of --path trees: no version
    title = render_diff_markdown(diff_catalogs(*unversioned)).splitlines()[0]
    assert title == "# demo 1.0 -> 1.1: log message changes"  # the directories' names (1.0/ and 1.1/)
