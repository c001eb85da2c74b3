"""A guard one catalog lists and the other not, from a branch both releases write the same:
the test's `if (T)` / `else if (T)` and everything after it up to the call are the same text in
both files (preprocessor lines included), so whether the call runs after that test did not
change; the catalogs read the code differently (one build's branch, another analysis path).
Text in, text out: no pairing decisions here."""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.diff.model import FileTexts
from srcscan.diff.text import _uncast, call_arguments_end, message_function_lines


def without_unchanged_branches(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                               texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards but each one that only one side has whose test (the guard or
    the test it negates) is written `if (T)` in the message's function on both sides with the
    same text from there to the call. lighttpd 1.4.69's and 1.4.79's network_server_init()
    both write `else if (s->defer_accept) {...}` under `#ifdef TCP_DEFER_ACCEPT` before the
    BSD `else if (s->bsd_accept_filter ...)` of `can't set accept-filter '%s'`: 1.4.69's
    catalog lists `!(s->defer_accept)`, 1.4.79's not. A test whose branch the release
    rewrote, moved or put under another `#if` is still a change. Unchanged without texts."""
    if texts is None:
        return guards_a, guards_b
    befores = [_before(texts(side, m.file), m) for side, m in (("old", a), ("new", b))]
    if None in befores:
        return guards_a, guards_b
    keys = [{_uncast(g) for g in guards} for guards in (guards_a, guards_b)]
    out = []
    for k, guards in enumerate((guards_a, guards_b)):
        out.append(tuple(g for g in guards
                         if _uncast(g) in keys[1 - k] or not _same_tail(_uncast(g), befores[0], befores[1])))
    return out[0], out[1]


def _before(text: str | None, m: Message) -> str | None:
    """m's function's text from its head to the line before m's call, white space squeezed."""
    found = message_function_lines(text, m)
    if found is None:
        return None
    lines, first = found
    return _squeezed("\n".join(lines[: m.line - first]))


def _squeezed(text: str) -> str:
    return re.sub(r" (?=\W)|(?<=\W) ", "", re.sub(r"\s+", " ", text)).strip()


def _tests(guard: str) -> set[str]:
    """The guard and the test it negates (`!(T)`, `!T`), squeezed."""
    g = _squeezed(guard)
    out = {g}
    if g.startswith("!(") and call_arguments_end(g, 2)[0] == len(g) - 1:
        out.add(g[2:-1])
    elif g.startswith("!") and re.fullmatch(r"![\w.>\-\[\]]+", g):
        out.add(g[1:])
    return out


def _same_tail(guard: str, old: str, new: str) -> bool:
    """Is `if(T)`, T one of the guard's tests, written in both texts, the first one in each
    followed by the same text to the end (the call)? The first: a test written twice tests a
    value set again in between (lighttpd 1.4.79's `sqlrc = sqlite3_initialize(); if (sqlrc !=
    SQLITE_OK) ...` before the old `sqlrc = sqlite3_open_v2(...); if (sqlrc != SQLITE_OK)`)."""
    for test in _tests(guard):
        head = re.compile(r"(?<![\w])if\(" + re.escape(test) + r"\)")
        found = [list(head.finditer(side)) for side in (old, new)]
        if all(found) and old[found[0][0].start():] == new[found[1][0].start():]:
            return True
    return False
