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

from typing import Any, Callable, Iterable, Iterator

from srcscan.analyze.deadcode import text_uses
from srcscan.preprocessor import build_holds


def caller_builds(functions: Iterable[tuple[str, str, int, bool]], tree_text: Any,
                  build_at: Callable[[str, int], str]) -> dict[tuple[str, str], str]:
    """(file, name) -> the build condition of the uses of each function of `functions`
    ((file, name, definition line, static)), ORed, when every use is under an `#if`
    (`build_at(file, line)` not ""); absent when one is not, or none is found. A use is one
    deadcode.text_uses finds in a file's text (its own file only, for a static function), in
    comments and string literals too: a use srcscan cannot read (a macro, a comment) counts, so
    a name used outside any `#if` anywhere says nothing, and so do uses in each branch of an
    `#if`/`#else` (a condition every build meets: lighttpd's `OPENSSL_VERSION_NUMBER >= N` and
    `< N`). Declarations and the definition (`void f(int);`, `static void f(`, `f(void *x)` at a
    line's start) are no uses."""
    wanted: dict[str, list[tuple[str, int, bool]]] = {}
    for file, name, line, static in functions:
        wanted.setdefault(name, []).append((file, line, static))
    uses: dict[str, list[tuple[str, int]]] = {}
    if wanted:
        text_uses(_texts(tree_text), frozenset(wanted), comments=True, sites=uses)
    out: dict[tuple[str, str], str] = {}
    for name, defs in wanted.items():
        for file, line, static in defs:
            found = [build_at(rel, n) for rel, n in uses.get(name, ())
                     if (not static or rel == file) and not (rel == file and n == line)]
            if found and all(found):
                # a use in `#if 0` code is none, unless every use is
                unique = list(dict.fromkeys(b for b in found if b != "0")) or ["0"]
                either = unique[0] if len(unique) == 1 else " || ".join(f"({u})" for u in unique)
                if build_holds(f"!({either})", ()):  # not uses in each branch of an #if/#else
                    out[(file, name)] = either
    return out


def _texts(tree_text: Any) -> Iterator[tuple[str, str]]:
    """(path, text) of each file of the tree that can be read."""
    for rel in tree_text.files:
        try:
            yield rel, tree_text.text(rel)
        except OSError:
            continue
