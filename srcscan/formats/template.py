"""The Template type shared by all format dialects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arg:
    """One argument of a call, as plain data."""

    text: str  # source text of the argument expression
    string: str | None = None  # value when it is a string literal (adjacent literals joined)
    integer: int | None = None  # value when it is an integer constant


@dataclass(frozen=True)
class Hole:
    """A place in a message filled at run time."""

    kind: str  # str, int, uint, hex, float, char, ptr, errno, any
    spec: str  # the conversion as written: "%-5d", "%s", or a legacy descriptor letter "b"
    arg: str | None = None  # source text of the argument that fills it, when known


@dataclass(frozen=True)
class Template:
    parts: tuple[str | Hole, ...]  # literal strings and holes, in order; adjacent literals merged
    dynamic: bool = False  # the format itself is not a literal: parts hold one "any" hole
