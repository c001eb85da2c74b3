"""Functions that never run: functions that no call path from the entry points reaches and
that no text of the tree names.

The call graph misses calls a parse lost (a file whose headers this machine lacks), calls in
branches the preprocessor skipped and addresses handed to outside code (net-snmp's
`*write_method = f`), so the graph alone does not make a function dead. A function counts as
never called only when both agree: the graph reaches it by no call (a "stored" edge, a
callback kept in a field, counts only through the calls of that field), and no line of any .c
or .h file names it but its own declarations and definition. An exported function is judged
only when a header of the tree declares it (an interface the tree offers its own files, which
none of them uses); one without a declaration may be there for outside code, and what outside
code finds by name (lighttpd's modules' `*_plugin_init`, found with dlsym) the rules'
`[callgraph] entry_points` name anyway. An exported function with a name C reserves for the
implementation (`__assert_fail`) replaces a library's own and is called from there: never judged.

A use that hands an exported function's address to a function of the tree storing it in
struct fields (a "stored" edge: `alloc_list(free_if, dump_if)`) is no use when the tree calls
through those fields and value flow resolved every such call made by a function that may run to
other functions (no "pointer" edge through them reaches it): the callback is kept where no call
runs it. A field the tree never calls through may be called by outside code it is handed to:
such a store still counts as a use. (A static function stored so is the process analysis' to
judge: procstate's never_why.)

Examples: keepalived 2.3.4's `dump_process_tree` (static, under `#ifdef _INCLUDE_UNUSED_CODE_`,
named nowhere else) and `write_stacktrace` (lib/utils.c, exported, called nowhere); keepalived
1.1.19's `dump_if` (exported, declared in vrrp_if.h), stored by `alloc_list(free_if, dump_if)` in
the interface queue, whose `dump_list(if_queue)` is commented out (vrrp_if.c:399), while every
`dump_list()` call is resolved to other lists' callbacks. Facts and texts in, keys out; no I/O.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Mapping

from srcscan.analyze.callgraph import CallGraph
from srcscan.preprocessor.lex import blank_out

# A block comment as runs without `*` and runs of `*`: the matches of `/\*.*?\*/`, without trying
# `*/` at each of its characters.
_LITERAL_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*[^*]*\*+(?:[^/*][^*]*\*+)*/|//[^\n]*', re.S)
_NOT_A_CALL_BEFORE = re.compile(r"[\w*]\s*$")  # `void dump_if(`, `static int *f(`: a declaration
_STATEMENT_WORDS = ("return", "else", "do")
# Identifiers C reserves for the implementation (C11 7.1.3): a program defining one replaces a
# hook the C library or a runtime calls (keepalived's lib/assert.c `__assert_fail`, which glibc's
# assert() calls; `__sanitizer_report_error_summary`, which the sanitizer runtime calls).
_RESERVED = re.compile(r"__|_[A-Z]")


def called_functions(graph: CallGraph) -> set[str]:
    """Keys of the functions some call path from the entry points reaches (direct calls,
    calls through pointers, registrations; not "stored" edges)."""
    seen: set[str] = set()
    todo = [e for e in graph.entry_points if e in graph.graph]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        todo.extend(callee for _, callee, data in graph.graph.out_edges(node, data=True)
                    if data["kind"] != "stored" and callee not in seen)
    return seen


def never_called(graph: CallGraph, texts: Mapping[str, str] | Iterable[tuple[str, str]],
                 library_macros: Mapping[str, str] | None = None) -> frozenset[str]:
    """Keys of functions that no call path reaches and no text of the tree names but their
    declarations and definition. `texts`: tree-relative path -> C text (.c and .h).
    `library_macros` (the rules' [callgraph] library_macros: function -> the C library macro
    calling it): such a function no call path reaches is never called when no text uses the
    macro (keepalived's __assert_perror_fail(), for an assert_perror() nobody writes)."""
    reached = called_functions(graph)
    if library_macros:
        texts = dict(texts.items() if isinstance(texts, Mapping) else texts)
        unused = _unused_library_functions(graph, texts, library_macros, reached)
        return _never_called(graph, texts, reached) | unused
    return _never_called(graph, texts, reached)


def _unused_library_functions(graph: CallGraph, texts: Mapping[str, str], library_macros: Mapping[str, str],
                              reached: Any) -> frozenset[str]:
    """Keys of the tree's definitions of functions a library macro calls (never_called) that no
    call path reaches, whose macro no text of the tree calls."""
    keys = [k for k, fn in graph.functions.items() if fn.name in library_macros and k not in reached]
    if not keys:
        return frozenset()
    code = [_LITERAL_OR_COMMENT.sub(" ", t) for t in texts.values()]
    used = {m for m in set(library_macros.values())
            if any(re.search(r"(?<![\w.>])" + re.escape(m) + r"\s*\(", c) for c in code)}
    return frozenset(k for k in keys if library_macros[graph.functions[k].name] not in used)


def _never_called(graph: CallGraph, texts: Mapping[str, str] | Iterable[tuple[str, str]], reached: Any) -> frozenset[str]:
    """never_called without the library macros' functions."""
    candidates: dict[str, list[str]] = {}
    for key in graph.graph:
        fn = graph.functions.get(key)
        if key not in reached and fn is not None and (fn.static or not _RESERVED.match(fn.name)):
            candidates.setdefault(fn.name, []).append(key)
    if not candidates:
        return frozenset()
    texts = dict(texts.items() if isinstance(texts, Mapping) else texts)
    used = text_uses(texts, frozenset(candidates))
    exported = {name for name, keys in candidates.items() if not all(graph.functions[k].static for k in keys)}
    api = header_declared(texts, frozenset(exported)) if exported else set()

    def dead_of(used: set[str]) -> frozenset[str]:
        return frozenset(k for name, keys in candidates.items() if name not in used
                         for k in keys if graph.functions[k].static or name in api)
    dead = dead_of(used)
    # Then the uses that only store a callback where no call of a function that may run reaches
    # it (keepalived 1.1.19's dump_if: the one unresolved call through `dump` is in dump_mlist,
    # itself never called). Exported functions only: a static one stored where no call runs it
    # is the process analysis' (procstate.never_why: no process runs it, and the catalog lists
    # it among the call sites no process runs).
    ignored = stored_only(graph, {n: candidates[n] for n in used & exported}, dead)
    if not ignored:
        return dead
    still = text_uses(texts, frozenset(ignored), ignored)
    return dead_of(used - (set(ignored) - still))


def stored_only(graph: CallGraph, candidates: Mapping[str, list[str]],
                dead: frozenset[str] = frozenset()) -> dict[str, frozenset[tuple[str, int]]]:
    """name -> (file, line) of the registrations that store a function of `candidates` (name ->
    keys) in struct fields that the tree calls through, where no call through them reaches it
    from a function not in `dead` (keys of functions never called): value flow resolved each
    call to other functions (an unresolved call adds a "pointer" edge by the field's name).
    Those uses of the name make it run nowhere."""
    called: set[str] = set()
    reaching: dict[str, set[str]] = {}
    for caller, callee, data in graph.graph.edges(data=True):
        if data["kind"] == "pointer" and caller not in dead:
            called.add(data["via"])
            reaching.setdefault(callee, set()).add(data["via"])
    out: dict[str, frozenset[tuple[str, int]]] = {}
    for name, keys in candidates.items():
        places = set()
        for key in keys:
            for caller, _, data in graph.graph.in_edges(key, data=True):
                fields = data.get("fields") or frozenset()
                if data["kind"] == "stored" and fields and fields <= called and not fields & reaching.get(key, set()):
                    places.add((graph.functions[caller].file, data["line"]))
        if places:
            out[name] = frozenset(places)
    return out


@functools.lru_cache(maxsize=2048)
def code_of(text: str) -> str:
    """A C text with its comments and literals blanked (line breaks kept): several text scans
    read each file of a tree, and each blanked it again."""
    return _LITERAL_OR_COMMENT.sub(lambda m: blank_out(m.group()), text)


def header_declared(texts: Mapping[str, str], names: frozenset[str]) -> set[str]:
    """The names of `names` a header of the tree declares (`extern void write_stacktrace(const
    char *, const char *);`): functions the tree offers its own files."""
    pattern = re.compile(r"(?<![\w.>])(" + "|".join(sorted(map(re.escape, names))) + r")\s*\(")
    found: set[str] = set()
    for path, text in texts.items():
        if not path.endswith(".h") or not any(n in text for n in names - found):
            continue
        code = code_of(text)
        for m in pattern.finditer(code):
            if declares(code, m.start(), at_line_start=False):
                found.add(m.group(1))
    return found


def declares(code: str, start: int, statement_words: Iterable[str] = _STATEMENT_WORDS,
             at_line_start: bool = True) -> bool:
    """Whether the function name at offset `start` of `code` (blanked: code_of), followed by
    its `(`, declares or defines the function rather than calling it: a type word or `*`
    before it on its line (`static void f(`, `int *f(`) that is not one of `statement_words`
    (`return f(`, `else f(`), or, when `at_line_start`, nothing before it (`f(void *x)` under
    its type, the GNU style)."""
    before = code[code.rfind("\n", 0, start) + 1:start]
    if not before:
        return at_line_start
    return bool(_NOT_A_CALL_BEFORE.search(before)) and before.split()[-1] not in statement_words


def text_uses(texts: Mapping[str, str] | Iterable[tuple[str, str]], names: frozenset[str],
              ignored: Mapping[str, frozenset[tuple[str, int]]] | None = None, comments: bool = False,
              sites: dict[str, list[tuple[str, int]]] | None = None) -> set[str]:
    """The names of `names` that some line of the texts uses: calls it or takes its address,
    anything but declaring or defining it (`static void f(`, `f(void *x)` at a line's start),
    in compiled and skipped branches alike; comments and string literals left out, unless
    `comments` (a use srcscan cannot read counts too: coverage.callerbuild). `ignored`:
    name -> (path, 1-based line) where a use of that name does not count (stored_only).
    `sites`, when given, gets every use: name -> (path, 1-based line) of each, in text order
    (every text is then read to its end)."""
    pattern = re.compile(r"(?<![\w.>])(" + "|".join(sorted(map(re.escape, names))) + r")\b(\s*\()?")
    found: set[str] = set()
    ignored = ignored or {}
    items = texts.items() if isinstance(texts, Mapping) else texts
    for path, text in items:
        if not any(n in text for n in (names if sites is not None else names - found)):
            continue
        code = code_of(text)
        for m in pattern.finditer(text if comments else code):
            if m.group(1) in found and sites is None:
                continue
            line = code.count("\n", 0, m.start()) + 1
            skip = ignored.get(m.group(1))
            if skip and (path, line) in skip:
                continue  # handed to a store no call through which runs it
            if m.group(2) and code[m.start()] == text[m.start()] and declares(code, m.start()):
                continue  # a declaration or definition (`dump_if(void *data)` under its type too)
            found.add(m.group(1))
            if sites is not None:
                sites.setdefault(m.group(1), []).append((path, line))
        if found == names and sites is None:
            break
    return found


_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+\w+(?:\([^)]*\))?(.*(?:\\\n.*)*)", re.M)
_CONDITIONAL = re.compile(r"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b", re.M)


