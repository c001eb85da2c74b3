"""Source providers: a git repository the test builds, Debian index parsing, safe unpacking."""

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

from srcscan.errors import SourceError
from srcscan.sources.apt import parse_deb822, parse_one_line
from srcscan.sources.debian import parse_sources, source_indexes, upstream_version
from srcscan.sources.git import git_tree, mirror_dir, versions
from srcscan.sources.obtain import obtain_tree
from srcscan.sources.util import safe_extract
from conftest import demo_rules


def run(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """A repository with releases v1.0 and v1.1 and a hook that must never run."""
    repo = tmp_path_factory.mktemp("upstream")
    run("init", "-q", "-b", "main", cwd=repo)
    run("config", "user.email", "t@example.org", cwd=repo)
    run("config", "user.name", "t", cwd=repo)
    (repo / "main.c").write_text('void log_message(int, const char *, ...);\nint main(void) { log_message(6, "one"); return 0; }\n')
    run("add", ".", cwd=repo)
    run("commit", "-qm", "one", cwd=repo)
    run("tag", "v1.0", cwd=repo)
    (repo / "extra.c").write_text("int extra(void) { return 1; }\n")
    run("add", ".", cwd=repo)
    run("commit", "-qm", "two", cwd=repo)
    run("tag", "v1.1", cwd=repo)
    marker = repo.parent / "hook-ran"
    for hook in ("post-checkout", "post-merge", "post-update"):
        path = repo / ".git" / "hooks" / hook
        path.write_text(f"#!/bin/sh\ntouch {marker}\n")
        path.chmod(0o755)
    return repo


def test_release_tags_are_checked_out_from_one_clone(upstream, tmp_path):
    old = git_tree("demo", str(upstream), "1.0", "v{version}", tmp_path)
    assert sorted(p.name for p in old.root.iterdir()) == ["main.c"]
    assert old.provenance.ref == "v1.0" and len(old.provenance.commit) == 40
    mirror = mirror_dir(tmp_path, str(upstream.resolve()))
    stamp = (mirror / "HEAD").stat().st_mtime_ns
    new = git_tree("demo", str(upstream), "1.1", "v{version}", tmp_path)
    assert sorted(p.name for p in new.root.iterdir()) == ["extra.c", "main.c"]
    assert (mirror / "HEAD").stat().st_mtime_ns == stamp  # not cloned again
    assert len([p for p in (tmp_path / "git").iterdir() if not p.name.startswith(".")]) == 1  # one mirror
    assert not (upstream.parent / "hook-ran").exists()


def test_newest_version_and_raw_refs(upstream, tmp_path):
    assert git_tree("demo", str(upstream), None, "v{version}", tmp_path).provenance.version == "1.1"
    commit = subprocess.run(["git", "rev-parse", "v1.0"], cwd=upstream, capture_output=True, text=True).stdout.strip()
    by_commit = git_tree("demo", str(upstream), commit, "v{version}", tmp_path)
    assert by_commit.provenance.commit == commit
    assert git_tree("demo", str(upstream), "v1.1", "v{version}", tmp_path).provenance.ref == "v1.1"


def test_a_version_glob_in_the_tag_pattern_keeps_one_release_line(upstream, tmp_path):
    """lighttpd's 1.3.x tags share the 1.4 line's prefix: "{version:1.1*}" lists 1.1 alone,
    and a version outside the glob is still had by its tag when asked for by name."""
    git_tree("demo", str(upstream), "1.0", "v{version}", tmp_path)
    mirror = mirror_dir(tmp_path, str(upstream.resolve()))
    assert versions(mirror, "v{version}") == ["1.0", "1.1"]
    assert versions(mirror, "v{version:1.1*}") == ["1.1"]
    assert git_tree("demo", str(upstream), None, "v{version:1.0*}", tmp_path).provenance.version == "1.0"
    assert git_tree("demo", str(upstream), "1.1", "v{version:1.0*}", tmp_path).provenance.ref == "v1.1"


def test_unknown_version_and_missing_repository_are_source_errors(upstream, tmp_path):
    with pytest.raises(SourceError, match="no version 9.9"):
        git_tree("demo", str(upstream), "9.9", "v{version}", tmp_path)
    with pytest.raises(SourceError, match="no such git repository"):
        git_tree("demo", str(tmp_path / "nowhere"), "1.0", "v{version}", tmp_path)


def test_fallback_to_the_next_provider_says_so_in_one_line(upstream, tmp_path, monkeypatch):
    import srcscan.sources.debian as debian_provider
    import srcscan.sources.obtain as obtain
    from srcscan.sources import Provenance, SourceTree

    rules = demo_rules(source={"git": str(tmp_path / "unreachable"), "tag": "v{version}", "debian": "demo",
                               "providers": ["git", "debian"]})
    monkeypatch.setattr(obtain, "_said", set())
    monkeypatch.setattr(debian_provider, "debian_tree", lambda project, pkg, version, cache, progress=None: SourceTree(
        upstream, Provenance("debian", "file://demo.dsc", version, sha256="0" * 64)))
    said = []
    tree = obtain_tree(rules, "1.0", cache_dir=tmp_path, notify=said.append)
    assert tree.provenance.provider == "debian"
    assert len(said) == 1 and "using the debian provider" in said[0] and "git" in said[0]


def test_no_version_says_which_version_it_took(upstream, tmp_path):
    rules = demo_rules(source={"git": str(upstream), "tag": "v{version}", "providers": ["git"]})
    said = []
    tree = obtain_tree(rules, None, cache_dir=tmp_path, notify=said.append)
    assert tree.provenance.version == "1.1"
    assert said == ["no version given: using demo 1.1, the newest the git provider has"]
    said.clear()
    obtain_tree(rules, "1.0", cache_dir=tmp_path, notify=said.append)
    assert said == []


def test_apt_configuration_in_both_formats():
    one = parse_one_line("deb [arch=amd64 signed-by=/k.gpg] http://deb.debian.org/debian bookworm main contrib\n"
                         "# deb-src http://x/debian sid main\n")
    assert [(e.types, e.uri, e.suites, e.components, e.signed_by) for e in one] == [
        (("deb",), "http://deb.debian.org/debian", ("bookworm",), ("main", "contrib"), "/k.gpg")]
    deb822 = parse_deb822("Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n"
                          "Components: main\n\nTypes: deb\nURIs: http://other/\nSuites: x\nComponents: main\nEnabled: no\n")
    assert [(e.uri, e.suites) for e in deb822] == [("http://deb.debian.org/debian", ("bookworm", "bookworm-updates"))]
    indexes = [(i.archive, i.suite, i.component) for i in source_indexes(deb822)]
    assert ("http://deb.debian.org/debian", "bookworm", "main") in indexes
    assert ("http://deb.debian.org/debian", "testing", "main") in indexes


def test_sources_index_and_versions():
    text = ("Package: keepalived\nVersion: 1:2.2.7-1\nDirectory: pool/main/k/keepalived\nChecksums-Sha256:\n"
            " aa 10 keepalived_2.2.7-1.dsc\n bb 20 keepalived_2.2.7.orig.tar.gz\n\n"
            "Package: keepalived-doc\nVersion: 1\n\n")
    (pkg,) = parse_sources(text, "keepalived", "http://a/debian", "bookworm")
    assert pkg.upstream == "2.2.7" and pkg.directory == "pool/main/k/keepalived"
    assert ("keepalived_2.2.7.orig.tar.gz", "bb", 20) in pkg.files
    assert upstream_version("1.4.79-2+deb13u1") == "1.4.79"
    assert upstream_version("2.0+dfsg-1") == "2.0"


def tarball(path: Path, members: list[tuple[str, str, str]]) -> Path:
    """members: (name, kind, payload) with kind file | symlink | hardlink."""
    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = payload.encode()
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = payload
                tar.addfile(info)
    return path


def test_safe_extraction_strips_the_top_directory(tmp_path):
    archive = tarball(tmp_path / "ok.tar.gz", [("pkg-1.0/src/a.c", "file", "int a;"), ("pkg-1.0/link", "symlink", "src/a.c")])
    dest = tmp_path / "out"
    dest.mkdir()
    safe_extract(archive, dest)
    assert (dest / "src" / "a.c").read_text() == "int a;"
    assert (dest / "link").is_symlink()


@pytest.mark.parametrize("members, why", [
    ([("pkg/../../evil.c", "file", "x")], "'..'"),
    ([("/etc/evil", "file", "x")], "absolute"),
    ([("pkg/link", "symlink", "../../outside")], "out of the tree"),
    ([("pkg/link", "symlink", "/etc/passwd")], "absolute"),
])
def test_unsafe_members_are_refused(tmp_path, members, why):
    archive = tarball(tmp_path / "bad.tar.gz", members)
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(SourceError, match=why):
        safe_extract(archive, dest)
    assert not (tmp_path / "evil.c").exists()


def test_an_unreachable_git_host_is_said_once_and_remembered(upstream, tmp_path, monkeypatch):
    import srcscan.sources.debian as debian_provider
    import srcscan.sources.obtain as obtain
    from srcscan.sources import Provenance, SourceTree

    rules = demo_rules(source={"git": "http://127.0.0.1:9/demo.git", "tag": "v{version}", "debian": "demo",
                               "providers": ["git", "debian"]})
    monkeypatch.setattr(obtain, "_said", set())
    monkeypatch.setattr(debian_provider, "debian_tree", lambda project, pkg, version, cache, progress=None: SourceTree(
        upstream, Provenance("debian", "file://demo.dsc", version, sha256="0" * 64)))
    said = []
    for version in ("1.0", "1.1"):  # a diff obtains two trees in one run
        obtain_tree(rules, version, cache_dir=tmp_path, notify=said.append)
    assert len(said) == 1 and "127.0.0.1" in said[0]
    (stamp,) = (tmp_path / "git").glob("unreachable-*")
    calls = []
    monkeypatch.setattr(obtain, "git_tree", lambda *a: calls.append(a) or (_ for _ in ()).throw(SourceError(a[-1])))
    tree = obtain_tree(rules, "1.0", cache_dir=tmp_path, notify=said.append)
    assert "unreachable" in calls[0][-1] and "unreachable" in tree.provenance.notes[0]


def test_when_nothing_works_the_error_says_what_to_try(tmp_path):
    rules = demo_rules(source={"git": str(tmp_path / "nowhere"), "tag": "v{version}", "providers": ["git"]})
    with pytest.raises(SourceError, match=r"try --source URL\|PATH"):
        obtain_tree(rules, "1.0", cache_dir=tmp_path, notify=lambda line: None)
