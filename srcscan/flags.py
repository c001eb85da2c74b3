"""Compiler flags for parsing a tree that was never configured or built.

The tree's own header directories become include paths; headers that `configure` would
have generated (config.h) or that this machine lacks (net-snmp, libnl...) become empty
stub files, because a missing include is a fatal error for clang and would end the parse
of the whole file. When the user has a real build, its compile_commands.json gives each
file's own flags instead. Reads files; runs nothing from the tree.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from srcscan.errors import InputError
from srcscan.parse import builtin_include_dir
from srcscan.rules import Profile
from srcscan.sources.text import C_SUFFIXES, TreeText



@dataclass(frozen=True)
class TreeLayout:
    """What a scan of the tree's file names and #include lines found."""

    c_files: tuple[str, ...]  # relative paths of the .c files to parse, sorted
    header_dirs: tuple[str, ...]  # relative directories holding headers, sorted
    missing: tuple[str, ...]  # include names found nowhere (tree, system): stubbed
    headers: tuple[str, ...] = ()  # relative paths of the tree's .h files (not excluded), sorted


@dataclass(frozen=True)
class Flags:
    args: tuple[str, ...]  # compiler arguments for every file of the tree
    stub_dir: str  # directory holding the empty stubs of the tree's missing headers (part of args)
    stubbed: tuple[str, ...] = ()  # the include names stub_dir holds, sorted (empty files, all of them)
    profile_stub_dir: str = ""  # directory holding the profile's own stub headers, with their content (part of args)


