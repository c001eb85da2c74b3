"""Guards that call a function through a wrapper on one side and call it straight on the other:
lighttpd 1.4.69's connection_close() tested `0 == close(con->fd)`, 1.4.79's `0 !=
fdio_close_socket(con->fd)`, where fdevent.h has `#define fdio_close_socket(fd)
fdevent_socket_close(fd)` and fdevent.c `int fdevent_socket_close(int fd) { return close(fd);
}`: the same call. Text in, text out: the wrappers are read from the texts of the catalog's
files on each side; no pairing decisions here."""

from __future__ import annotations

import posixpath
import re
from typing import Iterable

from srcscan.diff.macros import INCLUDE, included_header
from srcscan.diff.model import FileTexts
from srcscan.diff.text import _CALL, _NOT_CALLS

# `#define NAME(a, b) callee(a, b)` (the body one call, optionally in parentheses)
_MACRO = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^()]*)\)[ \t]+(\(?)[ \t]*([A-Za-z_]\w*)[ \t]*"
                    r"\(([^()]*)\)[ \t]*(\)?)[ \t]*$", re.M)
# `T NAME(T a, T b) { return callee(a, b); }` (the body that one statement)
_FUNCTION = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^()]*)\)\s*\{\s*return\s+([A-Za-z_]\w*)\s*\(([^()]*)\)\s*;\s*\}")
_LAST_NAME = re.compile(r"([A-Za-z_]\w*)\s*(?:\[\s*\])?\s*$")
_DEPTH = 3  # wrappers of wrappers followed (fdio_close_socket -> fdevent_socket_close -> close)


def _names(text: str) -> list[str]:
    return [a.strip() for a in text.split(",")] if text.strip() else []


def _parameters(text: str) -> list[str] | None:
    """The names of a definition's parameters (`int fd, char *p` -> [fd, p]); None when one
    has no name (`int`) or the list is `void`."""
    out = []
    for part in _names(text):
        m = _LAST_NAME.search(part)
        if m is None or m.group(1) in ("void", "int", "char", "long", "short", "unsigned", "signed"):
            return None
        out.append(m.group(1))
    return out


def forwarders(texts: Iterable[str]) -> dict[str, set[str]]:
    """NAME -> the functions each definition of NAME found forwards to, for each macro and
    function whose whole body is one call of another function with NAME's own parameters,
    all of them, in order (`#define fdio_close_socket(fd) fdevent_socket_close(fd)`, `int
    fdevent_socket_close(int fd) { return close(fd); }`), in the given C texts."""
    out: dict[str, set[str]] = {}
    for text in texts:
        for name, params, opened, callee, args, closed in _MACRO.findall(text):
            if bool(opened) == bool(closed) and _names(params) == _names(args) and callee not in _NOT_CALLS:
                out.setdefault(name, set()).add(callee)
        for name, params, callee, args in _FUNCTION.findall(text):
            if name in _NOT_CALLS or callee in _NOT_CALLS:
                continue
            names = _parameters(params)
            if names is not None and names == _names(args):
                out.setdefault(name, set()).add(callee)
    return out


class WrapperReader:
    """The forwarders (see forwarders) of each side's files, read once per side, and whether a
    name has a definition that is not one (a module's static function of the same name)."""

    def __init__(self, texts: FileTexts | None, paths: dict[str, set[str]]) -> None:
        self.texts = texts
        self.paths = paths  # side -> the catalog's files (paths relative to the tree)
        self.found: dict[str, dict[str, set[str]]] = {}
        self.other: dict[tuple[str, str], bool] = {}
        self.read: dict[str, list[str]] = {}  # side -> _texts

    def _texts(self, side: str) -> list[str]:
        """The texts of the side's files and of the headers they include (`#include "..."`,
        macros.included_header), each once; read once per side."""
        if self.texts is None:
            return []
        if side in self.read:
            return self.read[side]
        paths = sorted(self.paths.get(side, ()))
        directories = sorted({posixpath.dirname(p) for p in paths})
        seen, out = set(paths), []
        while paths:
            path = paths.pop(0)
            text = self.texts(side, path)
            if not text:
                continue
            out.append(text)
            for name in INCLUDE.findall(text):
                header = included_header(self.texts, side, path, name, directories)
                if header is not None and header not in seen:
                    seen.add(header)
                    paths.append(header)
        self.read[side] = out
        return out

    def of(self, side: str) -> dict[str, set[str]]:
        """`side`'s ("old" or "new") forwarders (name -> the functions it forwards to), read
        from that side's texts once."""
        if side not in self.found:
            self.found[side] = forwarders(self._texts(side))
        return self.found[side]

    def defined_otherwise(self, side: str, name: str) -> bool:
        """Has `name` more definitions on `side` (a `{` after its parameter list) than the
        one-call forwarding ones?"""
        key = (side, name)
        if key not in self.other:
            head = re.compile(rf"^[^#\n;]*\b{re.escape(name)}\s*\([^;{{}}()]*\)\s*\{{", re.M)
            body = re.compile(rf"\b{re.escape(name)}\s*\(([^()]*)\)\s*\{{\s*return\s+[A-Za-z_]\w*\s*\([^()]*\)\s*;\s*\}}")
            texts = self._texts(side)
            self.other[key] = sum(len(head.findall(t)) for t in texts) > sum(len(body.findall(t)) for t in texts)
        return self.other[key]

    def reaches(self, side: str, name: str) -> set[str]:
        """The functions a call of `name` reaches through forwarders only (itself included),
        or {name} when one of the definitions on the way is not a forwarder."""
        found, frontier = {name}, {name}
        table = self.of(side)
        for _ in range(_DEPTH):
            step = set()
            for n in frontier:
                if n in table:
                    if self.defined_otherwise(side, n):
                        return {name}
                    step |= table[n]
            frontier = step - found
            found |= step
        return found


def _called(guards: tuple[str, ...]) -> set[str]:
    return {m.group(1) for g in guards for m in _CALL.finditer(g) if m.group(1) not in _NOT_CALLS}


def with_wrappers_spelled_out(guards_a: tuple[str, ...], guards_b: tuple[str, ...], reader: WrapperReader
                              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards, each call one side makes and the other not written as the
    function the other side calls when the call reaches it through forwarders (WrapperReader:
    macros and functions whose whole body is that call with their own parameters):
    lighttpd 1.4.79's `fdio_close_socket(con->fd)` reads `close(con->fd)` beside 1.4.69's
    `close(con->fd)`. A wrapper defined for several builds (fdevent_win32.c's `return
    closesocket(fd);`) is read as the other side's call when one of its definitions forwards
    to it and every other one forwards too: the catalogs read one build. A wrapper doing
    anything more, or reaching another function, is another call."""
    if guards_a == guards_b or reader.texts is None:
        return guards_a, guards_b
    names = _called(guards_a), _called(guards_b)
    only = names[0] - names[1], names[1] - names[0]
    if not only[0] and not only[1]:
        return guards_a, guards_b
    out = []
    for side, guards, mine, theirs in (("old", guards_a, only[0], only[1]), ("new", guards_b, only[1], only[0])):
        for name in sorted(mine):
            target = sorted(reader.reaches(side, name) & theirs)
            if len(target) == 1:
                call = re.compile(rf"\b{re.escape(name)}(\s*\()")
                guards = tuple(call.sub(target[0] + r"\1", g) for g in guards)
        out.append(guards)
    return out[0], out[1]
