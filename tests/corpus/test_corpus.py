"""Every command over the bad-input corpus: one clear line and exit 2, or (broken C) a finished run.

The inputs live beside this file (rules/, c/, catalogs/; each folder's README says what
they are); the few that are large, binary or need a repository are generated here. Each
command runs as a user runs it (`python -m srcscan`), so a traceback anywhere fails the test.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from srcscan.errors import SourceError
from srcscan.sources.util import safe_extract

CORPUS = Path(__file__).parent
FIXTURES = CORPUS.parent / "fixtures"
BAD_RULES = sorted(p for p in (CORPUS / "rules").glob("*.toml"))
BAD_CATALOGS = sorted((CORPUS / "catalogs").glob("*.json"))
TREE_COMMANDS = (["catalog"], ["query", "--build", "HAVE_CORPUS"], ["coverage"], ["rsyslog"], ["options"])


def srcscan(*args, env=None, timeout=900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "srcscan", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def inprocess(capsys, monkeypatch, *args) -> subprocess.CompletedProcess:
    """The command run in this process (as the console script runs it): quick for the many
    runs that fail before any parse. Any exception other than SystemExit fails the test."""
    from srcscan.cli import _main

    monkeypatch.setattr(sys, "argv", ["srcscan", *map(str, args)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        _main()
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, done.value.code, out.out, out.err)


def assert_one_clear_line(run: subprocess.CompletedProcess, *expected: str) -> None:
    """Exit 2, stderr one `srcscan: error:` line (no traceback), naming what it should."""
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2, run.stderr
    assert len(lines) == 1 and lines[0].startswith("srcscan: error: "), run.stderr
    for word in expected:
        assert word in lines[0], lines[0]


# ---------------------------------------------------------------------------- rules

@pytest.mark.parametrize("command", TREE_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("rules", BAD_RULES, ids=lambda p: p.stem)
def test_every_command_refuses_a_malformed_rules_file(rules, command, tmp_path, capsys, monkeypatch):
    run = inprocess(capsys, monkeypatch, *command, "--path", FIXTURES / "demo", "--rules", rules, "--cache-dir", tmp_path / "cache",
                  *(["-o", tmp_path / "out"] if command[0] in ("catalog", "rsyslog") else []))
    assert_one_clear_line(run, rules.name)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "cache" / "facts").exists()  # refused before any parse


# ---------------------------------------------------------------------------- broken C

@pytest.fixture(scope="module")
def broken_tree(tmp_path_factory) -> Path:
    """tests/corpus/c plus the generated inputs: random bytes with NULs, 50 MB on one line."""
    root = tmp_path_factory.mktemp("corpus") / "c"
    shutil.copytree(CORPUS / "c", root)
    (root / "binary.c").write_bytes(random.Random(16).randbytes(4096) + b"\0\0\xff\xfe")
    with open(root / "huge_line.c", "w") as fh:  # one line of 50 MB: a declaration, then a comment
        fh.write("int huge_line_value = 1; /* " + "x" * (50 * 1024 * 1024) + " */\n")
    message = b'void log_message(int, const char *, ...);\nvoid named(void) { log_message(6, "%s"); }\n'
    with open(os.fsencode(root) + b"/bad\xff name.c", "wb") as fh:  # a name that is not UTF-8
        fh.write(message % b"in a file named in latin-1")
    (root / "new\nline.c").write_bytes(message % b"in a file with a newline in its name")
    return root


@pytest.fixture(scope="module")
def broken_runs(broken_tree, tmp_path_factory):
    """Every tree command over the broken tree, sharing one cache (the first one parses)."""
    cache = tmp_path_factory.mktemp("corpus-cache")
    out = tmp_path_factory.mktemp("corpus-out")
    runs = {}
    for command in TREE_COMMANDS:
        extra = ["--format", "json", "-o", out / "catalog.json"] if command[0] == "catalog" else []
        runs[command[0]] = srcscan(*command, "--path", broken_tree, "--rules", CORPUS / "corpus.toml",
                                   "--cache-dir", cache, *extra, timeout=1800)
    return runs, out


@pytest.mark.parametrize("command", [c[0] for c in TREE_COMMANDS])
def test_every_command_finishes_over_broken_c(broken_runs, command):
    runs, _ = broken_runs
    run = runs[command]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


def test_the_broken_files_are_in_the_report_and_the_healthy_message_too(broken_runs):
    _, out = broken_runs
    catalog = json.loads((out / "catalog.json").read_text())
    formats = {m["format"] for m in catalog["messages"]}
    assert {"corpus tree started", "after the broken string", "after the parentheses"} <= formats
    assert "inside the comment" not in formats
    files = {f["path"] for f in catalog["files"]}
    assert {"binary.c", "huge_line.c", "latin1.c", "empty.c", "deep_nesting.c", "include_cycle.c"} <= files
    assert "new\nline.c" in files and "in a file with a newline in its name" in formats
    skipped = {x["path"]: x["reason"] for x in catalog["sections"]["skipped"]}
    assert skipped == {"bad\\xff name.c": "file name is not valid UTF-8"}
    latin1 = next(m for m in catalog["messages"] if m["file"] == "latin1.c")
    assert latin1["format"].startswith("d") and "vu" in latin1["format"]


# ---------------------------------------------------------------------------- git

@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory) -> Path:
    """A repository with a submodule and hooks that would leave a marker if they ever ran."""
    base = tmp_path_factory.mktemp("git")
    sub, repo = base / "sub", base / "repo"

    def git(*args, cwd):
        subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=cwd, check=True, capture_output=True)

    for path in (sub, repo):
        path.mkdir()
        git("init", "-q", "-b", "main", cwd=path)
        git("config", "user.email", "t@example.org", cwd=path)
        git("config", "user.name", "t", cwd=path)
    (sub / "sub.c").write_text('void log_message(int, const char *, ...);\nvoid s(void) { log_message(6, "from the submodule"); }\n')
    git("add", ".", cwd=sub)
    git("commit", "-qm", "sub", cwd=sub)
    (repo / "main.c").write_text('void log_message(int, const char *, ...);\nint main(void) { log_message(6, "top"); return 0; }\n')
    git("submodule", "add", "-q", str(sub), "vendor", cwd=repo)
    git("add", ".", cwd=repo)
    git("commit", "-qm", "one", cwd=repo)
    git("tag", "v1.0", cwd=repo)
    for hook in ("post-checkout", "post-merge", "post-update", "pre-receive", "reference-transaction", "post-rewrite"):
        path = repo / ".git" / "hooks" / hook
        path.write_text(f"#!/bin/sh\ntouch {base / 'hook-ran'}\n")
        path.chmod(0o755)
    return repo


def test_a_repository_with_a_submodule_and_hooks_runs_neither(hostile_repo, tmp_path):
    run = srcscan("fetch", "demo", "v1.0", "--source", hostile_repo, "--cache-dir", tmp_path / "cache",
                  env={"SRCSCAN_RULES_DIR": str(FIXTURES)})
    assert run.returncode == 0, run.stderr
    tree = Path(run.stdout.strip())
    assert (tree / "main.c").is_file()
    assert not list((tree / "vendor").iterdir()) if (tree / "vendor").exists() else True
    assert not (hostile_repo.parent / "hook-ran").exists()
    catalog = srcscan("catalog", "--path", tree, "--rules", FIXTURES / "demo.toml", "--cache-dir", tmp_path / "cache",
                      "--format", "json", "-o", tmp_path / "c.json")
    assert catalog.returncode == 0, catalog.stderr
    assert "from the submodule" not in (tmp_path / "c.json").read_text()


@pytest.mark.parametrize("command", [["fetch"], ["catalog"]], ids=lambda c: c[0])
def test_a_git_ref_that_does_not_exist(hostile_repo, tmp_path, command):
    run = srcscan(*command, "demo", "9.9", "--source", hostile_repo, "--cache-dir", tmp_path / "cache",
                  env={"SRCSCAN_RULES_DIR": str(FIXTURES)})
    assert_one_clear_line(run, "no version 9.9")


# ---------------------------------------------------------------------------- archives

def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            payload = (data or {}).get(info.name)
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "", size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, size
    return info


class _Zeros(io.RawIOBase):
    """Reads as `size` zero bytes without holding them."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def _bomb(path: Path, size: int) -> Path:
    """A gzip'd tarball whose one member unpacks to `size` zero bytes (about 1000:1)."""
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(_member("pkg/zeros.c", size=size), io.BufferedReader(_Zeros(size)))
    return path


