"""Lexing a C file's text for the preprocessor: comments and literals blanked, logical lines
(backslash continuations joined), and the directives (`#if`, `#define`, ...) with their lines.

Pure text in, plain data out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterable

# ---------------------------------------------------------------------------- lexing

# Comments and literals in one alternation, so that `"/*"` is a string and `// "` a comment.
_BLANKABLE = re.compile(
    r"//(?:[^\n\\]|\\.)*"  # line comment (a backslash-newline continues it)
    # block comment (unterminated: to the end), read as runs without `*` and runs of `*`: the
    # same matches as `/\*.*?(?:\*/|\Z)`, which tried `*/` at every character of the comment
    r"|/\*[^*]*(?:\*+[^*/][^*]*)*(?:\*+/|\*+\Z|\Z)"
    r'|"(?:[^"\\\n]|\\.)*"?'  # string literal (unterminated: to the end of the line)
    r"|'(?:[^'\\\n]|\\.)*'?",  # character literal (`#error don't` leaves one unterminated)
    re.S,
)


def blank_out(text: str) -> str:
    """`text` with every character but the newlines replaced by a space: what
    `re.sub(r"[^\n]", " ", text)` gives, without one replacement per character (a 50 MB
    comment took seconds each time it was blanked)."""
    return "\n".join(" " * len(line) for line in text.split("\n"))


def _blank(match: re.Match) -> str:
    text = match.group(0)
    if text[0] in "\"'":
        # Keep the quotes so that the line still reads as "a literal here" (and `#include "x.h"`
        # keeps its shape), blank the contents so no name inside counts as a token.
        inner = blank_out(text[1:-1] if len(text) > 1 and text[-1] == text[0] else text[1:])
        return text[0] + inner + (text[0] if len(text) > 1 and text[-1] == text[0] else "")
    return blank_out(text)


@functools.lru_cache(maxsize=2048)
def blank_comments_and_literals(text: str) -> str:
    """`text` with comments and the contents of literals replaced by spaces; every character
    keeps its offset and every newline its place, so lines and columns stay those of the file."""
    return _BLANKABLE.sub(_blank, text)


def strip_comments(text: str) -> str:
    """`text` with each comment replaced by one space and literals kept as written (`"http://x"`
    is a string, not a comment): for comparing code as text, not for offsets."""
    return _BLANKABLE.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'" else " ", text)


@dataclass(frozen=True)
class Directive:
    """One preprocessor line (continuations joined)."""

    kind: str  # "if", "ifdef", "ifndef", "elif", "elifdef", "elifndef", "else", "endif", "define", "undef", ...
    line: int  # first physical line, 1-based
    last_line: int  # last physical line (after backslash continuations)
    text: str  # what follows the directive name, comments blanked, continuations joined


_DIRECTIVE = re.compile(r"[ \t]*#[ \t]*([A-Za-z_]\w*)?(.*)", re.S)


def logical_lines(clean: str) -> Iterable[tuple[int, int, str]]:
    """(first line, last line, text) of each logical line of blanked text."""
    lines = clean.split("\n")
    i = 0
    while i < len(lines):
        first, parts = i, [lines[i]]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            parts[-1] = parts[-1][:-1]
            i += 1
            parts.append(lines[i])
        yield first + 1, i + 1, " ".join(parts)
        i += 1


def scan_directives(text: str) -> tuple[Directive, ...]:
    """Every directive of a file's text, in order."""
    out = []
    for first, last, line in logical_lines(blank_comments_and_literals(text)):
        if "#" not in line:
            continue
        m = _DIRECTIVE.match(line)
        if m and m.group(1):
            out.append(Directive(m.group(1), first, last, " ".join(m.group(2).split())))
    return tuple(out)


def directive_lines(directives: Iterable[Directive]) -> frozenset[int]:
    """Physical lines taken by directives (a #define's body is not code of the file)."""
    return frozenset(n for d in directives for n in range(d.line, d.last_line + 1))