def macro_called(graph: CallGraph, texts: Mapping[str, str] | Iterable[tuple[str, str]]) -> frozenset[str]:
    """Keys of functions defined in a header that a conditional `#define` calls (keepalived's
    `#define STRDUP(p) (strdup_check(p))` under `#if !_MEM_CHECK_ && _MALLOC_CHECK_`): in the
    builds with that definition every use of the macro calls them, and the parsed builds
    show none of those calls. They may run wherever the macro is used: unconditionally, as far
    as srcscan can tell."""
    in_headers = {}
    for key, fn in graph.functions.items():
        if fn.file.endswith(".h"):
            in_headers.setdefault(fn.name, []).append(key)
    if not in_headers:
        return frozenset()
    word = re.compile(r"(?<![\w.>])(" + "|".join(sorted(map(re.escape, in_headers))) + r")\s*\(")
    found: set[str] = set()
    items = texts.items() if isinstance(texts, Mapping) else texts
    for _, text in items:
        if "define" not in text or not any(n in text for n in in_headers):
            continue
        code = code_of(text)
        depth_at = _depths(code)
        for m in _DEFINE.finditer(code):
            if depth_at(m.start()) == 0:
                continue  # unconditional: the parsed builds expand it where it is used
            found.update(w.group(1) for w in word.finditer(m.group(1)))
    return frozenset(k for name in found for k in in_headers[name])


def _depths(code: str):
    """offset -> how many #if blocks enclose it (an include guard counts as one)."""
    marks = []
    depth = 0
    for m in _CONDITIONAL.finditer(code):
        kind = m.group(1)
        if kind.startswith("if"):
            depth += 1
        elif kind == "endif":
            depth = max(0, depth - 1)
        marks.append((m.start(), depth))

    def at(offset: int) -> int:
        d = 0
        for start, value in marks:
            if start > offset:
                break
            d = value
        # the outermost block of a header is its include guard when it spans the file
        return max(0, d - (1 if marks and marks[0][1] == 1 and code.lstrip().startswith("#") else 0))
    return at
