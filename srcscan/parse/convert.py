"""The ctypes copy of a translation unit: one walk, every node copied into a Node tree."""

from __future__ import annotations

import ctypes
import os

from clang import cindex

from srcscan.parse.libclang import _VISITOR, BINARY_OPS, UNARY_OPS, _lib
from srcscan.parse.units import Diagnostic, Node, SkippedRange, Unit

# Cursor kinds whose spelling names something the analyses look up.
_NAMED = frozenset({
    "CALL_EXPR", "DECL_REF_EXPR", "MEMBER_REF_EXPR", "STRING_LITERAL", "VAR_DECL", "PARM_DECL",
    "FIELD_DECL", "FUNCTION_DECL", "LABEL_REF", "LABEL_STMT", "GOTO_STMT", "TYPE_REF",
})
_EVALUATED = frozenset({"INTEGER_LITERAL", "CHARACTER_LITERAL"})
_REFERENCES = frozenset({"CALL_EXPR", "DECL_REF_EXPR", "MEMBER_REF_EXPR"})
_FIELD_DECL = cindex.CursorKind.FIELD_DECL.value
_OPERATORS = frozenset({"BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR"})


def _freeze(record: list) -> Node:
    kind, name, line, col, start, end, children, ref_kind, op, value, rel, owner = record
    return Node(kind, name, line, col, start, end, tuple(map(_freeze, children)), ref_kind, op, value, rel, owner)


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
        name, ref_kind, op, value, owner = "", "", "", None, ""
        if kind in _NAMED:
            name = self._string(lib.clang_getCursorSpelling(cursor))
            if kind in _REFERENCES:
                ref = lib.clang_getCursorReferenced(cursor)
                ref_kind = self._kind_name(lib.clang_getCursorKind(ref))
                if ref_kind == "ENUM_CONSTANT_DECL":
                    value = lib.clang_getEnumConstantDeclValue(ref)
                elif kind == "MEMBER_REF_EXPR" and ref_kind == "FIELD_DECL":
                    owner = self._owner(ref)
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
        return [kind, name, line, col, start, max(end, start), [], ref_kind, op, value, rel, owner]

    def _owner(self, field: cindex.Cursor) -> str:
        """The struct or union `field` belongs to, as walker.c's member_owner gives it:
        "file:line:col" of its declaration, the file tree-relative when in the tree."""
        parent = self.lib.clang_getCursorSemanticParent(field)
        if self._kind_name(self.lib.clang_getCursorKind(parent)) not in ("STRUCT_DECL", "UNION_DECL"):
            return ""
        f, line, col, off = ctypes.c_void_p(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        self.lib.clang_getExpansionLocation(self.lib.clang_getCursorLocation(parent), ctypes.byref(f),
                                            ctypes.byref(line), ctypes.byref(col), ctypes.byref(off))
        name = os.path.normpath(self._file_name(f)) if f.value else ""
        rel = self._relative(name) if name else None
        return f"{rel if rel is not None else name}:{line.value}:{col.value}"

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


def _sorted_ranges(ranges: set[SkippedRange]) -> tuple[SkippedRange, ...]:
    return tuple(sorted(ranges, key=lambda s: (s.file, s.start_line, s.end_line)))


def _read_text(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("latin-1")
