"""srcscan history over a real range: lighttpd 1.4.69 -> 1.4.79 as Debian's archive carries it
(the Debian fallback: `--provider debian`, versions from the archive's source packages).

Every fact asserted was checked by reading both unpacked trees: configfile.c:1674's
`unrecognized server.syslog-facility: "%s"` became fdlog_maint.c:411's
`unrecognized syslog facility: "%s"`; `got a string but expected a short: %s %s` gained
"integer". The history's catalogs are the catalogs a single `catalog` run makes (the same
results-cache entries), and each release's pairs are the diff's.
"""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from srcscan.cli import cli
from tests.conftest import real_cache_dir, same_worker

pytestmark = same_worker("lighttpd")


@pytest.fixture(scope="module")
def history(tmp_path_factory, debian):
    cache = real_cache_dir(tmp_path_factory)
    old, new = debian("lighttpd", "1.4.69"), debian("lighttpd", "1.4.79")  # shared with the other modules
    result = CliRunner().invoke(cli, ["history", "lighttpd", "--provider", "debian", "--from", "1.4.69", "--to",
                                      "1.4.79", "--cache-dir", str(cache), "--format", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr, old, new, cache


def texts(m):
    return {e.get("new", {}).get("text") for e in m["events"]} | {e.get("old", {}).get("text") for e in m["events"]}


def test_the_releases_are_debians(history):
    data, stderr, *_ = history
    assert [r["release"] for r in data["releases"]] == ["1.4.69", "1.4.79"]
    assert [r["ref"] for r in data["releases"]] == ["1.4.69-1", "1.4.79-2"]  # Debian versions
    assert "srcscan: cost: 2 releases: " in stderr and "files parsed" in stderr


def test_a_reworded_and_moved_message_keeps_its_sid(history):
    data, *_ = history
    (facility,) = [m for m in data["messages"]
                   if any(t and t.startswith('unrecognized server.syslog-facility: "%s"') for t in texts(m))]
    (change,) = [e for e in facility["events"] if e["kind"] == "changed"]
    assert change["release"] == "1.4.79" and {"template", "location"} <= set(change["fields"])
    assert change["new"]["file"] == "src/fdlog_maint.c" and change["new"]["text"].startswith("unrecognized syslog facility")
    assert facility["first"] == "1.4.69" and facility["removed"] is None
    (short,) = [m for m in data["messages"] if "got a string but expected a short: %s %s" in texts(m)]
    assert [(e["release"], e["kind"]) for e in short["events"]] == [("1.4.69", "added"), ("1.4.79", "changed")]
    assert short["text"] == "got a string but expected a short integer: %s %s"


def test_events_follow_the_diff_and_ids_are_unique(history):
    data, _, old, new, _ = history
    first, second = data["releases"]
    assert first["messages"] == len(old.catalog.messages) and second["messages"] == len(new.catalog.messages)
    sids = [m["sid"] for m in data["messages"]]
    assert len(sids) == len(set(sids))
    added = [m for m in data["messages"] if m["first"] == "1.4.79"]
    removed = [m for m in data["messages"] if m["removed"] == "1.4.79"]
    assert second["added"] <= len(added) <= second["added"] + second["merged"] and len(removed) >= second["removed"]
    # every message of 1.4.79 has one sid, and the ones 1.4.69 already had keep theirs
    alive = [m for m in data["messages"] if m["removed"] is None]
    assert len(alive) == len(new.catalog.messages)


def test_catalog_shows_the_sid_of_the_history(history, tmp_path):
    data, _, _, new, cache = history
    out = tmp_path / "c.json"
    result = CliRunner().invoke(cli, ["catalog", "lighttpd", "1.4.79", "--provider", "debian", "--cache-dir", str(cache),
                                      "--format", "json", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    catalog = json.loads(out.read_text())
    by_text = {m["text"]: m["sid"] for m in data["messages"] if m["removed"] is None}
    shown = {m["text"]: m.get("sid") for m in catalog["messages"]}
    assert all(shown.values())  # every message of a release the history holds has its sid
    assert shown["got a string but expected a short integer: %s %s"] == \
        by_text["got a string but expected a short integer: %s %s"]


def test_when_git_does_not_work_releases_come_from_debian(tmp_path_factory, history, tmp_path, capsys):
    """The rules' git repository cannot be reached: the releases are Debian's, said in one line.
    (The history's versions are chosen by release_versions; a run with this rules file would build
    1.4.79's catalog again under another rules hash, which the history fixture's run showed.)"""
    from srcscan.commands.history import release_versions
    from srcscan.rules import load_rules

    rules = tmp_path / "lighttpd.toml"
    text = Path(load_rules("lighttpd").path).read_text()
    rules.write_text(text.replace('git = "https://github.com/lighttpd/lighttpd1.4"', f'git = "{tmp_path / "no-such-repo"}"'))
    assert str(tmp_path / "no-such-repo") in rules.read_text()
    known, providers = release_versions(load_rules(str(rules)), None, None, real_cache_dir(tmp_path_factory), "1.4.79")
    stderr = capsys.readouterr().err
    assert "no such git repository" in stderr and "releases from the Debian archive" in stderr
    assert providers == ("debian",) and {"1.4.69", "1.4.79"} <= set(known)
    assert [r["release"] for r in history[0]["releases"]] == ["1.4.69", "1.4.79"]  # what --provider debian chose
