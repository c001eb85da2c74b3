"""The native walker: native/walker.c compiled for this libclang and loaded through ctypes,
giving the same Unit as the ctypes copy (convert.py) in a fraction of the time."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from clang import cindex

from srcscan.parse.convert import _Converter, _read_text, _sorted_ranges
from srcscan.parse.libclang import BINARY_OPS, UNARY_OPS, _register
from srcscan.parse.units import Node, SkippedRange

# Cursor kinds walker.c needs by number (passed as -DK_<NAME>=<value> when it is compiled).
_NATIVE_KINDS = ("FUNCTION_DECL", "VAR_DECL", "ENUM_DECL", "STRUCT_DECL", "UNION_DECL", "FIELD_DECL",
                 "ENUM_CONSTANT_DECL", "PARM_DECL", "TYPE_REF", "LABEL_REF", "DECL_REF_EXPR", "MEMBER_REF_EXPR",
                 "CALL_EXPR", "INTEGER_LITERAL", "CHARACTER_LITERAL", "STRING_LITERAL", "INIT_LIST_EXPR",
                 "BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR", "UNARY_OPERATOR", "LABEL_STMT", "GOTO_STMT")
_WALKER_SOURCE = Path(__file__).parent.parent / "native" / "walker.c"
RECORD_FORMAT = struct.Struct("<q14i")  # walker.c's Record


def native_walker(directory: Path) -> str:
    """Path of walker.c compiled for this libclang, compiled into `directory` on first use;
    empty when no C compiler can build it (SRCSCAN_NATIVE=0 also says: do not use it)."""
    if os.environ.get("SRCSCAN_NATIVE", "1") == "0":
        return ""
    compiler = next((exe for exe in map(shutil.which, ("cc", "gcc", "clang")) if exe), None)
    if compiler is None:
        return ""
    defines = [f"-DK_{name}={getattr(cindex.CursorKind, name).value}" for name in _NATIVE_KINDS]
    digest = hashlib.sha256(_WALKER_SOURCE.read_bytes())
    digest.update(repr((defines, cindex.conf.lib._name, compiler)).encode())
    target = directory / f"walker-{digest.hexdigest()[:16]}.so"
    if target.is_file() and _loads(str(target)):
        return str(target)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".walker-", suffix=".so")
        os.close(fd)
    except OSError:
        return ""  # an unwritable cache: the ctypes copy still works
    try:
        done = subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", tmp, *defines, str(_WALKER_SOURCE)],
                              capture_output=True, timeout=120)
        if done.returncode != 0 or not _loads(tmp):
            return ""
        os.replace(tmp, target)
        return str(target)
    except (OSError, subprocess.SubprocessError):
        return ""
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _loads(path: str) -> bool:
    """The library loads here and its records have the layout this module reads."""
    try:
        return _native_library(path).srcscan_record_size() == RECORD_FORMAT.size
    except OSError:
        return False


class _NativeResult(ctypes.Structure):
    _fields_ = [("records", ctypes.c_void_p), ("record_count", ctypes.c_size_t),
                ("strings", ctypes.c_void_p), ("strings_len", ctypes.c_size_t),
                ("files", ctypes.c_void_p), ("file_count", ctypes.c_size_t),
                ("skipped", ctypes.c_void_p), ("skipped_count", ctypes.c_size_t),
                ("includes", ctypes.c_void_p), ("include_count", ctypes.c_size_t), ("failed", ctypes.c_int)]


class _NativeFile(ctypes.Structure):
    _fields_ = [("file", ctypes.c_void_p), ("name_off", ctypes.c_int32), ("name_len", ctypes.c_int32),
                ("in_tree", ctypes.c_int32), ("used", ctypes.c_int32)]


@functools.cache
def _native_library(path: str) -> ctypes.CDLL:
    # walker.so leaves libclang's symbols to the dynamic linker: make them global first.
    ctypes.CDLL(cindex.conf.lib._name, mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(path)
    _register(lib, "srcscan_walk", [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p], ctypes.POINTER(_NativeResult))
    _register(lib, "srcscan_free", [ctypes.POINTER(_NativeResult)], None)
    _register(lib, "srcscan_record_size", [], ctypes.c_size_t)
    _register(lib, "srcscan_file_entry_size", [], ctypes.c_size_t)
    if lib.srcscan_file_entry_size() != ctypes.sizeof(_NativeFile):
        raise OSError(f"{path}: file table layout differs from srcscan.parse.native's")
    return lib


@functools.cache
def _kind_names() -> dict[int, str]:
    return {k.value: k.name for k in cindex.CursorKind.get_all_kinds()}


class _NativeConverter(_Converter):
    """The same Unit as _Converter, with the cursor visit done by walker.c."""

    def __init__(self, tu: cindex.TranslationUnit, root: str, path: str, walker: str) -> None:
        super().__init__(tu, root, path)
        self.walker = _native_library(walker)

    def _copy(self) -> tuple[list[Node], list[Node], tuple[SkippedRange, ...], tuple[str, ...]]:
        result = self.walker.srcscan_walk(self.tu.obj, os.fsencode(self.root), os.fsencode(self.path))
        if not result:
            raise MemoryError("srcscan's native walker could not allocate its result")
        try:
            r = result.contents
            if r.failed:
                raise MemoryError("srcscan's native walker ran out of memory")
            records = ctypes.string_at(r.records, r.record_count * RECORD_FORMAT.size)
            strings = ctypes.string_at(r.strings, r.strings_len)
            files = (_NativeFile * r.file_count).from_address(r.files) if r.file_count else ()
            rels = [strings[f.name_off:f.name_off + f.name_len].decode("utf-8", "replace") if f.in_tree else None
                    for f in files]
            used = [f.used for f in files]
            triples = (ctypes.c_int32 * r.skipped_count).from_address(r.skipped) if r.skipped_count else ()
            skipped = {SkippedRange(rels[triples[i]], triples[i + 1], triples[i + 2]) for i in range(0, len(triples), 3)}
            included = (ctypes.c_int32 * r.include_count).from_address(r.includes) if r.include_count else ()
            includes = tuple(sorted({rels[i] for i in included}))
        finally:
            self.walker.srcscan_free(result)
        for rel, seen in zip(rels, used):
            if rel is not None and seen and rel not in self.texts:
                self.texts[rel] = _read_text(os.path.join(self.root, rel))
        functions, variables = [], []
        for node in self._nodes(records, strings, rels):
            (functions if node.kind == "FUNCTION_DECL" else variables).append(node)
        return functions, variables, _sorted_ranges(skipped), includes

    def _nodes(self, records: bytes, strings: bytes, rels: list[str | None]) -> list[Node]:
        """Top-level nodes from the pre-order records: read backwards, each node's children
        are the nodes one level deeper gathered since the last node of its own level."""
        kind_name, main, new = _kind_names().__getitem__, self.path, tuple.__new__
        files = ["" if rel is None or rel == main else rel for rel in rels]
        pending: list[list[Node]] = [[] for _ in range(64)]
        owners: dict[bytes, str] = {b"": ""}  # one string per struct (many member references share it)
        for value, kind, depth, line, col, start, end, file, ref, op, flags, off, length, owner_off, owner_len in \
                reversed(list(RECORD_FORMAT.iter_unpack(records))):
            while depth + 1 >= len(pending):
                pending.append([])
            below = pending[depth + 1]
            if below:
                below.reverse()
                children = tuple(below)
                pending[depth + 1] = []
            else:
                children = ()
            name = kind_name(kind)
            if op < 0:
                op_text = ""
            elif name == "UNARY_OPERATOR":
                op_text = UNARY_OPS[op]
            elif name == "MEMBER_REF_EXPR":
                op_text = "->" if op else "."
            else:
                op_text = BINARY_OPS[op]
            owner = strings[owner_off:owner_off + owner_len]
            if owner not in owners:
                owners[owner] = owner.decode("utf-8", "replace")
            pending[depth].append(new(Node, (
                name, strings[off:off + length].decode("utf-8", "replace") if length else "", line, col, start, end,
                children, kind_name(ref) if ref >= 0 else "", op_text, value if flags & 1 else None,
                files[file] if file >= 0 else "", owners[owner])))
        tops = pending[0]
        tops.reverse()
        return tops
