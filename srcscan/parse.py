"""Parse one C file with libclang and return it as plain, picklable data.

This is the only module that imports clang.cindex. libclang cursors die with their
translation unit, so everything the analyses need is copied into `Node` trees (one per
function definition and per file-scope variable with an initializer) plus the file's
text, diagnostics, skipped preprocessor ranges and included files. It runs inside worker
processes, which is one more reason to return plain data.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True)
class Node:
    """One AST node, copied out of libclang."""

    kind: str  # libclang CursorKind name: "CALL_EXPR", "IF_STMT", ...
    name: str  # spelling: callee, referenced or declared name; literal text for strings;
    #            for INIT_LIST_EXPR the struct's field names, comma-separated
    line: int  # line of the expansion location (where a macro is used, not defined)
    col: int
    start: int  # byte offsets of the expansion range in the unit's file text
    end: int
    children: tuple["Node", ...] = ()
    ref_kind: str = ""  # kind of the declaration a reference or call points to
    op: str = ""  # operator of BINARY/UNARY/COMPOUND_ASSIGNMENT operators
    value: int | None = None  # integer value of literals and enum constants; linkage of functions
    file: str = ""  # file (relative to the tree) when not the unit's main file

    def __reduce__(self):
        # The cache holds hundreds of thousands of these: rebuilding them from a tuple is
        # faster than the slots dataclass's own __setstate__.
        return (Node, (self.kind, self.name, self.line, self.col, self.start, self.end, self.children,
                       self.ref_kind, self.op, self.value, self.file))


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
    _register(lib, "clang_hashCursor", [cindex.Cursor], ctypes.c_uint)
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
        functions, variables = [], []
        for top in self.tu.cursor.get_children():
            kind = self._kind(top)
            if kind == "FUNCTION_DECL":
                if top.is_definition() and self._file_of(top) is not None:
                    functions.append(self._node(top, kind))
            elif kind in ("VAR_DECL", "ENUM_DECL") and self._file_of(top) == self.path:
                variables.append(self._node(top, kind))
        return Unit(
            path=self.path,
            text=self.texts,
            functions=tuple(functions),
            variables=tuple(variables),
            diagnostics=self._diagnostics(),
            skipped=self._skipped(),
            includes=self._includes(),
        )

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
        """Copy the subtree under `top` in one clang_visitChildren pass (one callback per node)."""
        lib = self.lib
        root = self._record(top, kind)
        stack = [(lib.clang_hashCursor(top), root)]

        def visit(cursor: cindex.Cursor, parent: cindex.Cursor, _data: object) -> int:
            parent_hash = lib.clang_hashCursor(parent)
            while len(stack) > 1 and stack[-1][0] != parent_hash:
                stack.pop()
            record = self._record(cursor, self._kind_name(lib.clang_getCursorKind(cursor)))
            stack[-1][1][6].append(record)
            stack.append((lib.clang_hashCursor(cursor), record))
            return 2  # CXChildVisit_Recurse

        lib.clang_visitChildren(top, _VISITOR(visit), None)
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
            return tuple(sorted(out, key=lambda s: (s.file, s.start_line, s.end_line)))
        finally:
            self.lib.clang_disposeSourceRangeList(ranges)

    def _includes(self) -> tuple[str, ...]:
        found = set()
        for inc in self.tu.get_includes():
            rel = self._relative(inc.include.name)
            if rel is not None:
                found.add(rel)
        return tuple(sorted(found))


def _read_text(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("latin-1")
