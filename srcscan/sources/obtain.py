"""Pick a provider and obtain the tree: the path given, else git then debian as the rules say.

The first provider that works wins; a fallback is announced in one line through `notify`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from srcscan.errors import SourceError
from srcscan.rules import Rules
from srcscan.sources import Provenance, SourceTree
from srcscan.sources.debian import debian_tree
from srcscan.sources.git import git_tree
from srcscan.sources.path import path_tree


def default_cache_dir() -> Path:
    if env := os.environ.get("SRCSCAN_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "srcscan"


def obtain_tree(rules: Rules, version: str | None, *, source: str | None = None, path: Path | None = None,
                cache_dir: Path, notify: Callable[[str], None], providers: tuple[str, ...] | None = None) -> SourceTree:
    if path is not None:
        return path_tree(path, version)
    if source is not None:  # an explicit remote: git only
        return git_tree(rules.project, source, version, rules.source.tag, cache_dir)
    order = providers or rules.source.providers
    failures: list[tuple[str, str]] = []
    for name in order:
        try:
            tree = _provide(name, rules, version, cache_dir)
        except SourceError as exc:
            failures.append((name, str(exc)))
            continue
        if failures:
            why = "; ".join(f"{n}: {r}" for n, r in failures)
            notify(f"{why}; using the {name} provider")
            tree = SourceTree(tree.root, Provenance(**{**tree.provenance.__dict__,
                                                       "notes": tuple(f"{n} failed: {r}" for n, r in failures)}))
        return tree
    raise SourceError("; ".join(f"{n}: {r}" for n, r in failures) or "no source provider configured")


def _provide(name: str, rules: Rules, version: str | None, cache_dir: Path) -> SourceTree:
    if name == "git":
        if not rules.source.git:
            raise SourceError("the rules name no git URL")
        return git_tree(rules.project, rules.source.git, version, rules.source.tag, cache_dir)
    if name == "debian":
        if not rules.source.debian:
            raise SourceError("the rules name no Debian package")
        return debian_tree(rules.project, rules.source.debian, version, cache_dir)
    raise SourceError("the path provider needs --path DIR")
