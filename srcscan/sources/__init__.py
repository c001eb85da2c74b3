"""Obtain a source tree for (project, version): the git, debian and path providers.

Each provider returns a SourceTree: a directory on disk plus the provenance of what was
read (URL or path, ref, commit or tarball sha256). Providers never run code from the
tree they fetch (no hooks, no submodules, no configure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from srcscan.sources.text import TreeText


@dataclass(frozen=True)
class Provenance:
    provider: str  # "git", "debian" or "path"
    location: str  # clone URL, Debian archive URL of the .dsc, or local path
    version: str | None  # the upstream version asked for (None for a bare path)
    ref: str | None = None  # git ref checked out (tag name, branch or commit given)
    commit: str | None = None  # full git commit id
    sha256: str | None = None  # sha256 of the upstream tarball (debian provider)
    notes: tuple[str, ...] = ()  # what happened on the way, e.g. a fallback
    signed_by: str | None = None  # debian: the key that signed the Release file vouching for the index

    def to_dict(self) -> dict:
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        if out["signed_by"] is None:  # only the debian provider has a signer: other catalogs keep their shape
            del out["signed_by"]
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Provenance":
        return cls(**{**d, "notes": tuple(d.get("notes", ()))})


@dataclass(frozen=True)
class SourceTree:
    root: Path  # directory holding the unpacked source
    provenance: Provenance
    _texts: dict = field(default_factory=dict, compare=False, repr=False)  # exclude globs -> TreeText

    def text(self, exclude: tuple[str, ...] = ()) -> TreeText:
        """The tree's .c and .h files, listed and read once per run (sources/text.py)."""
        key = tuple(exclude)
        if key not in self._texts:
            self._texts[key] = TreeText(self.root, key)
        return self._texts[key]

    def __getstate__(self) -> dict:
        return {"root": self.root, "provenance": self.provenance}  # the texts stay in this process

    def __setstate__(self, state: dict) -> None:
        object.__setattr__(self, "root", state["root"])
        object.__setattr__(self, "provenance", state["provenance"])
        object.__setattr__(self, "_texts", {})
