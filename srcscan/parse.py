"""Parse one C file with libclang and return it as plain, picklable data.

This is the only module that imports clang.cindex. libclang cursors die with their
translation unit, so everything the analyses need is copied into `Node` trees (one per
function definition and per file-scope variable with an initializer) plus the file's
text, diagnostics, skipped preprocessor ranges and included files. It runs inside worker
processes, which is one more reason to return plain data.

The copy is made by native/walker.c (compiled here on first use, loaded through ctypes)
when a C compiler is at hand, and by _Converter's ctypes calls otherwise; both give the
same Unit.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from clang import cindex

# Binary and unary operator spellings by libclang's CXBinaryOperatorKind / CXUnaryOperatorKind.
BINARY_OPS = (
    "", ".*", "->*", "*", "/", "%", "+", "-", "<<", ">>", "<=>", "<", ">", "<=", ">=", "==", "!=",
    "&", "^", "|", "&&", "||", "=", "*=", "/=", "%=", "+=", "-=", "<<=", ">>=", "&=", "^=", "|=", ",",
)
UNARY_OPS = ("", "post++", "post--", "++", "--", "&", "*", "+", "-", "~", "!", "__real", "__imag", "__extension__", "co_await")

# Cursor kinds whose spelling names something the analyses look up.
_NAMED = frozenset({
    "CALL_EXPR", "DECL_REF_EXPR", "MEMBER_REF_EXPR", "STRING_LITERAL", "VAR_DECL", "PARM_DECL",
    "FIELD_DECL", "FUNCTION_DECL", "LABEL_REF", "LABEL_STMT", "GOTO_STMT", "TYPE_REF",
})
_EVALUATED = frozenset({"INTEGER_LITERAL", "CHARACTER_LITERAL"})
_REFERENCES = frozenset({"CALL_EXPR", "DECL_REF_EXPR", "MEMBER_REF_EXPR"})
_FIELD_DECL = cindex.CursorKind.FIELD_DECL.value
_OPERATORS = frozenset({"BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR"})


class Node(NamedTuple):
    """One AST node, copied out of libclang.

    A named tuple rather than a dataclass: hundreds of thousands are built per tree and
    read back from the cache, and a tuple is built and unpickled several times faster."""

    kind: str  # libclang CursorKind name: "CALL_EXPR", "IF_STMT", ...
    name: str  # spelling: callee, referenced or declared name; literal text for strings;
    #            for INIT_LIST_EXPR the struct's field names, comma-separated
    line: int  # line of the expansion location (where a macro is used, not defined)
    col: int
    start: int  # byte offsets of the expansion range in the unit's file text
    end: int
    children: tuple["Node", ...] = ()
    ref_kind: str = ""  # kind of the declaration a reference or call points to
    op: str = ""  # operator of BINARY/UNARY/COMPOUND_ASSIGNMENT operators; "->" or "." of MEMBER_REF_EXPR
    value: int | None = None  # integer value of literals and enum constants; linkage of functions
    file: str = ""  # file (relative to the tree) when not the unit's main file


@dataclass(frozen=True)
class Diagnostic:
    severity: int  # 1 note, 2 warning, 3 error, 4 fatal
    file: str
    line: int
    message: str


@dataclass(frozen=True)
class SkippedRange:
    """Lines the preprocessor skipped (inactive #if branch), inclusive."""

    file: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Unit:
    """A parsed file: its text and the trees the analyses walk."""

    path: str  # relative to the tree root
    text: dict[str, str]  # file text by relative path: the main file and tree headers with nodes
    functions: tuple[Node, ...]  # FUNCTION_DECL definitions (main file and tree headers)
    variables: tuple[Node, ...]  # file-scope VAR_DECLs with initializers, and enum decls
    diagnostics: tuple[Diagnostic, ...]
    skipped: tuple[SkippedRange, ...]
    includes: tuple[str, ...]  # tree files included, relative paths, sorted
    error: str | None = None  # set when the file could not be parsed at all

    def source(self, node: Node) -> str:
        """Source text of a node's expansion range (empty when inside a macro body)."""
        text = self.text.get(node.file or self.path, "")
        if node.end <= node.start:
            return ""
        # Offsets are bytes; texts are kept as latin-1 so that characters and bytes coincide.
        return text[node.start:node.end].encode("latin-1").decode("utf-8", "replace")


@dataclass(frozen=True)
class ParseJob:
    root: str  # absolute tree root
    path: str  # file relative to root
    args: tuple[str, ...]  # compiler arguments
    unsaved: tuple[tuple[str, str], ...] = field(default=())  # (absolute path, content) of stub headers
    walker: str = ""  # the compiled native walker (native_walker()); empty: copy through ctypes


# ---------------------------------------------------------------------------- libclang set-up

def _register(lib: ctypes.CDLL, name: str, argtypes: list, restype) -> None:
    fn = getattr(lib, name)
    fn.argtypes, fn.restype = argtypes, restype


class _CXString(ctypes.Structure):
    """CXString without cindex's __del__ (which would dispose it a second time)."""

    _fields_ = [("data", ctypes.c_void_p), ("flags", ctypes.c_uint)]


class _SourceRangeList(ctypes.Structure):
    _fields_ = [("count", ctypes.c_uint), ("ranges", ctypes.POINTER(cindex.SourceRange))]


_VISITOR = ctypes.CFUNCTYPE(ctypes.c_int, cindex.Cursor, cindex.Cursor, ctypes.c_void_p)


def _freeze(record: list) -> Node:
    kind, name, line, col, start, end, children, ref_kind, op, value, rel = record
    return Node(kind, name, line, col, start, end, tuple(map(_freeze, children)), ref_kind, op, value, rel)


@functools.cache
def _lib():
    # A private handle: cindex keeps its own prototypes on conf.lib, ours must not clash.
    lib = ctypes.CDLL(cindex.conf.lib._name)
    _register(lib, "clang_getCursorBinaryOperatorKind", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_getCursorUnaryOperatorKind", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_Cursor_Evaluate", [cindex.Cursor], ctypes.c_void_p)
    _register(lib, "clang_EvalResult_getKind", [ctypes.c_void_p], ctypes.c_int)
    _register(lib, "clang_EvalResult_getAsLongLong", [ctypes.c_void_p], ctypes.c_longlong)
    _register(lib, "clang_EvalResult_dispose", [ctypes.c_void_p], None)
    _register(lib, "clang_getAllSkippedRanges", [cindex.TranslationUnit], ctypes.POINTER(_SourceRangeList))
    _register(lib, "clang_disposeSourceRangeList", [ctypes.POINTER(_SourceRangeList)], None)
    _register(lib, "clang_getExpansionLocation", [cindex.SourceLocation, ctypes.POINTER(ctypes.c_void_p),
              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint)], None)
    _register(lib, "clang_getFileName", [ctypes.c_void_p], _CXString)
    _register(lib, "clang_visitChildren", [cindex.Cursor, _VISITOR, ctypes.c_void_p], ctypes.c_uint)
    _register(lib, "clang_getCursorKind", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_getCursorExtent", [cindex.Cursor], cindex.SourceRange)
    _register(lib, "clang_getRangeStart", [cindex.SourceRange], cindex.SourceLocation)
    _register(lib, "clang_getRangeEnd", [cindex.SourceRange], cindex.SourceLocation)
    _register(lib, "clang_getCursorSpelling", [cindex.Cursor], _CXString)
    _register(lib, "clang_getCursorReferenced", [cindex.Cursor], cindex.Cursor)
    _register(lib, "clang_getCursorType", [cindex.Cursor], cindex.Type)
    _register(lib, "clang_getCanonicalType", [cindex.Type], cindex.Type)
    _register(lib, "clang_getTypeDeclaration", [cindex.Type], cindex.Cursor)
    _register(lib, "clang_getCursorLinkage", [cindex.Cursor], ctypes.c_int)
    _register(lib, "clang_getEnumConstantDeclValue", [cindex.Cursor], ctypes.c_longlong)
    _register(lib, "clang_getCString", [_CXString], ctypes.c_char_p)
    _register(lib, "clang_disposeString", [_CXString], None)
    _register(lib, "clang_Location_isFromMainFile", [cindex.SourceLocation], ctypes.c_int)
    return lib


@functools.cache
def builtin_include_dir() -> str | None:
    """The compiler's own headers (stddef.h, stdarg.h): the libclang wheel ships none."""
    for cc in ("gcc", "cc", "clang"):
        exe = shutil.which(cc)
        if not exe:
            continue
        try:
            out = subprocess.run([exe, "-print-file-name=include"], capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if out and os.path.isfile(os.path.join(out, "stddef.h")):
            return out
    return None


@functools.cache
def system_fingerprint() -> str:
    """libclang and the system's headers, as far as a few stat calls can tell: installing a
    -dev package changes /usr/include or one of its directories."""
    parts = [cindex.conf.lib._name, str(builtin_include_dir())]
    for top in ("/usr/include", "/usr/local/include"):
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            continue
        parts.append(f"{top}:{os.stat(top).st_mtime_ns}")
        parts.extend(f"{e.name}:{e.stat().st_mtime_ns}" for e in entries if e.is_dir())
    try:
        lib = os.stat(cindex.conf.lib._name)
        parts.append(f"{lib.st_size}:{lib.st_mtime_ns}")
    except OSError:
        pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# ---------------------------------------------------------------------------- parsing

PARSE_OPTIONS = cindex.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD


def parse_file(job: ParseJob) -> Unit:
    """Parse job.path and copy out everything srcscan needs."""
    abs_path = os.path.join(job.root, job.path)
    try:
        tu = cindex.Index.create().parse(abs_path, args=list(job.args), unsaved_files=list(job.unsaved),
                                         options=PARSE_OPTIONS)
    except cindex.TranslationUnitLoadError as exc:
        return Unit(job.path, {}, (), (), (), (), (), error=f"libclang could not parse the file ({exc})")
    if job.walker:
        return _NativeConverter(tu, job.root, job.path, job.walker).unit()
    return _Converter(tu, job.root, job.path).unit()


class _Converter:
    """Walks one translation unit once, copying function bodies into Node trees."""

    def __init__(self, tu: cindex.TranslationUnit, root: str, path: str) -> None:
        self.tu, self.root, self.path = tu, os.path.join(root, ""), path
        self.lib = _lib()
        self.file_names: dict[int, str | None] = {}  # CXFile pointer -> tree-relative path or None
        self.texts: dict[str, str] = {}
        self.kinds: dict[int, str] = {}

    def unit(self) -> Unit:
        functions, variables, skipped, includes = self._copy()
        return Unit(
            path=self.path,
            text=self.texts,
            functions=tuple(functions),
            variables=tuple(variables),
            diagnostics=self._diagnostics(),
            skipped=skipped,
            includes=includes,
        )

    def _copy(self) -> tuple[list[Node], list[Node], tuple[SkippedRange, ...], tuple[str, ...]]:
        """Function definitions, file-scope variables and enums, skipped ranges, included tree files."""
        functions, variables = [], []
        for top in self.tu.cursor.get_children():
            kind = self._kind(top)
            if kind == "FUNCTION_DECL":
                if top.is_definition() and self._file_of(top) is not None:
                    functions.append(self._node(top, kind))
            elif kind in ("VAR_DECL", "ENUM_DECL") and self._file_of(top) == self.path:
                variables.append(self._node(top, kind))
        return functions, variables, self._skipped(), self._includes()

    # -- locations

    def _relative(self, name: str) -> str | None:
        name = os.path.normpath(name)
        return name[len(self.root):] if name.startswith(self.root) else None

    def _expansion(self, loc: cindex.SourceLocation) -> tuple[str | None, int, int, int]:
        f, line, col, off = ctypes.c_void_p(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        self.lib.clang_getExpansionLocation(loc, ctypes.byref(f), ctypes.byref(line), ctypes.byref(col), ctypes.byref(off))
        key = f.value or 0
        if key not in self.file_names:
            rel = None
            if key:
                rel = self._relative(self._file_name(f))
            self.file_names[key] = rel
            if rel is not None and rel not in self.texts:
                self.texts[rel] = _read_text(os.path.join(self.root, rel))
        return self.file_names[key], line.value, col.value, off.value

    def _file_name(self, f: ctypes.c_void_p) -> str:
        return self._string(self.lib.clang_getFileName(f))

    def _file_of(self, cursor: cindex.Cursor) -> str | None:
        return self._expansion(cursor.location)[0]

    def _kind(self, cursor: cindex.Cursor) -> str:
        return self._kind_name(cursor._kind_id)

    # -- nodes

    def _node(self, top: cindex.Cursor, kind: str) -> Node:
        """Copy the subtree under `top`: each node's children from its own clang_visitChildren
        (what cindex's get_children and walker.c do; one recursive visit of the whole subtree
        shows some nodes, such as a case label's constant, with an extra child)."""
        lib = self.lib
        root = self._record(top, kind)
        todo = [(top, root)]
        while todo:
            cursor, record = todo.pop()
            found: list = []

            def visit(child: cindex.Cursor, _parent: cindex.Cursor, _data: object) -> int:
                found.append(cindex.Cursor.from_buffer_copy(child))
                return 1  # CXChildVisit_Continue

            lib.clang_visitChildren(cursor, _VISITOR(visit), None)
            if record[0] == "MEMBER_REF_EXPR" and found:  # `->` when the base, its first child, is a pointer
                base_type = lib.clang_getCanonicalType(lib.clang_getCursorType(found[0]))
                record[8] = "->" if base_type.kind == cindex.TypeKind.POINTER else "."
            for child in found:
                child_record = self._record(child, self._kind_name(lib.clang_getCursorKind(child)))
                record[6].append(child_record)
                todo.append((child, child_record))
        return _freeze(root)

    def _record(self, cursor: cindex.Cursor, kind: str) -> list:
        lib = self.lib
        extent = lib.clang_getCursorExtent(cursor)
        file, line, col, start = self._expansion(lib.clang_getRangeStart(extent))
        end = self._expansion(lib.clang_getRangeEnd(extent))[3]
        name, ref_kind, op, value = "", "", "", None
        if kind in _NAMED:
            name = self._string(lib.clang_getCursorSpelling(cursor))
            if kind in _REFERENCES:
                ref = lib.clang_getCursorReferenced(cursor)
                ref_kind = self._kind_name(lib.clang_getCursorKind(ref))
                if ref_kind == "ENUM_CONSTANT_DECL":
                    value = lib.clang_getEnumConstantDeclValue(ref)
        elif kind in _OPERATORS:
            op = BINARY_OPS[lib.clang_getCursorBinaryOperatorKind(cursor)]
        elif kind == "UNARY_OPERATOR":
            op = UNARY_OPS[lib.clang_getCursorUnaryOperatorKind(cursor)]
        elif kind in _EVALUATED:
            value = self._evaluate(cursor)
        elif kind == "ENUM_CONSTANT_DECL":
            name, value = self._string(lib.clang_getCursorSpelling(cursor)), lib.clang_getEnumConstantDeclValue(cursor)
        elif kind in ("ENUM_DECL", "STRUCT_DECL", "UNION_DECL"):
            name = self._string(lib.clang_getCursorSpelling(cursor))
        elif kind == "INIT_LIST_EXPR":
            name = self._record_fields(cursor)
        if kind == "FUNCTION_DECL":
            value = lib.clang_getCursorLinkage(cursor)  # 2: internal (static), 4: external
        rel = "" if file == self.path else (file or "")
        return [kind, name, line, col, start, max(end, start), [], ref_kind, op, value, rel]

    def _record_fields(self, cursor: cindex.Cursor) -> str:
        """Field names of the struct an initializer list fills, comma-separated, in order."""
        decl = self.lib.clang_getTypeDeclaration(self.lib.clang_getCanonicalType(self.lib.clang_getCursorType(cursor)))
        if self._kind_name(self.lib.clang_getCursorKind(decl)) not in ("STRUCT_DECL", "UNION_DECL"):
            return ""
        names: list[str] = []

        def visit(child: cindex.Cursor, _parent: cindex.Cursor, _data: object) -> int:
            if self.lib.clang_getCursorKind(child) == _FIELD_DECL:
                names.append(self._string(self.lib.clang_getCursorSpelling(child)))
            return 1  # CXChildVisit_Continue

        self.lib.clang_visitChildren(decl, _VISITOR(visit), None)
        return ",".join(names)

    def _string(self, cx: object) -> str:
        try:
            return (self.lib.clang_getCString(cx) or b"").decode("utf-8", "replace")
        finally:
            self.lib.clang_disposeString(cx)

    def _kind_name(self, kid: int) -> str:
        name = self.kinds.get(kid)
        if name is None:
            name = self.kinds[kid] = cindex.CursorKind.from_id(kid).name
        return name

    def _evaluate(self, cursor: cindex.Cursor) -> int | None:
        result = self.lib.clang_Cursor_Evaluate(cursor)
        if not result:
            return None
        try:
            return self.lib.clang_EvalResult_getAsLongLong(result) if self.lib.clang_EvalResult_getKind(result) == 1 else None
        finally:
            self.lib.clang_EvalResult_dispose(result)

    # -- unit-level facts

    def _diagnostics(self) -> tuple[Diagnostic, ...]:
        out = []
        for d in self.tu.diagnostics:
            if d.severity < 2:
                continue
            loc = d.location
            name = self._relative(loc.file.name) if loc.file else None
            out.append(Diagnostic(d.severity, name or (loc.file.name if loc.file else ""), loc.line, d.spelling))
        return tuple(out)

    def _skipped(self) -> tuple[SkippedRange, ...]:
        ranges = self.lib.clang_getAllSkippedRanges(self.tu)
        if not ranges:
            return ()
        try:
            out = set()
            for i in range(ranges.contents.count):
                r = ranges.contents.ranges[i]
                f = r.start.file
                rel = self._relative(f.name) if f else None
                if rel is not None:
                    out.add(SkippedRange(rel, r.start.line, r.end.line))
            return _sorted_ranges(out)
        finally:
            self.lib.clang_disposeSourceRangeList(ranges)

    def _includes(self) -> tuple[str, ...]:
        found = set()
        for inc in self.tu.get_includes():
            rel = self._relative(inc.include.name)
            if rel is not None:
                found.add(rel)
        return tuple(sorted(found))


# ---------------------------------------------------------------------------- the native walker

# Cursor kinds walker.c needs by number (passed as -DK_<NAME>=<value> when it is compiled).
_NATIVE_KINDS = ("FUNCTION_DECL", "VAR_DECL", "ENUM_DECL", "STRUCT_DECL", "UNION_DECL", "FIELD_DECL",
                 "ENUM_CONSTANT_DECL", "PARM_DECL", "TYPE_REF", "LABEL_REF", "DECL_REF_EXPR", "MEMBER_REF_EXPR",
                 "CALL_EXPR", "INTEGER_LITERAL", "CHARACTER_LITERAL", "STRING_LITERAL", "INIT_LIST_EXPR",
                 "BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR", "UNARY_OPERATOR", "LABEL_STMT", "GOTO_STMT")
_WALKER_SOURCE = Path(__file__).parent / "native" / "walker.c"
RECORD_FORMAT = struct.Struct("<q12i")  # walker.c's Record


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
    """The library loads here and its records have the layout parse.py reads."""
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
        raise OSError(f"{path}: file table layout differs from parse.py's")
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
        for value, kind, depth, line, col, start, end, file, ref, op, flags, off, length in \
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
            pending[depth].append(new(Node, (
                name, strings[off:off + length].decode("utf-8", "replace") if length else "", line, col, start, end,
                children, kind_name(ref) if ref >= 0 else "", op_text, value if flags & 1 else None,
                files[file] if file >= 0 else "")))
        tops = pending[0]
        tops.reverse()
        return tops


def _sorted_ranges(ranges: set[SkippedRange]) -> tuple[SkippedRange, ...]:
    return tuple(sorted(ranges, key=lambda s: (s.file, s.start_line, s.end_line)))


def _read_text(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("latin-1")
