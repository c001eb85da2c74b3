"""Guards that read a member through a function-like macro on one side and spell it out on
the other: keepalived 2.2.7's `check_conn_opts(CHECKER_GET_CO())`, where check_api.h has
`#define CHECKER_GET_CO() (((checker_t *)CHECKER_GET_CURRENT())->co)`, is 2.3.3's
`check_conn_opts(current_checker->co)` (both the connection options of the checker just
queued). Text in, text out: the macros are read from the message's file and the headers it
includes (`#include "..."`, looked up beside it and in the catalog's directories)."""

from __future__ import annotations

import posixpath
import re
from typing import Iterable

from srcscan.diff.model import FileTexts
from srcscan.model import _balanced  # parentheses that close in order

_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(\)[ \t]+((?:[^\n\\]|\\.|\\\n)*)", re.M)
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)
_MEMBER_END = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)$")


def member_macros(texts: Iterable[str]) -> dict[str, str]:
    """NAME -> member for each macro without parameters whose body reads a member of some
    object (`#define CHECKER_GET_CO() (((checker_t *)CHECKER_GET_CURRENT())->co)` -> `co`), in
    the given C texts."""
    out: dict[str, str] = {}
    for text in texts:
        for name, body in _DEFINE.findall(text):
            body = re.sub(r"\\\n", " ", body).strip()
            while body.startswith("(") and body.endswith(")") and _balanced(body[1:-1]):
                body = body[1:-1].strip()
            m = _MEMBER_END.search(body)
            if m:
                out[name] = m.group(1)
    return out


def with_member_macros(guards: tuple[str, ...], macros: dict[str, str]) -> tuple[str, ...]:
    """The guards with each call of such a macro written as the member it reads of an object
    named by the macro (`CHECKER_GET_CO()` -> `CHECKER_GET_CO->co`): same_guards then reads
    `current_checker->co` on the other side as that member of a renamed object."""
    if not macros:
        return guards
    call = re.compile(r"\b(" + "|".join(map(re.escape, sorted(macros))) + r")\s*\(\s*\)")
    return tuple(call.sub(lambda m: f"{m.group(1)}->{macros[m.group(1)]}", g) for g in guards)


def included_header(texts: FileTexts, side: str, path: str, name: str, directories: Iterable[str]) -> str | None:
    """The path of the header `#include "name"` in `path` reads on `side`: looked up beside the
    file, then in each of `directories` (the catalog's files' directories, in order); None when
    no text is there."""
    for where in [posixpath.dirname(path), *directories]:
        header = posixpath.normpath(posixpath.join(where, name))
        if texts(side, header):
            return header
    return None


class MacroReader:
    """The member macros each file of each side sees, read once per (side, file)."""

    def __init__(self, texts: FileTexts | None, directories: dict[str, set[str]]) -> None:
        self.texts = texts
        self.directories = directories  # side -> the directories of the catalog's files
        self.found: dict[tuple[str, str], dict[str, str]] = {}

    def of(self, side: str, file: str) -> dict[str, str]:
        if self.texts is None:
            return {}
        key = (side, file)
        if key not in self.found:
            text = self.texts(side, file) or ""
            seen = [text]
            for name in INCLUDE.findall(text):
                header = included_header(self.texts, side, file, name, sorted(self.directories.get(side, ())))
                if header is not None:
                    seen.append(self.texts(side, header))
            self.found[key] = member_macros(seen)
        return self.found[key]


_EMPTY_CALL = re.compile(r"\b[A-Za-z_]\w*\s*\(\s*\)")


def spelled_out(guards: tuple[str, ...], reader: MacroReader, side: str, file: str) -> tuple[str, ...]:
    """with_member_macros over the macros `file` sees on `side` (read only when a guard calls
    something without arguments)."""
    if not any(_EMPTY_CALL.search(g) for g in guards):
        return guards
    return with_member_macros(guards, reader.of(side, file))
