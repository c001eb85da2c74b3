"""TreeText: a source tree's .c and .h files, listed once, read once, confined to the tree.

Every stage that needs the tree's files (flags and their missing headers, the results
cache's key, coverage's token scan) asks one TreeText instead of walking and reading the
tree again. Listing confines: a file that is a link resolving outside the tree, or that is
not a regular file, is not listed, and `skipped` says why; an `#include` whose target
resolves outside the tree (`"../../x.h"`, an absolute name, a header link out of the tree)
and outside the system include directories is recorded in `outside`, so that the parser
can be given an empty file in its place (`unsaved()`) and never reads it.

Texts are bytes as on disk; `text()` decodes them as latin-1 (one character per byte, so
offsets and line numbers match the file whatever its encoding).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

C_SUFFIXES = (".c",)
HEADER_SUFFIXES = (".h",)
# yacc/bison/lemon grammars and lex scanners: their actions are C that a build copies into
# generated files (lighttpd's configparser.y calls config_parse_file): not parsed, but read
# for the names their code uses.
GRAMMAR_SUFFIXES = (".y", ".l")
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)


@dataclass(frozen=True)
class Skipped:
    """A file (or #include target) srcscan did not read, and why."""

    path: str  # tree-relative path, or `file.c: #include "name"` for an include target
    reason: str  # e.g. "link to /etc/passwd, outside the tree"

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}


