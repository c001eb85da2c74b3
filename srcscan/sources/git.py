"""The git provider: one bare mirror per remote, reused for every version; trees exported per commit.

Git runs with hooks disabled, no submodules, no credential prompts and a timeout, so a
fetched repository can never run its own code here.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
from pathlib import Path

from srcscan.errors import SourceError
from srcscan.io import locked
from srcscan.sources import Provenance, SourceTree
from srcscan.sources.util import install_dir, safe_extract

TIMEOUT = 600  # seconds for a clone or fetch of a large repository
_SAFE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true",
             "GIT_CONFIG_NOSYSTEM": "1", "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10"}
_NO_HOOKS = ["-c", "core.hooksPath=/dev/null", "-c", "protocol.file.allow=always", "-c", "submodule.recurse=false"]


def git(args: list[str], cwd: Path | None = None, timeout: int = TIMEOUT) -> str:
    env = {**os.environ, **_SAFE_ENV}
    try:
        done = subprocess.run(["git", *_NO_HOOKS, *args], cwd=cwd, env=env, capture_output=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"git {args[0]} timed out after {timeout} s") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {args[0]} failed: {err[-1] if err else 'exit ' + str(done.returncode)}")
    return done.stdout.decode("utf-8", "replace")



def show_file(repository: Path, commit: str, file: str) -> bytes | None:
    """The bytes of `file` at `commit` (a 40-hex commit id) in `repository` (a clone or a bare
    mirror), by `git show COMMIT:FILE` with git()'s environment (no hooks, no prompts); None
    when the commit is no commit id, or git fails, is missing or times out (TIMEOUT seconds)."""
    if not re.fullmatch(r"[0-9a-f]{40}", commit):
        return None
    try:
        done = subprocess.run(["git", *_NO_HOOKS, "-C", str(repository), "show", f"{commit}:{file}"],
                              env={**os.environ, **_SAFE_ENV}, capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None

def remote_location(remote: str) -> str:
    """A local path given as a remote is made absolute, so the mirror key does not depend on cwd."""
    if "://" in remote or re.match(r"^[\w.-]+@[\w.-]+:", remote):
        return remote
    return str(Path(remote).expanduser().resolve())


def mirror_dir(cache_dir: Path, remote: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9]+", "-", remote.rstrip("/").split("/")[-1] or "repo").strip("-")
    return cache_dir / "git" / f"{name}-{hashlib.sha256(remote.encode()).hexdigest()[:12]}.git"


def ensure_mirror(cache_dir: Path, remote: str, offline_reason: str = "") -> Path:
    """The bare mirror of `remote`, cloned once; never cloned twice. With an offline_reason,
    a missing mirror is a SourceError saying it instead of a clone."""
    mirror = mirror_dir(cache_dir, remote)
    if (mirror / "HEAD").is_file():
        return mirror
    if offline_reason:
        raise SourceError(offline_reason)
    if "://" not in remote and not Path(remote).exists():
        raise SourceError(f"no such git repository: {remote}")

    def clone(tmp: Path) -> None:
        git(["clone", "--bare", "--no-recurse-submodules", "--quiet", remote, str(tmp / "m")])
        for p in (tmp / "m").iterdir():
            p.rename(tmp / p.name)
        (tmp / "m").rmdir()
        git(["config", "remote.origin.fetch", "+refs/*:refs/*"], cwd=tmp)

    return install_dir(clone, mirror)


def tags(mirror: Path) -> list[str]:
    return [t for t in git(["tag", "--list"], cwd=mirror).split() if t]


def resolve(mirror: Path, ref: str) -> str | None:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=mirror).strip() or None
    except SourceError:
        return None


def refresh(mirror: Path) -> None:
    git(["fetch", "--quiet", "--prune", "--no-recurse-submodules", "origin"], cwd=mirror)


# The tag pattern's version field: "{version}", or "{version:GLOB}" naming the versions that
# are releases of this rules file's line (lighttpd's "lighttpd-{version:1.4.*}": its 1.3.x
# tags share the prefix but are another code base).
_VERSION_FIELD = re.compile(r"\{version(?::([^{}]*))?\}")


def tag_pattern_ok(pattern: str) -> bool:
    """The pattern has exactly one version field, "{version}" or "{version:GLOB}"."""
    return len(_VERSION_FIELD.findall(pattern)) == 1


def tag_name(pattern: str, version: str) -> str:
    """The tag of `version` under the rules' pattern ("v{version}", "lighttpd-{version:1.4.*}")."""
    return _VERSION_FIELD.sub(lambda _: version, pattern, count=1)


