"""The `case` labels of the switch around a call, as written: what a `default:` label that
logs excludes (srcscan.diff.analysis._same_switches)."""

from __future__ import annotations

import re

_STRIPPED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//.*|/\*.*?\*/')
_SWITCH = re.compile(r"\s*switch\s*\((.*)\)\s*\{?\s*$")
_LABEL = re.compile(r"\bcase\s+([^:]+?)\s*:(?!:)")
_DEFAULT_GUARD = re.compile(r"^switch\s*\((.*)\)\s*case\b")
# errno names glibc gives one value on Linux (<asm-generic/errno.h>: `#define EWOULDBLOCK
# EAGAIN`, EDEADLOCK EDEADLK, ENOTSUP EOPNOTSUPP): a label under `#if EWOULDBLOCK != EAGAIN`
# is compiled out in the Linux build configurations.
_SAME_ON_LINUX = (frozenset({"EWOULDBLOCK", "EAGAIN"}), frozenset({"EDEADLOCK", "EDEADLK"}),
                  frozenset({"ENOTSUP", "EOPNOTSUPP"}))
_UNEQUAL_TEST = re.compile(r"#\s*if\s+\(?\s*(\w+)\s*!=\s*(\w+)\s*\)?$")


def switch_test(conditions: tuple[str, ...]) -> str | None:
    """The tested expression of the innermost `switch (x) case default` guard, or None."""
    for g in reversed(conditions):
        m = _DEFAULT_GUARD.match(g)
        if m and g.endswith("case default"):
            return " ".join(m.group(1).split())
    return None


def switch_labels(lines: list[str], line: int, test: str | None = None) -> list[str]:
    """The `case` labels (sorted, white space squeezed) of the innermost switch around `line`
    (1-based), as written, whatever build compiles them; [] when no switch is found. A switch
    whose head is written once per build over one body (lighttpd 1.4.79's `#ifdef _WIN32
    switch(WSAGetLastError()) #else switch(errno) #endif {`) lists, for the head testing
    `test`, only the labels of its own build's branches of the same `#if` test (not
    `case WSAECONNRESET:` for `switch (errno)`)."""
    depth = 0
    for i in range(line - 2, -1, -1):
        code = _STRIPPED.sub("", lines[i])
        depth += code.count("}") - code.count("{")
        if depth < 0:
            heads = _heads(lines, i)
            if heads:
                return _labels(lines, i, heads, test)
            depth = 0
    return []


def _heads(lines: list[str], i: int) -> list[int]:
    """The switch head lines (0-based) owning the block opening on line i: that line, or for
    a bare `{` the switch lines just above it (one per build, preprocessor lines between)."""
    code = _STRIPPED.sub("", lines[i])
    if _SWITCH.match(code):
        return [i]
    if code.strip() != "{":
        return []
    out = []
    for k in range(i - 1, -1, -1):
        text = _STRIPPED.sub("", lines[k]).strip()
        if not text or text.startswith("#"):
            continue
        if not _SWITCH.match(text):
            break
        out.append(k)
    return out


def _labels(lines: list[str], start: int, heads: list[int], test: str | None) -> list[str]:
    paths = _branch_paths(lines)
    foreign: set[tuple[str, int]] = set()
    picked = [k for k in heads if test is not None and " ".join(_SWITCH.match(_STRIPPED.sub("", lines[k])).group(1).split()) == test]
    if len(heads) > 1 and len(picked) == 1:
        own = paths[picked[0]]
        for k in heads:
            if k != picked[0]:
                foreign |= {(d, b) for d, b in paths[k] if (d, b) not in own}
    found, level = [], 0
    for k in range(start, len(lines)):
        code = _STRIPPED.sub("", lines[k])
        if level == 1 and not any(p in foreign or _compiled_out(p) for p in paths[k]):
            found += _LABEL.findall(code)
        level += code.count("{") - code.count("}")
        if level <= 0 and k > start:
            break
    return sorted(" ".join(x.split()) for x in found)


def _compiled_out(branch: tuple[str, int]) -> bool:
    """Is (directive, rank) the `#if A != B` part of a test of two names of one value on
    Linux (_SAME_ON_LINUX), a branch no Linux build compiles? (A label another platform's
    build adds, lighttpd 1.4.79's FreeBSD `case EBUSY:`, is still a change: test_diff_pairing.)"""
    m = _UNEQUAL_TEST.match(branch[0])
    return bool(m) and branch[1] == 0 and frozenset(m.groups()) in _SAME_ON_LINUX


def _branch_paths(lines: list[str]) -> list[tuple[tuple[str, int], ...]]:
    """For each line, the preprocessor branches it is in: (opening directive squeezed, the
    branch's rank: 0 for the `#if` part, 1 for the first `#elif`/`#else`, ...)."""
    stack: list[list] = []
    out = []
    for text in lines:
        s = text.strip()
        m = re.match(r"#\s*(if|ifdef|ifndef|elif|else|endif)\b", s)
        if m and m.group(1).startswith("if"):
            stack.append([" ".join(s.split()), 0])
        elif m and m.group(1) in ("elif", "else") and stack:
            stack[-1][1] += 1
        elif m and m.group(1) == "endif" and stack:
            stack.pop()
        out.append(tuple((d, b) for d, b in stack))
    return out
