"""`srcscan diff --old A.json --new B.json` on catalogs of git releases reads the two releases'
texts (the cached export, else the local clone) like `srcscan diff PROJECT OLD NEW` does: the
line mapping, helper calls and `#if 0` are the pairing's evidence. Without them lighttpd
1.4.69's second `fcntl` (network.c:498, AF_UNIX branch) was folded with the first into 1.4.79's
`fcntl()` at network.c:499 and its own `fcntl()` at :545 reported added (audit s18d dl1
merged-12, added-13); `pipe failed` handed to a new helper as `pipe()` was removed + added, and a
copy now under `#if 0` was merged into the live one (dl1 removed-7, -8, added-6, merged-8, -9)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_catalog_cli import srcscan

FIXTURES = Path(__file__).parent.parent / "fixtures"


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory):
    base = tmp_path_factory.mktemp("sites")
    repo = base / "repo"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    git("config", "user.email", "t@example.org", cwd=repo)
    git("config", "user.name", "t", cwd=repo)
    for version in ("1.0", "1.1"):
        shutil.copy(FIXTURES / "diffsites" / f"server-{version}.c", repo / "server.c")
        git("add", ".", cwd=repo)
        git("commit", "-qm", version, cwd=repo)
        git("tag", f"v{version}", cwd=repo)
    rules = base / "demo.toml"
    rules.write_text((FIXTURES / "demo.toml").read_text().replace(
        'providers = ["path"]', f'git = "{repo}"\ntag = "v{{version}}"\nproviders = ["git"]'))
    cache = base / "cache"
    out = {}
    for version in ("1.0", "1.1"):
        out[version] = base / f"{version}.json"
        run = srcscan("catalog", "demo", "--rules", rules, version, "--cache-dir", cache, "-o", out[version])
        assert run.returncode == 0, run.stderr
    return rules, cache, out, base


def _events(path: Path) -> dict:
    d = json.loads(path.read_text())
    return {"added": sorted((m["line"], m["text"]) for m in d["added"]),
            "removed": sorted((m["line"], m["text"]) for m in d["removed"]),
            "merged": [([o["line"] for o in m["olds"]], m["new"]["line"], m["new"]["text"]) for m in d["merged"]],
            "gone_sites": [(e["old"]["line"], e["still"]["line"]) for e in d["gone_sites"]],
            "moved": sorted((c["old"]["line"], c["new"]["line"], c["new"]["text"]) for c in d["moved"]
                            if c["new"]["function"] == "checker_end_handler"),
            "changed": sorted((c["old"]["line"], c["new"]["line"], c["old"]["text"], c["new"]["text"]) for c in d["changed"])}


# Before (no texts): both `pipe failed` removed and the helper's `pipe()` added (dl1 removed-7,
# -8, added-6); the `#if 0` copy of `compress failed.` merged into the live one (dl1 merged-9);
# `fcntl`/`fcntl()` removed + added, the two `socket` folded into one `socket()` and the other added.
EXPECTED = {"added": [(38, "socket() MPTCP")], "removed": [],
            "merged": [([47, 51], 61, "pipe()")],  # into the helper spawn_err() its calls hand "pipe()"
            "gone_sites": [(62, 91)],  # compress_mapped() is under `#if 0`: that call site is gone
            "changed": [(13, 14, "fcntl", "fcntl()"), (19, 20, "socket", "socket()"), (23, 31, "fcntl", "fcntl()"),
                        (29, 44, "socket", "socket()"), (73, 91, "compress failed.", "compress failed.")],
            # checker_end_handler(): 1.0 returned on `!new_checker`, 1.1 reads through the parser's
            # current_checker untested (a flag `if (!user_set)` further down is no pointer test):
            # the same cases log it, no `conditions` change (audit s18d dk2 changed-1)
            "moved": [(89, 106, "No script path has been specified - skipping"), (95, 111, "No user set for script %s")]}


@pytest.mark.parametrize("cache_kind", ["cached-export", "clone-only"])
def test_each_old_call_pairs_with_its_reworded_call_from_catalog_files(catalogs, tmp_path, cache_kind):
    """Each `fcntl`/`socket` pairs 1-1 with its own `fcntl()`/`socket()`, never two old calls
    folded into one while the other new call is reported added; the same events as the
    diff that builds both releases."""
    rules, cache, cats, _ = catalogs
    cache_dir = cache if cache_kind == "cached-export" else tmp_path / "empty-cache"
    out = tmp_path / "d.json"
    run = srcscan("diff", "demo", "--old", cats["1.0"], "--new", cats["1.1"], "--cache-dir", cache_dir,
                  "--format", "json", "-o", out)
    assert run.returncode == 1, run.stderr
    assert _events(out) == EXPECTED
    built = tmp_path / "built.json"
    run = srcscan("diff", "demo", "--rules", rules, "1.0", "1.1", "--cache-dir", cache, "--format", "json", "-o", built)
    assert run.returncode == 1, run.stderr
    assert _events(built) == EXPECTED
