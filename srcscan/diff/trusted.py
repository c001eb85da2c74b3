"""Tests that a pointer is set which a release dropped because its code now relies on the
pointer: the function reads through it with no test on the other side (keepalived 2.3.3's
configuration handlers read `current_checker->...` where 2.2.7's returned early on
`!new_checker` first). Text in, text out: no pairing decisions here."""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.diff.model import FileTexts
from srcscan.diff.text import _function_span

# A guard that holds when a pointer is set: `p`, `p != NULL`, `!(!p)` (a member path too).
_SET = re.compile(r"(?:!\(!\s*)?([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*)\s*(?:\)|!=\s*(?:NULL|0))?")


def without_trusted_pointer_tests(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                                  texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards but a test that a pointer is set which one side has and the
    other not, when the side with the test reads through the pointer in the message's
    function and the other side's function reads through some pointer before the message
    without testing one: the release trusts what the parser set up (keepalived 2.2.7's
    misc_end_handler() returned on `!new_misck_checker`, 2.3.3's starts with `misc_checker_t
    *new_misck_checker = current_checker->data;` and tests nothing; a checker whose `user`
    failed was dequeued, so neither logs for it). A test of a pointer the function does not
    read through, or beside other null tests on the other side, is still a condition."""
    if texts is None:
        return guards_a, guards_b
    bodies = [_body(texts(side, m.file), m) for side, m in (("old", a), ("new", b))]
    if None in bodies:
        return guards_a, guards_b
    keys = [{" ".join(g.split()) for g in guards} for guards in (guards_a, guards_b)]
    out = []
    for k, guards in enumerate((guards_a, guards_b)):
        own, other = bodies[k], bodies[1 - k]
        kept = []
        for g in guards:
            test = _SET.fullmatch(" ".join(g.split()))
            if test and g.startswith("!(!") == g.endswith(")") and " ".join(g.split()) not in keys[1 - k] \
                    and re.search(rf"(?<![\w.>]){re.escape(test.group(1))}\s*->", own) and _trusts(other):
                continue
            kept.append(g)
        out.append(tuple(kept))
    return out[0], out[1]


def _body(text: str | None, m: Message) -> str | None:
    """m's function's text."""
    if not text:
        return None
    lines = text.split("\n")
    span = _function_span(lines, m.function)
    if span is None or not span[0] <= m.line <= span[1]:
        return None
    return "\n".join(lines[span[0] - 1: span[1]])


_NULL_TEST = re.compile(r"\bif\s*\(\s*!?\s*[A-Za-z_]\w*\s*\)|[!=]=\s*NULL\b|\bNULL\s*[!=]=")


def _trusts(body: str) -> bool:
    """Does the function read through a pointer (`x->`) and test none (a name) for null?"""
    return "->" in body and not _NULL_TEST.search(body)
