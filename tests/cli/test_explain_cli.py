"""`srcscan explain` end to end: formats, --summary, a tree on disk, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from explain_support import catalog
from test_catalog_cli import srcscan

from srcscan.render.json import render_json

FIXTURES = Path(__file__).parent.parent / "fixtures"
LOG = b"""Nov 29 23:12:17 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE
Nov 29 23:12:18 lb1 cron[55]: (root) CMD (run-parts /etc/cron.hourly)
Nov 29 23:12:19 lb1 Keepalived_vrrp[9]: Discarding bogus packet from 192.0.2.7
Nov 29 23:12:20 lb1 Keepalived_vrrp[9]: (VI_1) Entering MASTER STATE
Nov 29 23:12:21 lb1 Keepalived[1]: something no release says
"""


@pytest.fixture
def cat(tmp_path):
    path = tmp_path / "keepalived.json"
    path.write_text(render_json(catalog()))
    return path


def test_json_lines_and_summary(tmp_path, cat):
    log = tmp_path / "syslog"
    log.write_bytes(LOG)
    run = srcscan("explain", "keepalived", log, "--catalog", cat, "--format", "json", "--engine", "re")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [(l["n"], [m["line"] for m in l["matches"] if m["best"]]) for l in doc["lines"]] == [
        (1, [2179]), (3, [670]), (4, [2179]), (5, [])]
    s = doc["summary"]
    assert (s["records"], s["other"], s["matched"], s["unmatched"], s["options"]) == (5, 1, 3, 1, ["-D"])
    assert [(m["line"], m["count"], m["first"], m["last"]) for m in s["messages"]] == [
        (2179, 2, "Nov 29 23:12:17", "Nov 29 23:12:20"), (670, 1, "Nov 29 23:12:19", "Nov 29 23:12:19")]


def test_with_narrows_a_catalog_read_from_a_file_as_it_narrows_a_built_one(tmp_path, cat):
    """--with names every option the daemon ran with: a line only -D writes cannot be explained
    by a run without -D, whether the catalog is built or read with --catalog."""
    log = tmp_path / "syslog"
    log.write_bytes(LOG)
    data = json.loads(cat.read_text())  # the option table a built catalog has: -D and -l
    data["sections"]["options"] = [{"also": [], "code": ord(letter), "effects": [], "file": "keepalived/core/main.c",
                                    "kind": "cli", "names": [f"-{letter}"], "takes_value": False} for letter in "Dl"]
    cat.write_text(json.dumps(data))
    runs = {w: srcscan("explain", "keepalived", log, "--catalog", cat, "--format", "json", "--engine", "re", *w)
            for w in ((), ("--with", "-D"), ("--with", "-l"))}
    best = {w: [(l["n"], [m["line"] for m in l["matches"] if m["best"]]) for l in json.loads(r.stdout)["lines"]]
            for w, r in runs.items() if r.returncode == 0}
    assert best[()] == best[("--with", "-D")] == [(1, [2179]), (3, [670]), (4, [2179]), (5, [])]
    assert best[("--with", "-l")] == [(1, [2179]), (3, []), (4, [2179]), (5, [])]


def test_summary_to_markdown_file_from_gzip(tmp_path, cat):
    log = tmp_path / "messages.gz"
    log.write_bytes(gzip.compress(LOG))
    out = tmp_path / "report.md"
    run = srcscan("explain", "keepalived", log, "--catalog", cat, "--summary", "-o", out)
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    assert "| 2 " in text and "`keepalived/vrrp/vrrp.c:2179 vrrp_state_master_tx`" in text
    assert "something no release says" in text and "Options these lines prove were on: `-D`" in text


def test_stdin(tmp_path, cat):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "srcscan", "explain", "keepalived", "-", "--catalog", str(cat),
                          "--summary", "--format", "json"], input=LOG, capture_output=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["matched"] == 3


def test_a_tree_on_disk(tmp_path):
    log = tmp_path / "syslog"
    log.write_bytes(b"Nov 29 23:12:17 lb1 demo[3]: Starting lb (pid 42)\n")
    run = srcscan("explain", "--rules", FIXTURES / "demo.toml", "demo", log, "--path", FIXTURES / "demo",
                  "--cache-dir", tmp_path / "c", "--format", "json")
    assert run.returncode == 0, run.stderr
    (match,) = json.loads(run.stdout)["lines"][0]["matches"]
    assert (match["file"], match["values"]) == ("src/main.c", {"name": "lb", "42": "42"})


@pytest.mark.parametrize("content,why", [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00" * 50, "a binary file, not a log"),
    (b"Nov 29 23:12:18 lb1 cron[55]: (root) CMD\n", "no line of keepalived 2.3.4 in"),
    (b"Nov 29 23:12:18 lb1 Keepalived[55]: (root) CMD\n", "matches a message of keepalived 2.3.4"),
    (b"", "no line at all in"),
    (gzip.compress(LOG, mtime=0)[:30], "damaged gzip file"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, cat, content, why):
    log = tmp_path / "log"
    log.write_bytes(content)
    out = tmp_path / "out.json"
    run = srcscan("explain", "keepalived", log, "--catalog", cat, "-o", out)
    assert run.returncode == 2 and why in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not out.exists()


def test_missing_file_and_bad_catalog(tmp_path, cat):
    run = srcscan("explain", "keepalived", tmp_path / "nope.log", "--catalog", cat)
    assert run.returncode == 2 and "no such file" in run.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    log = tmp_path / "log"
    log.write_bytes(LOG)
    run = srcscan("explain", "keepalived", log, "--catalog", bad)
    assert run.returncode == 2 and "not a srcscan catalog" in run.stderr and "Traceback" not in run.stderr


RULES = """
[project]
name = "mini"

