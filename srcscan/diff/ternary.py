"""A message's guards read for its own text: a call whose `%s` comes from a ternary is one
message per text (`log_message(..., "IP%s_FREEBIND failed", family == AF_INET ? "" : "V6")`
is `IP_FREEBIND failed` and `IPV6_FREEBIND failed`), and each text says which way its ternary
went. A guard testing the same condition in a ternary of its own (keepalived 2.3.3's
`setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, ...)`) reads, for that text,
as the branch it took (`setsockopt(fd, IPPROTO_IP, ...)`): what 2.3.4 writes in the build
where only the IPv4 text remains."""

from __future__ import annotations

import itertools
import re

from srcscan.catalog import Message
from srcscan.diff.text import _literals, call_arguments
from srcscan.formats.template import render_normal

_SPEC = re.compile(r"%(\d+\$)?[-+ #0']*(\*|\d+)?(?:\.(\*|\d+))?(?:hh|h|ll|l|L|q|j|z|t)?([a-zA-Z%])")
_TERNARY = re.compile(r'^\(?\s*(?P<test>[^?]+?)\s*\)?\s*\?\s*(?P<yes>"(?:[^"\\]|\\.)*")\s*:\s*(?P<no>"(?:[^"\\]|\\.)*")$')
_MARK = "\x00"


def split_top_level(text: str, sep: str) -> list[str]:
    """`text` split at each `sep` outside quotes and brackets, each part stripped: a call's
    argument list at its commas (`sep` ","), a condition at its top-level `||`."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            quote, i = ch, i + 1
            while i < len(text) and text[i] != quote:
                i += 2 if text[i] == "\\" else 1
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i].strip())
            start, i = i + len(sep), i + len(sep) - 1
        i += 1
    out.append(text[start:].strip())
    return out


def split_arguments(args: str) -> list[str]:
    """A call's argument list (the text between its parentheses) split at top-level commas."""
    return split_top_level(args, ",")


def chosen_tests(m: Message, text: str | None) -> dict[str, bool]:
    """{test: value} for each ternary `test ? "x" : "y"` filling a `%s` of m's call whose
    branch m's text shows (read from the call as written in `text`, the file's text); {} when
    the call is not found or its format has positional or `*` holes."""
    args = call_arguments(text, m.line, m.written or m.call)
    if args is None:
        return {}
    parts = split_arguments(args)
    at = next((i for i, p in enumerate(parts) if p.startswith('"') and "".join(_literals(p)) == m.format), None)
    if at is None:
        return {}
    specs = [s for s in _SPEC.finditer(m.format) if s.group(4) not in "%m"]
    if any(s.group(1) or "*" in (s.group(2) or "", s.group(3) or "") for s in specs):
        return {}
    choices = []  # (spec, test, yes value, no value)
    for spec, arg in zip(specs, parts[at + 1:]):
        t = _TERNARY.match(arg)
        if spec.group(4) == "s" and t:
            choices.append((spec, " ".join(t.group("test").split()), "".join(_literals(t.group("yes"))),
                            "".join(_literals(t.group("no")))))
    if not choices or len(choices) > 4:
        return {}
    want = _marked(render_normal(m.template))
    matches = []
    for values in itertools.product((True, False), repeat=len(choices)):
        filled, last = [], 0
        for (spec, _, yes, no), value in zip(choices, values):
            filled += [m.format[last:spec.start()], (yes if value else no).replace("%", "%%")]
            last = spec.end()
        if _marked("".join(filled) + m.format[last:]) == want:
            matches.append(values)
    if len(matches) != 1:
        return {}
    return {test: value for (_, test, _, _), value in zip(choices, matches[0])}


def _marked(text: str) -> str:
    return _SPEC.sub(lambda s: "%" if s.group(4) == "%" else _MARK, text)


def resolved_guards(m: Message, text: str | None) -> tuple[str, ...]:
    """m's guards with each ternary on a test m's text decided replaced by its branch."""
    if not text or not any("?" in g for g in m.conditions):
        return m.conditions
    tests = chosen_tests(m, text)
    if not tests:
        return m.conditions
    out = []
    for guard in m.conditions:
        guard = " ".join(guard.split())
        for test, value in tests.items():
            t = re.escape(test)
            pattern = re.compile(r"(?<![\w.>])(?:\(\s*" + t + r"\s*\)|" + t + r")\s*\?\s*([^?:,()]+?)\s*:\s*([^?:,()]+?)(?=\s*(?:[,)]|$))")
            guard = pattern.sub(lambda g: g.group(1 if value else 2), guard)
        out.append(guard)
    return tuple(out)