@pytest.mark.parametrize("name, members, why", [
    ("absolute", [_member("/tmp/srcscan-corpus-evil.c", size=0)], "absolute"),
    ("dotdot", [_member("pkg/../../srcscan-corpus-evil.c", size=0)], "'..'"),
    ("symlink_out", [_member("pkg/a.c", tarfile.SYMTYPE, "../../../etc/passwd")], "out of the tree"),
    ("symlink_absolute", [_member("pkg/a.c", tarfile.SYMTYPE, "/etc/passwd")], "absolute"),
    ("hardlink_out", [_member("pkg/a.c", tarfile.LNKTYPE, "../etc/passwd")], "out of the tree"),
    ("hardlink_absolute", [_member("pkg/a.c", tarfile.LNKTYPE, "/etc/passwd")], "absolute"),
    ("device", [_member("pkg/dev.c", tarfile.CHRTYPE)], "device"),
])
def test_unsafe_archives_are_refused_and_write_nothing_outside(tmp_path, name, members, why):
    archive = _tar(tmp_path / f"{name}.tar.gz", members)
    dest = tmp_path / "out" / "tree"
    dest.mkdir(parents=True)
    with pytest.raises(SourceError, match=why):
        safe_extract(archive, dest)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", f"{name}.tar.gz"])
    assert not Path("/tmp/srcscan-corpus-evil.c").exists()


