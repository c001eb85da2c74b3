"""A message that moved into a helper its old function now calls, and only that function:
the guards around the helper's call are the old guards the message no longer has itself.

    lighttpd 1.4.69, gw_write_request():
        if (r->con->srv->network_backend_write(hctx->fd, &hctx->wb, MAX_WRITE_LIMIT, errh) < 0) {
            switch(errno) { ... default: log_perror(errh, ..., "write failed"); ... }
    1.4.79: the switch is gw_network_backend_write_error(), called there only:
        if (r->con->srv->network_backend_write(hctx->fd, &hctx->wb, MAX_WRITE_LIMIT, r->conf.errh) < 0) {
            return gw_network_backend_write_error(hctx, r);

The catalog gives the helper's message its own guards (`switch (errno) case default`); read
with its only caller's, they are the old ones (`errh` is a const local holding
`r->conf.errh`). The same the other way round, for a helper inlined into its only caller.
A text a helper writes with a caller's constant is read with the one call passing it:

    keepalived 2.2.8, dump_global_data():
        if (data->vrrp_notify_fifo.name) {
            conf_write(fp, " VRRP notify fifo = %s, uid:gid %u:%u", data->vrrp_notify_fifo.name, ...);
    2.3.0: write_fifo_details() writes ` %s notify fifo = %s, ...` with `type`, called three times:
        if (data->vrrp_notify_fifo.name)
            write_fifo_details(fp, &data->vrrp_notify_fifo, "VRRP");"""

from __future__ import annotations

import re
from typing import Any

from srcscan.catalog import Message
from srcscan.diff.analysis import guard_tokens
from srcscan.diff.text import _HOLE_MARK, _function_span, _literal_view
from srcscan.formats.printf import parse_printf
from srcscan.textcalls import enclosing_function

_STRIPPED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//.*|/\*.*?\*/')
_CONST_LOCAL = re.compile(r"\bconst\b[^;=(){}]*?\b([A-Za-z_]\w*)\s*=\s*([^;{}]+);")
_HEAD = re.compile(r"^(?:\}\s*)?(?:else\s+)?(if|switch|while)\s*\((.*)\)\s*\{?$", re.S)


