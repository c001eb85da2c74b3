"""Per-file facts: what the extractors find in one parsed file, as plain picklable data.

These are what the per-file cache stores and what the whole-tree analyses read; the
catalog types live in catalog.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from srcscan.cexpr import CExpr
from srcscan.extract.walk import Guard
from srcscan.formats.template import Arg
from srcscan.parse import Diagnostic, SkippedRange

if TYPE_CHECKING:
    from srcscan.rules import LogFunction


@dataclass(frozen=True)
class CallSite:
    """One call expression inside a function body."""

    function: str  # enclosing function
    callee: str  # function called; for an indirect call, the field or variable called through
    indirect: str  # "" for a direct call; "field", "variable" or "parameter" for calls through pointers
    file: str  # tree-relative file holding the call (the .c file, or the header of an inline function)
    line: int  # line of the call expression (where a macro is used, not defined)
    col: int
    written: str  # the name written at the call site (a macro's name when the call comes from one)
    args: tuple[Arg, ...]
    arg_refs: tuple[tuple[str, ...], ...]  # per argument: functions named in it (address taken)
    guards: tuple[Guard, ...]  # enclosing conditions, outermost first
    text: str  # source text of the call as written
    exprs: tuple[CExpr, ...] = ()  # the arguments as typed C expressions (none for calls read from text)

    @property
    def key(self) -> "SiteKey":
        return SiteKey(self.file, self.function, self.line, self.col)


@dataclass(frozen=True)
class FunctionRef:
    """A function named without being called: its address is stored, passed or tabled."""

    function: str  # enclosing function ("" at file scope)
    target: str  # the function whose address is taken
    context: str  # "field" (stored into a struct field), "argument", "initializer", "variable", "other";
    #               "param_field": the function stores its parameter `target` into field `via`
    via: str  # field name, called function (with ":index" for an argument), or variable name
    file: str
    line: int
    guards: tuple[Guard, ...] = ()


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    file: str  # tree-relative file of the definition
    line: int
    static: bool  # internal linkage: the same name may be defined in other files
    params: tuple[str, ...]  # parameter names, in order
    variadic: bool
    calls: tuple[CallSite, ...]

    @property
    def key(self) -> str:
        """Identity in the call graph: file-qualified for static functions."""
        return f"{self.file}:{self.name}" if self.static else self.name


@dataclass(frozen=True)
class FileFacts:
    path: str  # tree-relative .c file
    profile: str  # name of the build profile it was parsed with
    functions: tuple[FunctionFacts, ...]
    refs: tuple[FunctionRef, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped: tuple[SkippedRange, ...]
    includes: tuple[str, ...]  # tree headers the file included
    error: str | None = None  # the file could not be parsed (or crashed libclang)
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # facts of later extractors, by name


class SiteKey(NamedTuple):
    """The identity of one call site within a tree: file of the call, enclosing function,
    line and column of the call expression (the column is 0 for a call read from text).
    Every analysis answers per SiteKey; messages are assembled from sites and those answers,
    never joined by line."""

    file: str
    function: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col} in {self.function}()"


@dataclass(frozen=True)
class LogSite:
    """One call of a log function: the unit that messages, requirements, processes and
    facilities are computed for.

    `function_key` is the enclosing function's node in the call graph (file-qualified when
    static); `extracted` is "parse" or "text" (read from the text of a branch no parse holds)."""

    call: CallSite
    log_function: "LogFunction"
    function_key: str
    extracted: str = "parse"

    @property
    def key(self) -> SiteKey:
        return self.call.key