class TreeText:
    """The .c and .h files of one tree (excluded globs and dot-directories left out).

    c_files, headers: sorted tree-relative paths of the regular files inside the tree.
    grammars: sorted paths of its yacc/lex grammars (GRAMMAR_SUFFIXES), C in their actions.
    skipped: files left out by confinement, sorted by path.
    data(rel) / text(rel) / sha256(rel): the file's bytes / latin-1 text / hex digest,
    read on first use and kept; OSError when it vanished since the listing.
    """

    def __init__(self, root: Path, exclude: tuple[str, ...] = ()) -> None:
        self.root = Path(root)
        self.exclude = tuple(exclude)
        self._real_root = os.path.realpath(self.root)
        self._data: dict[str, bytes] = {}
        self._sha: dict[str, str] = {}
        self._includes: dict[str, tuple[tuple[str, str], ...]] = {}
        c_files, headers, grammars, skipped = self._list()
        self.c_files: tuple[str, ...] = tuple(sorted(c_files))
        self.grammars: tuple[str, ...] = tuple(sorted(grammars))
        self.headers: tuple[str, ...] = tuple(sorted(headers))
        self.skipped: tuple[Skipped, ...] = tuple(sorted(skipped, key=lambda s: s.path))

    # ------------------------------------------------------------------ listing

    def _list(self) -> tuple[list[str], list[str], list[str], list[Skipped]]:
        c_files, headers, grammars, skipped = [], [], [], []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, self.root)
            for d in dirnames:  # os.walk does not enter directory links; say so for those leaving the tree
                link = os.path.join(dirpath, d)
                if os.path.islink(link) and not self.is_inside(os.path.realpath(link)):
                    skipped.append(Skipped(os.path.normpath(os.path.join(rel_dir, d)),
                                           f"directory link to {os.path.realpath(link)}, outside the tree"))
            for name in filenames:
                if not name.endswith(C_SUFFIXES + HEADER_SUFFIXES + GRAMMAR_SUFFIXES):
                    continue
                rel = os.path.normpath(os.path.join(rel_dir, name))
                if any(fnmatch(rel, pat) for pat in self.exclude):
                    continue
                why = self._refusal(os.path.join(dirpath, name)) or _bad_name(rel)
                if why:
                    skipped.append(Skipped(printable(rel), why))
                elif name.endswith(C_SUFFIXES):
                    c_files.append(rel)
                elif name.endswith(GRAMMAR_SUFFIXES):
                    grammars.append(rel)
                else:
                    headers.append(rel)
        return c_files, headers, grammars, skipped

    def _refusal(self, path: str) -> str:
        """Why this file is not read ("" when it is): confinement and regular files only."""
        if os.path.islink(path):
            target = os.path.realpath(path)
            if not self.is_inside(target):
                return f"link to {target}, outside the tree"
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return "dangling link" if os.path.islink(path) else "cannot be read"
        return "" if stat.S_ISREG(mode) else "not a regular file"

    def is_inside(self, real_path: str) -> bool:
        """Whether a resolved (realpath) path lies in the tree."""
        return real_path == self._real_root or real_path.startswith(self._real_root + os.sep)

    # ------------------------------------------------------------------ contents

    @property
    def files(self) -> tuple[str, ...]:
        """The .c files then the headers (the order the results key hashes them in)."""
        return self.c_files + self.headers

    def data(self, rel: str) -> bytes:
        if rel not in self._data:
            with open(self.root / rel, "rb") as fh:
                self._data[rel] = fh.read()
        return self._data[rel]

    def text(self, rel: str) -> str:
        return self.data(rel).decode("latin-1")

    def sha256(self, rel: str) -> str:
        if rel not in self._sha:
            try:
                self._sha[rel] = hashlib.sha256(self.data(rel)).hexdigest()
            except OSError:
                self._sha[rel] = "missing"
        return self._sha[rel]

    def digest(self) -> str:
        """Names and contents of every listed file, and what was skipped: changes when any does."""
        h = hashlib.sha256()
        for rel in self.files + self.grammars:
            h.update(rel.encode() + b"\0" + self.sha256(rel).encode())
        for s in self.skipped:
            h.update(f"skipped\0{s.path}\0{s.reason}".encode())
        return h.hexdigest()

    def includes(self, rel: str) -> tuple[tuple[str, str], ...]:
        """The file's `#include` lines as (style, name): style '"' or '<'."""
        if rel not in self._includes:
            try:
                data = self.data(rel)
            except OSError:
                data = b""
            self._includes[rel] = tuple((m.group(1).decode(), m.group(2).decode("latin-1").strip())
                                        for m in _INCLUDE.finditer(data))
        return self._includes[rel]

    # ------------------------------------------------------------------ confinement of #include

    def outside(self, search: list[Path], system: tuple[str, ...]) -> dict[str, Skipped]:
        """Real paths of the #include targets that resolve outside the tree and outside the
        system include directories, each with the first include that reached it.

        search: the tree's include directories, in -I order; system: the system ones."""
        real_system = tuple(os.path.realpath(d) for d in system)
        found: dict[str, Skipped] = {}
        for rel in self.files:
            for style, name in self.includes(rel):
                for candidate in _candidates(self.root, rel, style, name, search):
                    if not os.path.isfile(candidate):
                        continue
                    real = os.path.realpath(candidate)
                    if not self.is_inside(real) and not any(real.startswith(d + os.sep) for d in real_system):
                        found.setdefault(real, Skipped(f"{rel}: #include {style}{name}{'>' if style == '<' else style}",
                                                       f"resolves to {real}, outside the tree: read as empty"))
                    break
        return found

    def unsaved(self, search: list[Path], system: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """(real path, "") for every target outside the tree: libclang reads these as empty."""
        return tuple((real, "") for real in sorted(self.outside(search, system)))


def _bad_name(rel: str) -> str:
    """Why a file name cannot be carried through the catalog ("" when it can): names that are
    not UTF-8 (os.walk hands them over with surrogate escapes) cannot be written to a report."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8"
    return ""


def printable(rel: str) -> str:
    """A path as text a report can hold: bytes that are not UTF-8 written as \\xNN."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _candidates(root: Path, rel: str, style: str, name: str, search: list[Path]) -> list[str]:
    """Where a compiler looks for the include, in order (system directories left out)."""
    if os.path.isabs(name):
        return [name]
    out = [os.path.join(root, os.path.dirname(rel), name)] if style == '"' else []
    return out + [os.path.join(d, name) for d in search]