def with_only_caller(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                     texts: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pair's guards, the helper side's prefixed with its only caller's guards when the
    other side's extra leading guards are those (as written around the call, const locals
    read as their values); unchanged otherwise. `texts` is a FileTexts or None."""
    if texts is None or a.function == b.function or a.file != b.file or len(guards_a) == len(guards_b):
        return guards_a, guards_b
    if len(guards_a) > len(guards_b):  # into a helper of the new release
        prefix = _caller_prefix(guards_a, len(guards_a) - len(guards_b), texts("old", a.file), a.function,
                                texts("new", b.file), b.function, filled_constants(b))
        return (guards_a, prefix + guards_b) if prefix else (guards_a, guards_b)
    prefix = _caller_prefix(guards_b, len(guards_b) - len(guards_a), texts("new", b.file), b.function,
                            texts("old", a.file), a.function, filled_constants(a))
    return (prefix + guards_a, guards_b) if prefix else (guards_a, guards_b)


def filled_constants(m: Message) -> tuple[str, ...]:
    """The constants m's text has where its format as written has a hole: a helper's text
    read with a caller's constant (` VRRP notify fifo = %s` of ` %s notify fifo = %s`:
    ("VRRP",)); () for any other text."""
    if m.dynamic or not m.format or "%" not in m.format:
        return ()
    pattern = "".join(re.escape(p) if isinstance(p, str) else "(.*?)" for p in parse_printf(m.format))
    found = re.fullmatch(pattern, _literal_view(m), re.S)
    return tuple(g for g in found.groups() if g and _HOLE_MARK not in g) if found else ()


def _caller_prefix(guards: tuple[str, ...], extra: int, text: str | None, function: str,
                   helper_text: str | None, helper: str, constants: tuple[str, ...] = ()) -> tuple[str, ...]:
    """guards[:extra] when `helper` (in helper_text) is a static function called once, from
    `function`, under those guards (of its calls, those passing each of `constants` as a
    string literal); () otherwise."""
    if not text or not helper_text:
        return ()
    lines = helper_text.split("\n")
    call = _only_call(lines, helper, function, constants)
    if call is None:
        return ()
    heads = _call_heads(lines, call)
    prefix = guards[:extra]
    if heads is None or len(heads) != len(prefix):
        return ()
    aliases = _const_locals(text.split("\n"), function)
    for guard, (kind, test) in zip(prefix, heads):
        guard = _aliased(guard, aliases)
        if kind == "switch":
            if not guard_tokens(guard)[:len(guard_tokens(f"switch ({test})"))] == guard_tokens(f"switch ({test})"):
                return ()
        elif kind != "if" or guard_tokens(guard) != guard_tokens(test):
            return ()
    return prefix


def _only_call(lines: list[str], helper: str, function: str, constants: tuple[str, ...] = ()) -> int | None:
    """The 1-based line of the one call of the static function `helper` in a file's lines
    (of those passing each of `constants` as a string literal, when some are given), when
    it is in `function`; None when `helper` is not static, or called elsewhere too."""
    span = _function_span(lines, helper)
    if span is None or not any("static" in lines[i] for i in range(max(span[0] - 3, 0), span[0])):
        return None
    calls = [i + 1 for i, text in enumerate(lines) if re.search(rf"\b{re.escape(helper)}\s*\(", _STRIPPED.sub("", text))
             and not span[0] <= i + 1 <= span[1]]
    calls = [n for n in calls if enclosing_function(lines, n)]  # not a prototype
    if constants:  # the call's text up to its end (a call written over several lines)
        statement = lambda n: " ".join(_STRIPPED.sub(lambda s: s.group(0) if s.group(0).startswith('"') else "", x)  # noqa: E731
                                       for x in _until_semicolon(lines, n))
        calls = [n for n in calls if all(f'"{c}"' in statement(n) for c in constants)]
    if len(calls) != 1 or enclosing_function(lines, calls[0]) != function:
        return None
    return calls[0]


def _until_semicolon(lines: list[str], line: int, most: int = 8) -> list[str]:
    """The lines from the 1-based `line` to the first ending a statement (`;`), at most `most`."""
    out = []
    for text in lines[line - 1: line - 1 + most]:
        out.append(text)
        if text.rstrip().endswith(";"):
            break
    return out


def _call_heads(lines: list[str], line: int) -> list[tuple[str, str]] | None:
    """(kind, test) of each `if`/`switch`/`while` block around `line`, outermost first, each
    head read whole (over several lines), and a brace-less `if (...)` written on the line
    above the call (keepalived 2.3.0's `if (data->vrrp_notify_fifo.name)` over its
    write_fifo_details() call); None when a block is of another kind (`else`, a `for`, a bare
    block) or another brace-less head holds the call."""
    heads: list[tuple[str, str]] = []
    depth = 0
    for i in range(line - 2, -1, -1):
        code = _STRIPPED.sub("", lines[i])
        depth += code.count("}") - code.count("{")
        if depth < 0:
            if lines[i].startswith("{") or (code.rstrip().endswith("{") and lines[i][:1] not in (" ", "\t", "")):
                break  # the function's own brace
            head, k = code, i
            while head.count("(") < head.count(")") and k > 0:  # a head written over several lines
                k -= 1
                head = _STRIPPED.sub("", lines[k]) + " " + head
            m = _HEAD.match(" ".join(head.split()))
            if m is None:
                return None
            heads.append((m.group(1), m.group(2)))
            depth = 0
    previous = next((_STRIPPED.sub("", x).strip() for x in reversed(lines[:line - 1]) if _STRIPPED.sub("", x).strip()), "")
    bare_if = _HEAD.match(" ".join(previous.split())) if previous.startswith("if") else None
    if bare_if is not None and bare_if.group(1) == "if" and not previous.endswith("{") \
            and _balanced(bare_if.group(2)):
        return list(reversed(heads)) + [("if", bare_if.group(2))]
    if re.match(r"(?:\}\s*)?(?:else\b|if\s*\(|for\s*\(|while\s*\()", previous) and not previous.endswith((";", "{", "}")):
        return None
    return list(reversed(heads))


def _balanced(test: str) -> bool:
    """Is every parenthesis of `test` closed in order (`a) && (b` is not a test)?"""
    depth = 0
    for ch in test:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _const_locals(lines: list[str], function: str) -> dict[str, str]:
    """`name -> value` of the const locals of `function` given a value where declared
    (`log_error_st * const errh = r->conf.errh;`)."""
    span = _function_span(lines, function)
    if span is None:
        return {}
    body = _STRIPPED.sub("", "\n".join(lines[span[0]: span[1]]))
    return {m.group(1): " ".join(m.group(2).split()) for m in _CONST_LOCAL.finditer(body)}


def _aliased(guard: str, aliases: dict[str, str]) -> str:
    if not aliases:
        return guard
    return re.sub(r"(?<![\w.>])(" + "|".join(map(re.escape, aliases)) + r")\b(?!\s*\()",
                  lambda m: aliases[m.group(1)], guard)