def list_tree(root: Path, exclude: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Relative paths of the .c and .h files under root, skipping excluded globs, VCS dirs and
    files confinement refuses (links out of the tree, non-regular files: TreeText.skipped)."""
    text = TreeText(root, exclude)
    return list(text.c_files), list(text.headers)


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


def scan_layout(root: Path, exclude: tuple[str, ...], profile: Profile, text: TreeText | None = None) -> TreeLayout:
    """The tree's files, header directories and the include names found nowhere (to stub).

    An include name that climbs out of its directory (`..`) or is absolute is never stubbed:
    a stub is written under the stub directory by that name."""
    text = text or TreeText(root, exclude)
    c_files, headers = list(text.c_files), list(text.headers)
    header_dirs = sorted({os.path.dirname(h) or "." for h in headers} | set(profile.include_dirs))
    tree_headers = set(headers)
    search = [root / d for d in profile.include_dirs] + [root / d for d in header_dirs]
    stubbed = {name for name, _ in profile.stub_headers}
    missing = set()
    for rel in c_files + headers:
        for style, name in text.includes(rel):
            if name in stubbed or _resolves(root, rel, style.encode(), name, tree_headers, search):
                continue
            if ".." not in Path(name).parts:
                missing.add(name)
    return TreeLayout(tuple(c_files), tuple(header_dirs), tuple(sorted(missing)), tuple(headers))


def _resolves(root: Path, rel: str, style: bytes, name: str, tree_headers: set[str], search: list[Path]) -> bool:
    if os.path.isabs(name) or "\\" in name:
        return True  # leave odd includes to the compiler
    if style == b'"' and os.path.normpath(os.path.join(os.path.dirname(rel), name)) in tree_headers:
        return True
    if any((d / name).is_file() for d in search):
        return True
    return any(os.path.isfile(os.path.join(d, name)) for d in system_include_dirs())


# clang 16+ makes these errors; gcc, which the daemons are built with, only warns.
# As errors they turn the calls around them into RecoveryExprs, losing log calls.
_LENIENT = ("-w", "-ferror-limit=0", "-fno-spell-checking",
            "-Wno-error=implicit-function-declaration", "-Wno-error=implicit-int",
            "-Wno-error=int-conversion", "-Wno-error=incompatible-pointer-types",
            "-Wno-error=incompatible-function-pointer-types")


def define_args(defines: tuple[tuple[str, str | None], ...]) -> list[str]:
    """-D/-U arguments for (macro, value) pairs; a None value undefines the macro."""
    # A function-like macro is named NAME(...) and defined as `-DNAME(...)=value`.
    return [f"-U{m.removesuffix('(...)')}" if v is None else (f"-D{m}={v}" if v != "" else f"-D{m}")
            for m, v in defines]


def build_flags(root: Path, layout: TreeLayout, profile: Profile, stub_root: Path) -> Flags:
    """Arguments for libclang; writes the stub headers under stub_root (content-addressed).

    Two stub directories: the profile's stub headers (the rules', with content; the same for
    every release) and the empty stand-ins for the tree's missing headers (a set that changes
    whenever one file of the tree includes a new absent header). Their names never overlap
    (scan_layout leaves the profile's names out of `missing`). Kept apart so that a parse
    that used none of the missing headers a new release adds can be taken from the cache
    (scan.FactsCache keys on the missing headers a file names, not on the directory), and so
    that what the parse copies out of a stub with declarations (Node.owner: the file a struct
    is declared in) names a directory every release shares."""
    stubbed = tuple(sorted(layout.missing))
    stub_dir = _write_stubs(stub_root, {name: "" for name in stubbed})
    profile_dir = _write_stubs(stub_root, dict(profile.stub_headers), prefix="profile-")
    args = ["-x", "c", "-std=gnu11", *_LENIENT]
    args += define_args(profile.defines)
    args += [f"-U{m}" for m in profile.undefines]
    args += [f"-I{root / d}" for d in profile.include_dirs]
    args += [f"-I{root / d}" for d in layout.header_dirs if d not in profile.include_dirs]
    args += [f"-I{profile_dir}", f"-I{stub_dir}"]
    if builtin := builtin_include_dir():
        args += ["-isystem", builtin]
    args += list(profile.extra_args)
    return Flags(tuple(args), str(stub_dir), stubbed, str(profile_dir))


def _write_stubs(stub_root: Path, stubs: dict[str, str], prefix: str = "") -> Path:
    digest = prefix + hashlib.sha256(repr(sorted(stubs.items())).encode()).hexdigest()[:16]
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


# ---------------------------------------------------------------------------- compile_commands.json

@dataclass(frozen=True)
class CompileCommands:
    """The flags a real build used, read from its compile_commands.json."""

    path: str  # the file read
    args: dict[str, tuple[str, ...]]  # tree-relative .c file -> the build's preprocessor and language flags
    outside: tuple[str, ...]  # files it lists outside the tree: skipped


# Flags that change what the preprocessor or the parser sees; everything else (optimisation,
# warnings, output, dependency files) is dropped. The ones taking a separate value are pairs.
_KEEP_JOINED = ("-D", "-U", "-I", "-std=", "-isystem", "-iquote", "-idirafter", "-include", "-imacros",
                "-fms-extensions", "-fgnu89-inline", "-funsigned-char", "-fsigned-char", "-m32", "-m64")
_WITH_VALUE = ("-D", "-U", "-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros")
_PATH_VALUE = ("-I", "-isystem", "-iquote", "-idirafter", "-include", "-imacros")
_DROP_WITH_VALUE = ("-o", "-MF", "-MT", "-MQ", "-x", "-Xclang", "-arch", "-target", "--param")


def read_compile_commands(directory: Path, root: Path) -> CompileCommands:
    """Each tree file's flags from DIRECTORY/compile_commands.json (InputError when the file
    is missing, unreadable or not a compilation database)."""
    path = directory / "compile_commands.json" if directory.is_dir() else directory
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no compile_commands.json in {directory}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except ValueError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, list):
        raise InputError(f"{path} is not a compilation database (expected a list of entries)")
    real_root = Path(os.path.realpath(root))
    args: dict[str, tuple[str, ...]] = {}
    outside: set[str] = set()
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or \
                not isinstance(entry.get("directory"), str) or \
                not isinstance(entry.get("arguments", entry.get("command")), (list, str)):
            raise InputError(f"{path}: entry {i} needs directory, file and arguments or command")
        workdir = Path(entry["directory"])
        source = Path(os.path.realpath(workdir / entry["file"]))
        if not source.name.endswith(C_SUFFIXES):
            continue
        try:
            rel = source.relative_to(real_root).as_posix()
        except ValueError:
            outside.add(str(source))
            continue
        words = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
        args.setdefault(rel, tuple(_kept_flags([str(w) for w in words[1:]], workdir)))
    return CompileCommands(str(path), dict(sorted(args.items())), tuple(sorted(outside)))


def _kept_flags(words: list[str], workdir: Path) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in _WITH_VALUE and i < len(words):
            word, i = word + (" " if word.startswith("-i") else "") + words[i], i + 1
        elif word in _DROP_WITH_VALUE:
            i += 1
            continue
        if not word.startswith("-") or not word.startswith(_KEEP_JOINED):
            continue  # the source file, other inputs, and flags that do not change what is parsed
        kept.extend(_absolute(word, workdir))
    return kept


def _absolute(flag: str, workdir: Path) -> list[str]:
    """A kept flag with its path made absolute (relative paths are relative to the entry's directory)."""
    for prefix in _PATH_VALUE:
        if flag.startswith(prefix):
            value = flag[len(prefix):].strip()
            if not value:
                return []
            return [prefix, str(workdir / value)] if prefix.startswith("-i") else [prefix + str(workdir / value)]
    return [flag]


def compile_command_flags(cc_args: tuple[str, ...], flags: Flags) -> tuple[str, ...]:
    """libclang arguments for one file of a real build: its own flags, then srcscan's leniency,
    the compiler's headers and, after every real include directory, the stubs for headers
    this machine lacks."""
    args = ["-x", "c", *cc_args, *_LENIENT]
    if not any(a.startswith("-std=") for a in cc_args):
        args.insert(2, "-std=gnu11")
    if builtin := builtin_include_dir():
        args += ["-isystem", builtin]
    profile_stubs = ["-idirafter", flags.profile_stub_dir] if flags.profile_stub_dir else []
    return tuple(args + profile_stubs + ["-idirafter", flags.stub_dir])
