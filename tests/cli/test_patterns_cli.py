"""`srcscan diff OLD NEW --patterns FILE` and `srcscan catalog --patterns FILE`, on two releases
of a small web server whose basic-auth failure message was reworded (as lighttpd's was between
1.4.19 and 1.4.69), checked with a fail2ban filter written for the old wording."""

import json
from pathlib import Path

import pytest

from test_catalog_cli import srcscan

FIXTURES = Path(__file__).parent.parent / "fixtures"
AUTH = FIXTURES / "auth.toml"
FILTER = FIXTURES / "patterns" / "lighttpd-auth.conf"


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    """The catalogs of both releases, built once for the module's diffs (they only read them)."""
    tmp_path = tmp_path_factory.mktemp("auth")
    out = {}
    for side in ("old", "new"):
        out[side] = tmp_path / f"{side}.json"
        run = srcscan("catalog", "--path", FIXTURES / "auth" / side, "--rules", AUTH, "--cache-dir", tmp_path / "c",
                      "-o", out[side])
        assert run.returncode == 0, run.stderr
    return out


def test_diff_patterns_names_the_failregex_the_upgrade_breaks(catalogs):
    c = catalogs
    run = srcscan("diff", "--old", c["old"], "--new", c["new"], "--patterns", FILTER, "--format", "json")
    assert run.returncode == 1, run.stderr  # a pattern broke
    data = json.loads(run.stdout)
    basic, digest = data["patterns"]
    assert [[m["format"] for m in side] for side in basic["matches"]] == [
        ["password doesn't match for  %s %s , IP: %s"], []]
    assert [[m["format"] for m in side] for side in digest["matches"]] == [
        ["digest: auth failed for  %s : wrong password, IP: %s"],
        ["digest: auth failed for %.*s: wrong password, IP: %s"]]
    assert data["broken"] == [basic["pattern"]] and "<HOST>" in basic["pattern"] and "(?P<ip4>" in basic["regex"]
    assert "2 patterns: 2 match in" in run.stderr and "1 broken by the upgrade" in run.stderr
    md = srcscan("diff", "--old", c["old"], "--new", c["new"], "--patterns", FILTER, "--format", "md")
    assert "## Broken by the upgrade (1)" in md.stdout


def test_diff_patterns_that_still_match_exit_0(catalogs, tmp_path):
    c = catalogs
    rules = tmp_path / "digest.regex"
    rules.write_text(r"digest: auth failed for\s+\S+\s*: wrong password" + "\n")
    run = srcscan("diff", "--old", c["old"], "--new", c["new"], "--patterns", rules, "--format", "md")
    assert run.returncode == 0, run.stderr
    assert "Every pattern that matched" in run.stdout


def test_catalog_patterns_regex_and_logcheck(tmp_path):
    demo = ["--path", FIXTURES / "demo", "--rules", FIXTURES / "demo.toml", "--cache-dir", tmp_path / "c"]
    for path, kinds in ((FIXTURES / "patterns" / "demo.regex", ["regex", "regex"]),
                        (FIXTURES / "patterns" / "ignore.d.server" / "demo", ["logcheck", "logcheck"])):
        run = srcscan("catalog", *demo, "--patterns", path, "--format", "json")
        assert run.returncode == 0, run.stderr
        data = json.loads(run.stdout)
        assert [p["kind"] for p in data["patterns"]] == kinds
        assert [[m["format"] for m in p["matches"][0]] for p in data["patterns"]] == [["Starting %s (pid %d)"], []]
        assert "1 of 2 patterns match 1 messages" in run.stderr
    bad = srcscan("catalog", *demo, "--patterns", tmp_path / "none.conf")
    assert bad.returncode == 2 and "cannot read patterns" in bad.stderr and "Traceback" not in bad.stderr