def test_a_decompression_bomb_is_refused_before_it_fills_the_disk(tmp_path, monkeypatch):
    import srcscan.sources.util as util

    monkeypatch.setattr(util, "MAX_UNPACKED_BYTES", 8 * 1024 * 1024)  # the real limit is in gigabytes
    archive = _bomb(tmp_path / "bomb.tar.gz", 64 * 1024 * 1024)
    assert archive.stat().st_size < 1024 * 1024
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(SourceError, match="would unpack to more than"):
        safe_extract(archive, dest)
    assert not any(dest.rglob("*"))


# ---------------------------------------------------------------------------- catalogs for diff

@pytest.fixture(scope="module")
def good_catalog(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cat") / "demo.json"
    run = srcscan("catalog", "--path", FIXTURES / "demo", "--rules", FIXTURES / "demo.toml",
                  "--cache-dir", out.parent / "cache", "--format", "json", "-o", out)
    assert run.returncode == 0, run.stderr
    return out


def _generated_catalogs(good: Path, where: Path) -> list[Path]:
    text = good.read_text()
    (where / "truncated.json").write_text(text[: len(text) // 2])
    (where / "binary.json").write_bytes(random.Random(7).randbytes(2048))
    other = json.loads(text)
    other["project"] = "other"
    (where / "other_project.json").write_text(json.dumps(other))
    return [where / "truncated.json", where / "binary.json", where / "other_project.json"]


def test_diff_refuses_every_bad_catalog_on_either_side(good_catalog, tmp_path, capsys, monkeypatch):
    for bad in BAD_CATALOGS + _generated_catalogs(good_catalog, tmp_path):
        for old, new in ((bad, good_catalog), (good_catalog, bad)):
            run = inprocess(capsys, monkeypatch, "diff", "--old", old, "--new", new)
            assert_one_clear_line(run, "different projects" if bad.name == "other_project.json" else bad.name)


# ---------------------------------------------------------------------------- logs for explain

def _generated_logs(where: Path) -> list[Path]:
    import gzip

    (where / "binary.log").write_bytes(random.Random(3).randbytes(3000))
    (where / "truncated.log.gz").write_bytes(gzip.compress(b"Nov 29 10:00:00 host demo[1]: x\n" * 50)[:40])
    return [where / "binary.log", where / "truncated.log.gz", where / "missing.log"]


def test_explain_refuses_bad_logs_and_bad_catalogs(good_catalog, tmp_path, capsys, monkeypatch):
    for log in sorted((CORPUS / "logs").glob("*.log")) + _generated_logs(tmp_path):
        run = inprocess(capsys, monkeypatch, "explain", "demo", "--catalog", good_catalog, log)
        assert_one_clear_line(run, log.name)
    log = tmp_path / "one.log"
    log.write_text("Nov 29 10:00:00 host demo[1]: something\n")
    for bad in BAD_CATALOGS + _generated_catalogs(good_catalog, tmp_path)[:2]:
        run = inprocess(capsys, monkeypatch, "explain", "demo", "--catalog", bad, log)
        assert_one_clear_line(run, bad.name)
