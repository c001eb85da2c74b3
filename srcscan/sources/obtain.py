"""Pick a provider and obtain the tree: the path given, else git then debian as the rules say.

The first provider that works wins; a fallback is announced in one line through `notify`,
once per run (a `diff` obtains two trees). A git host found unreachable is remembered for
UNREACHABLE_TTL in the cache directory, so the next runs go straight to the next provider
instead of waiting for git's timeout again; `--provider NAME` picks one provider outright.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path
from typing import Callable

from srcscan.errors import SourceError
from srcscan.rules import Rules
from srcscan.sources import Provenance, SourceTree
from srcscan.sources.git import git_tree
from srcscan.sources.path import path_tree

PROVIDERS = ("git", "debian")  # what --provider accepts (path is --path DIR)
UNREACHABLE_TTL = 3600  # seconds a git host that could not be reached is skipped
# git's messages when the host, not the repository, is the problem (DNS, TCP, TLS, proxy)
_NETWORK = re.compile(r"could not resolve|failed to connect|connection (timed out|refused|reset)|"
                      r"network is unreachable|timed out after|unable to access|no route to host", re.I)
_said: set[tuple] = set()  # (failed providers, provider used) already announced by this process


def default_cache_dir() -> Path:
    if env := os.environ.get("SRCSCAN_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "srcscan"


def obtain_tree(rules: Rules, version: str | None, *, source: str | None = None, path: Path | None = None,
                cache_dir: Path, notify: Callable[[str], None], providers: tuple[str, ...] | None = None,
                progress: Callable[[str], None] | None = None) -> SourceTree:
    """The tree of `version`: --path, else --source (git), else the providers in order.

    Raises SourceError naming what each provider said and what to try when none works."""
    if path is not None:
        return path_tree(path, version)
    if source is not None:  # an explicit remote: git only
        return git_tree(rules.project, source, version, rules.source.tag, cache_dir)
    order = providers or rules.source.providers
    failures: list[tuple[str, str]] = []
    for name in order:
        try:
            tree = _provide(name, rules, version, cache_dir, progress)
        except SourceError as exc:
            failures.append((name, str(exc)))
            continue
        if failures:
            why = "; ".join(f"{n}: {r}" for n, r in failures)
            said = (tuple(n for n, _ in failures), name)
            if said not in _said:
                _said.add(said)
                notify(f"{why}; using the {name} provider")
            tree = SourceTree(tree.root, Provenance(**{**tree.provenance.__dict__,
                                                       "notes": tree.provenance.notes + tuple(
                                                           f"{n} failed: {r}" for n, r in failures)}))
        if version is None:
            notify(f"no version given: using {rules.project} {tree.provenance.version}, "
                   f"the newest the {name} provider has")
        return tree
    tried = "; ".join(f"{n}: {r}" for n, r in failures) or "no source provider configured"
    raise SourceError(f"{tried} (try --source URL|PATH for a git remote or a local clone, or --path DIR)")


def _provide(name: str, rules: Rules, version: str | None, cache_dir: Path,
             progress: Callable[[str], None] | None = None) -> SourceTree:
    if name == "git":
        if not rules.source.git:
            raise SourceError("the rules name no git URL")
        return _git_remembering(rules, version, cache_dir)
    if name == "debian":
        if not rules.source.debian:
            raise SourceError("the rules name no Debian package")
        # Imported here, not at the top: python-debian costs a warm git or path run about a
        # tenth of a second of start-up (issue 20's warm-command target), and only this provider needs it.
        from srcscan.sources import debian

        return debian.debian_tree(rules.project, rules.source.debian, version, cache_dir, progress=progress)
    raise SourceError("the path provider needs --path DIR")


def _git_remembering(rules: Rules, version: str | None, cache_dir: Path) -> SourceTree:
    """git_tree, skipped while the host was found unreachable less than UNREACHABLE_TTL ago."""
    remote = rules.source.git
    host = re.sub(r"^[a-z+]+://(?:[^@/]*@)?([^/:]+).*$", r"\1", remote) if "://" in remote else remote
    stamp = cache_dir / "git" / f"unreachable-{hashlib.sha256(host.encode()).hexdigest()[:16]}"
    try:
        age = time.time() - stamp.stat().st_mtime
    except OSError:
        age = None
    offline = ""
    if age is not None and age < UNREACHABLE_TTL:
        offline = (f"{host} was unreachable {int(age // 60)} min ago (tried again after "
                   f"{UNREACHABLE_TTL // 60} min; delete {stamp} to try now)")
    try:
        return git_tree(rules.project, remote, version, rules.source.tag, cache_dir, offline)
    except SourceError as exc:
        if not offline and _NETWORK.search(str(exc)):
            try:
                stamp.parent.mkdir(parents=True, exist_ok=True)
                stamp.write_text(f"{host}: {exc}\n")
            except OSError:
                pass
        raise