def versions(mirror: Path, pattern: str) -> list[str]:
    """Versions whose tag matches the rules' pattern (`v{version}`; `{version:GLOB}` keeps only
    the versions the fnmatch GLOB matches), oldest first."""
    field = _VERSION_FIELD.search(pattern)
    if field is None:
        return []
    prefix, suffix, glob = pattern[: field.start()], pattern[field.end():], field.group(1)
    rx = re.compile(re.escape(prefix) + r"(\d[\w.+~-]*)" + re.escape(suffix) + "$")
    found = [m.group(1) for t in tags(mirror) if (m := rx.match(t))]
    if glob:
        found = [v for v in found if fnmatch.fnmatchcase(v, glob)]
    return sorted(found, key=version_key)


def version_key(v: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+~]", v))


def git_tree(project: str, remote: str, version: str | None, pattern: str, cache_dir: Path,
             offline_reason: str = "") -> SourceTree:
    """The tree of `version` (tag from `pattern`, or a raw ref) from the mirror of `remote`.

    offline_reason: the remote is known to be unreachable; use the mirror as it is, and
    raise SourceError with this reason where a clone or fetch would be needed."""
    location = remote_location(remote)
    # Two runs sharing the cache clone or fetch one mirror in turn, not at the same time.
    mirror = mirror_dir(cache_dir, location)
    with locked(mirror.parent / f".{mirror.name}.lock"):
        mirror, version, ref, commit = _resolve_version(project, location, version, pattern, cache_dir, offline_reason)
    root = install_dir(lambda tmp: _export(mirror, commit, tmp), cache_dir / "trees" / project / commit)
    return SourceTree(root, Provenance("git", location, version, ref=ref, commit=commit))


def _resolve_version(project: str, location: str, version: str | None, pattern: str, cache_dir: Path,
                     offline_reason: str) -> tuple[Path, str, str, str]:
    """The mirror (cloned if needed), the version (the newest when None), its ref and commit."""
    mirror = ensure_mirror(cache_dir, location, offline_reason)
    if version is None:
        known = versions(mirror, pattern)
        if not known:
            raise SourceError(f"{location} has no tags matching {pattern!r}")
        version = known[-1]
    ref, commit = _find(mirror, pattern, version)
    if commit is None and offline_reason:
        raise SourceError(offline_reason)
    if commit is None:
        refresh(mirror)  # the mirror may predate the release
        ref, commit = _find(mirror, pattern, version)
    if commit is None:
        recent = ", ".join(versions(mirror, pattern)[-5:])
        raise SourceError(f"{project} has no version {version} at {location} "
                          f"(no tag {tag_name(pattern, version)} or ref {version}; newest: {recent or 'none'})")
    return mirror, version, ref, commit


def _find(mirror: Path, pattern: str, version: str) -> tuple[str, str | None]:
    tag = tag_name(pattern, version)
    for ref in (f"refs/tags/{tag}", f"refs/tags/{version}", version):
        commit = resolve(mirror, ref)
        if commit:
            return ref.removeprefix("refs/tags/"), commit
    return tag, None


def _export(mirror: Path, commit: str, dest: Path) -> None:
    """The commit's files, through `git archive` and the same safe unpacking as tarballs."""
    env = {**os.environ, **_SAFE_ENV}
    done = subprocess.run(["git", *_NO_HOOKS, "archive", "--format=tar", commit], cwd=mirror, env=env,
                          capture_output=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise SourceError(f"git archive failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    archive = dest / ".export.tar"
    archive.write_bytes(done.stdout)
    try:
        safe_extract(archive, dest, strip_top=False)
    finally:
        archive.unlink()
