"""`srcscan diff` on a git repository with two tagged releases the test builds."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from diff_support import daemon_releases
from test_catalog_cli import srcscan

FIXTURES = Path(__file__).parent.parent / "fixtures"


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("project")
    repo = base / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    git("config", "user.email", "t@example.org", cwd=repo)
    git("config", "user.name", "t", cwd=repo)
    for tag, source in zip(("v1.0", "v1.1"), daemon_releases()):
        (repo / "daemon.c").write_text(source)
        if tag == "v1.1":
            (repo / "lib").mkdir()
            shutil.copy(FIXTURES / "diff" / "helper.c", repo / "lib" / "helper.c")
        git("add", ".", cwd=repo)
        git("commit", "-qm", tag, cwd=repo)
        git("tag", tag, cwd=repo)
    rules = base / "demo.toml"
    rules.write_text((FIXTURES / "demo.toml").read_text().replace(
        'providers = ["path"]', f'git = "{repo}"\ntag = "v{{version}}"\nproviders = ["git"]'))
    return rules, repo, base / "cache"


def test_diff_of_two_releases_exits_1_and_reports_reuse(project, tmp_path):
    rules, repo, cache = project
    out = tmp_path / "d.json"
    run = srcscan("diff", "demo", "--rules", rules, "1.0", "1.1", "--cache-dir", cache, "-o", out, "-v")
    assert run.returncode == 1, run.stderr
    data = json.loads(out.read_text())
    assert [m["format"] for m in data["added"]] == ["Brand new message %d"]
    assert [m["format"] for m in data["removed"]] == ["Going away soon"]
    assert "1 added, 1 removed, 3 changed" in run.stderr
    assert "parsed" in run.stderr and "from cache" in run.stderr


def test_markdown_hides_moves_unless_asked(project, tmp_path):
    rules, repo, cache = project
    md = tmp_path / "d.md"
    assert srcscan("diff", "demo", "--rules", rules, "1.0", "1.1", "--cache-dir", cache, "-o", md).returncode == 1
    assert "## Moved" not in md.read_text() and "## Changed (3)" in md.read_text()
    assert srcscan("diff", "demo", "--rules", rules, "1.0", "1.1", "--cache-dir", cache, "--moves", "-o", md).returncode == 1
    assert "## Moved" in md.read_text()


def test_same_version_twice_exits_0(project):
    rules, repo, cache = project
    run = srcscan("diff", "demo", "--rules", rules, "1.0", "1.0", "--cache-dir", cache)
    assert run.returncode == 0 and "same version" in run.stderr


def test_catalog_files_of_different_projects_exit_2(project, tmp_path):
    rules, repo, cache = project
    a = tmp_path / "a.json"
    assert srcscan("catalog", "demo", "--rules", rules, "1.0", "--cache-dir", cache, "-o", a).returncode == 0
    data = json.loads(a.read_text())
    b = tmp_path / "b.json"
    b.write_text(json.dumps({**data, "project": "other"}))
    run = srcscan("diff", "--old", a, "--new", b)
    assert run.returncode == 2 and "two different projects" in run.stderr and "Traceback" not in run.stderr
    same = srcscan("diff", "--old", a, "--new", a)
    assert same.returncode == 0


def test_unknown_version_exits_2(project):
    rules, repo, cache = project
    run = srcscan("diff", "demo", "--rules", rules, "1.0", "7.7", "--cache-dir", cache)
    assert run.returncode == 2 and "no version 7.7" in run.stderr


def test_only_an_option_keeps_messages_involving_it(project, tmp_path):
    rules, repo, cache = project
    out = tmp_path / "only.json"
    run = srcscan("diff", "demo", "--rules", rules, "1.0", "1.1", "--cache-dir", cache, "--only", "-d", "-o", out)
    assert run.returncode == 1, run.stderr
    data = json.loads(out.read_text())
    assert [c["new"]["format"] for c in data["changed"]] == ["Dumping state"]
    assert data["added"] == [] and data["removed"] == []
