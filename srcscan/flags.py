"""Compiler flags for parsing a tree that was never configured or built.

The tree's own header directories become include paths; headers that `configure` would
have generated (config.h) or that this machine lacks (net-snmp, libnl...) become empty
stub files, because a missing include is a fatal error for clang and would end the parse
of the whole file. Reads files; runs nothing from the tree.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from srcscan.parse import builtin_include_dir
from srcscan.rules import Profile

_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)
C_SUFFIXES = (".c",)
HEADER_SUFFIXES = (".h",)


@dataclass(frozen=True)
class TreeLayout:
    """What a scan of the tree's file names and #include lines found."""

    c_files: tuple[str, ...]  # relative paths of the .c files to parse, sorted
    header_dirs: tuple[str, ...]  # relative directories holding headers, sorted
    missing: tuple[str, ...]  # include names found nowhere (tree, system): stubbed


@dataclass(frozen=True)
class Flags:
    args: tuple[str, ...]  # compiler arguments for every file of the tree
    stub_dir: str  # directory holding the stub headers (part of args)


def list_tree(root: Path, exclude: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Relative paths of the .c and .h files under root, skipping excluded globs and VCS dirs."""
    c_files, headers = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = os.path.relpath(dirpath, root)
        for name in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if any(fnmatch(rel, pat) for pat in exclude):
                continue
            if name.endswith(C_SUFFIXES):
                c_files.append(rel)
            elif name.endswith(HEADER_SUFFIXES):
                headers.append(rel)
    return sorted(c_files), sorted(headers)


@functools.cache
def system_include_dirs() -> tuple[str, ...]:
    dirs = [d for d in (builtin_include_dir(), "/usr/local/include") if d]
    try:
        arch = subprocess.run(["gcc", "-print-multiarch"], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        arch = ""
    if arch:
        dirs.append(f"/usr/include/{arch}")
    dirs.append("/usr/include")
    return tuple(d for d in dirs if os.path.isdir(d))


def scan_layout(root: Path, exclude: tuple[str, ...], profile: Profile) -> TreeLayout:
    c_files, headers = list_tree(root, exclude)
    header_dirs = sorted({os.path.dirname(h) or "." for h in headers} | set(profile.include_dirs))
    tree_headers = set(headers)
    search = [root / d for d in profile.include_dirs] + [root / d for d in header_dirs]
    stubbed = {name for name, _ in profile.stub_headers}
    missing = set()
    for rel in c_files + headers:
        for style, name in _includes_of(root / rel):
            if name in stubbed or _resolves(root, rel, style, name, tree_headers, search):
                continue
            missing.add(name)
    return TreeLayout(tuple(c_files), tuple(header_dirs), tuple(sorted(missing)))


def _includes_of(path: Path) -> list[tuple[bytes, str]]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    return [(m.group(1), m.group(2).decode("latin-1").strip()) for m in _INCLUDE.finditer(data)]


def _resolves(root: Path, rel: str, style: bytes, name: str, tree_headers: set[str], search: list[Path]) -> bool:
    if os.path.isabs(name) or "\\" in name:
        return True  # leave odd includes to the compiler
    if style == b'"' and os.path.normpath(os.path.join(os.path.dirname(rel), name)) in tree_headers:
        return True
    if any((d / name).is_file() for d in search):
        return True
    return any(os.path.isfile(os.path.join(d, name)) for d in system_include_dirs())


def build_flags(root: Path, layout: TreeLayout, profile: Profile, stub_root: Path) -> Flags:
    """Arguments for libclang; writes the stub headers under stub_root (content-addressed)."""
    stubs = {name: "" for name in layout.missing}
    stubs.update(dict(profile.stub_headers))
    stub_dir = _write_stubs(stub_root, stubs)
    args = ["-x", "c", "-std=gnu11", "-w", "-ferror-limit=0", "-fno-spell-checking",
            # clang 16+ makes these errors; gcc, which the daemons are built with, only warns.
            # As errors they turn the calls around them into RecoveryExprs, losing log calls.
            "-Wno-error=implicit-function-declaration", "-Wno-error=implicit-int",
            "-Wno-error=int-conversion", "-Wno-error=incompatible-pointer-types",
            "-Wno-error=incompatible-function-pointer-types"]
    args += [f"-D{m}={v}" if v != "" else f"-D{m}" for m, v in profile.defines]
    args += [f"-U{m}" for m in profile.undefines]
    args += [f"-I{root / d}" for d in profile.include_dirs]
    args += [f"-I{root / d}" for d in layout.header_dirs if d not in profile.include_dirs]
    args += [f"-I{stub_dir}"]
    if builtin := builtin_include_dir():
        args += ["-isystem", builtin]
    args += list(profile.extra_args)
    return Flags(tuple(args), str(stub_dir))


def _write_stubs(stub_root: Path, stubs: dict[str, str]) -> Path:
    digest = hashlib.sha256(repr(sorted(stubs.items())).encode()).hexdigest()[:16]
    stub_dir = stub_root / digest
    if stub_dir.is_dir():
        return stub_dir
    tmp = stub_root / f".{digest}.{os.getpid()}"
    for name, content in stubs.items():
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        tmp.rename(stub_dir)
    except OSError:  # another run wrote it first
        pass
    return stub_dir
