"""The path provider: a tree already on disk, read where it is."""

from __future__ import annotations

from pathlib import Path

from srcscan.errors import InputError
from srcscan.sources import Provenance, SourceTree


def path_tree(path: Path, version: str | None) -> SourceTree:
    if not path.is_dir():
        raise InputError(f"no such directory: {path}")
    root = path.resolve()
    return SourceTree(root, Provenance("path", str(root), version))
