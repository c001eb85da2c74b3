"""The parsed file as plain, picklable data: Node trees, diagnostics, skipped ranges, the job.

No libclang here: the cache, the extractors and the workers' results read these types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


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
    owner: str = ""  # MEMBER_REF_EXPR: the struct or union its field belongs to, as the place it is
    #                  declared, "file:line:col" (tree-relative file, else absolute): tells apart
    #                  two structs with a field of one name (`r->physical.path`, `p->conf.path`)


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
