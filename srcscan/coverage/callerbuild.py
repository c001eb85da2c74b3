"""The build condition a function's callers give its messages: a function whose every use in
the tree's text is inside an `#if` exists in a build only as dead code without it.

keepalived 2.3.4's ssl_printerr() (keepalived/check/check_ssl.c:175-185, under no `#if`) is
called only at check_http.c:1785, inside `#ifdef _CHECKER_DEBUG_`: its messages are logged only
in a build with _CHECKER_DEBUG_, though the `#if` stack around the log call itself is empty
(the coverage's extra profile, parsing check_http.c with _CHECKER_DEBUG_ to reach its own
debug messages, put that call in the call graph).

Text in (the tree's files, their `#if` conditions), function -> build condition out. One level
only: a caller's own callers are not asked (the condition is then a necessary one).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from srcscan.preprocessor import build_holds

_IDENT = re.compile(r"[A-Za-z_]\w*")
# `void f(int);`, `extern const char *f(...);`: a declaration, not a use
_KEYWORDS = frozenset({"return", "else", "do", "case", "goto", "sizeof", "if", "while", "for", "switch"})


def caller_builds(functions: Iterable[tuple[str, str, int, bool]], tree_text: Any,
                  build_at: Callable[[str, int], str]) -> dict[tuple[str, str], str]:
    """(file, name) -> the build condition of the uses of each function of `functions`
    ((file, name, definition line, static)), ORed, when every use is under an `#if`
    (`build_at(file, line)` not ""); absent when one is not, or none is found. A use is an
    occurrence of the name in a C file's text (its own file only, for a static function) other
    than its definition line and declarations (`void f(int);`): a use srcscan cannot read (a
    macro, a comment) counts too, so a name used outside any `#if` anywhere says nothing, and
    so do uses in each branch of an `#if`/`#else` (a condition every build meets: lighttpd's
    `OPENSSL_VERSION_NUMBER >= N` and `< N`)."""
    wanted: dict[str, list[tuple[str, int, bool]]] = {}
    for file, name, line, static in functions:
        wanted.setdefault(name, []).append((file, line, static))
    uses: dict[str, list[tuple[str, int, str]]] = {n: [] for n in wanted}
    for rel in tree_text.files:
        try:
            text = tree_text.text(rel)
        except OSError:
            continue
        lines = None
        for m in _IDENT.finditer(text):
            if m.group() not in wanted:
                continue
            if lines is None:
                lines = text.split("\n")
            number = text.count("\n", 0, m.start()) + 1
            uses[m.group()].append((rel, number, lines[number - 1]))
    out: dict[tuple[str, str], str] = {}
    for name, defs in wanted.items():
        for file, line, static in defs:
            found = [build_at(rel, n) for rel, n, text in uses[name]
                     if (not static or rel == file) and not (rel == file and _definition(text, name, n, line))
                     and not _declaration(text, name)]
            if found and all(found):
                # a use in `#if 0` code is none, unless every use is
                unique = list(dict.fromkeys(b for b in found if b != "0")) or ["0"]
                either = unique[0] if len(unique) == 1 else " || ".join(f"({u})" for u in unique)
                if build_holds(f"!({either})", ()):  # not uses in each branch of an #if/#else
                    out[(file, name)] = either
    return out


def _definition(text: str, name: str, n: int, line: int) -> bool:
    """The definition's own line: the one the parse gave, or `name(...` at the start of a line
    with no `;` (the return type on the line before: keepalived's style)."""
    return n == line or re.match(re.escape(name) + r"\s*\([^;]*$", text) is not None


def _declaration(line: str, name: str) -> bool:
    """A prototype line: a type before the name (or at the start of the line, the type on the
    line before: a call is indented in its function), `;` after its parameters, no `=`."""
    if re.match(re.escape(name) + r"\s*\([^;{=]*\)[^;{=]*;\s*$", line):
        return True
    m = re.match(r"^\s*(?:extern\s+|static\s+|inline\s+|const\s+)*([A-Za-z_]\w*)[\s\*]+" + re.escape(name)
                 + r"\s*\([^;{=]*\)[^;{=]*;\s*$", line)
    return m is not None and m.group(1) not in _KEYWORDS