[source]
git = "{repo}"
tag = "v{{version}}"
providers = ["git"]

[[log_functions]]
name = "syslog"
priority_arg = 0
format_arg = 1
"""

RELEASES = {  # version -> main.c: "ready" from 1.1 on, "going down" until 1.1, "slow" in every one
    "1.0": 'syslog(LOG_INFO, "slow: %d ms", n); syslog(LOG_INFO, "going down");',
    "1.1": 'syslog(LOG_INFO, "slow: %d ms", n); syslog(LOG_INFO, "going down"); syslog(LOG_INFO, "ready %s", s);',
    "1.2": 'syslog(LOG_INFO, "slow: %d ms", n); syslog(LOG_INFO, "ready %s", s);',
}


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    import subprocess

    tmp_path = tmp_path_factory.mktemp("mini")
    repo = tmp_path / "upstream"
    repo.mkdir()
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)
    git("init", "-q")
    for version, body in RELEASES.items():
        (repo / "main.c").write_text("#include <syslog.h>\nvoid run(int n, const char *s) {\n    " + body + "\n}\n")
        git("add", "main.c")
        git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", version)
        git("tag", f"v{version}")
    rules = tmp_path / "mini.toml"
    rules.write_text(RULES.format(repo=repo))
    return rules


@pytest.fixture(scope="module")
def releases_cache(tmp_path_factory):
    """One cache for the cases of a test below: the first builds the releases' catalogs, the
    others read them back (each test function has its own, so none sees another's history)."""
    return tmp_path_factory.mktemp("c")


@pytest.mark.parametrize("lines,versions_arg,expected", [
    (b"Nov 29 23:12:17 lb1 mini[3]: slow: 12 ms\nNov 29 23:12:18 lb1 mini[3]: ready now\n", ["--versions", "1.0..1.2"],
     ["1.1", "1.2"]),
    (b"Nov 29 23:12:17 lb1 mini[3]: going down\nNov 29 23:12:18 lb1 mini[3]: ready now\n", ["--versions", "1.0.."],
     ["1.1"]),
    (b"Nov 29 23:12:17 lb1 mini[3]: going down\n", ["--versions", "1.0..1.1"], ["1.0", "1.1"]),
    (b"Nov 29 23:12:17 lb1 mini[3]: slow: 12 ms\n", [], ["1.0", "1.1", "1.2"]),  # no version: every release
])
def test_which_releases_hold_every_matched_message(tmp_path, releases, releases_cache, lines, versions_arg, expected):
    log = tmp_path / "syslog"
    log.write_bytes(lines)
    for summary in ([], ["--summary"]):
        run = srcscan("explain", "--rules", releases, "mini", log, *versions_arg, *summary, "--cache-dir",
                      releases_cache, "--format", "json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["versions"] == expected


def test_a_range_with_no_release_exits_2(tmp_path, releases):
    log = tmp_path / "syslog"
    log.write_bytes(b"Nov 29 23:12:17 lb1 mini[3]: going down\n")
    run = srcscan("explain", "--rules", releases, "mini", log, "--versions", "3.0..4.0", "--cache-dir", tmp_path / "c")
    assert run.returncode == 2 and "no release of" in run.stderr and "1.0 .. 1.2" in run.stderr


@pytest.fixture(scope="module")
def history_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("history")


@pytest.mark.parametrize("lines,expected", [
    (b"Nov 29 23:12:17 lb1 mini[3]: going down\nNov 29 23:12:18 lb1 mini[3]: ready now\n", ["1.1"]),
    (b"Nov 29 23:12:17 lb1 mini[3]: slow: 12 ms\n", ["1.0", "1.1", "1.2"]),
])
def test_releases_from_the_history_index_without_building_catalogs(tmp_path, releases, history_cache, lines, expected):
    cache = history_cache
    made = srcscan("history", "--rules", releases, "mini", "--cache-dir", cache, "--format", "json")
    assert made.returncode == 0, made.stderr
    log = tmp_path / "syslog"
    log.write_bytes(lines)
    run = srcscan("explain", "--rules", releases, "mini", log, "--versions", "1.0..1.2", "--cache-dir", cache,
                  "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["versions"] == expected
    assert "3 of 3 releases read from the history index" in run.stderr
    assert "release 1.0 (" not in run.stderr  # no catalog built release by release
