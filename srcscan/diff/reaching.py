"""A guard that tests a local read through the local's one reaching definition, so that a
release that stores a tested expression in a local first (`if (x * -1000000 - y > d)` ->
`t = x * -1000000 - y; if (t > d)`) tests the same condition (keepalived 2.3.3's
thread_fetch_next_queue(), lib/scheduler.c: `timeout = earliest_timer.tv_sec * -1000000 -
earliest_timer.tv_usec; if (timeout > min_auto_priority_delay)`, the test 2.2.7 wrote in
full).

Read from the two files' texts (FileTexts), the function of each message (text.
message_function_lines). A name is read through its definition only when all of these hold,
else it stays as written (a value of the run):

- it is declared in the function (a local or a parameter, not a file-scope name a call may write);
- the function writes it exactly once, as the statement `name = EXPR;` (or a declaration
  `type name = EXPR;`), before the message's line, never by `++`, `--`, a compound assignment,
  or through its address (`&name`);
- that statement is not the body of an unbraced `if`/`else`/loop head, and the block it is in
  is still open at the message's line (it runs whenever the message does: no branch skips it);
- no name EXPR reads, and no call, is written between the definition and the message's line
  (an operand written, or a call that may write it through a pointer or a global, in between).

Facts in: C text; out: guards (str) with the name replaced by EXPR, parenthesised unless the
operators around the name bind less tightly than every operator of EXPR (C's precedence).
"""

from __future__ import annotations

import re
from dataclasses import replace

from srcscan.catalog import Message
from srcscan.diff.analysis import same_guards
from srcscan.diff.model import FileTexts
from srcscan.diff.text import message_function_lines
from srcscan.preprocessor.expr import BINARY_PRECEDENCE

_NAME = re.compile(r"(?<![\w.>])(?<!->)([A-Za-z_]\w*)(?!\s*\()(?![\w])")
_KEYWORDS = frozenset({"if", "else", "for", "while", "do", "switch", "case", "return", "sizeof", "goto",
                       "break", "continue", "default", "NULL", "true", "false"})
_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_PRECEDENCE = {**BINARY_PRECEDENCE, "?": 0, ":": 0}  # the conditional operator binds least
_OPERATOR = re.compile(r"<<|>>|<=|>=|==|!=|&&|\|\||->|\+\+|--|[-+*/%<>&^|?:!~(),\[\].]|\w+|\S")


def with_read_locals(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                     texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards, each local read through its one reaching definition (module
    docstring), when the guards as written differ; unchanged when they read the same already
    or without the files' texts."""
    if texts is None or same_guards(_with(a, guards_a), _with(b, guards_b)):
        return guards_a, guards_b
    read_a = _read(texts("old", a.file), a, guards_a)
    read_b = _read(texts("new", b.file), b, guards_b)
    return read_a, read_b


def _with(m: Message, guards: tuple[str, ...]) -> Message:
    return replace(m, conditions=tuple(guards))


def _read(text: str | None, m: Message, guards: tuple[str, ...]) -> tuple[str, ...]:
    found = message_function_lines(text, m)
    if found is None:
        return guards
    lines, first = found
    body = "\n".join(_code(x) for x in lines)
    at = len("\n".join(_code(x) for x in lines[: m.line - first]))  # offset of the message's line
    names = {n for g in guards for n in _NAME.findall(g) if n not in _KEYWORDS}
    values = {n: v for n in names if (v := definition(body, at, n)) is not None}
    if not values:
        return guards
    return tuple(_substituted(g, values) for g in guards)


def _code(line: str) -> str:
    """A line without preprocessor directives and `//` comments (string literals kept)."""
    return "" if line.lstrip().startswith("#") else re.sub(r"//.*$", "", line)


def definition(body: str, at: int, name: str) -> str | None:
    """EXPR of the one reaching definition `name = EXPR;` of a local `name` in a function's
    text `body` (its head included) at offset `at`, or None (module docstring)."""
    n = re.escape(name)
    opened = body.find("{")
    quals = r"(?:(?:const|unsigned|signed|struct|enum|union|static|register|volatile)\s+)*"
    typed = rf"(?!(?:return|goto|case|else|sizeof)\b)[A-Za-z_]\w*[\s*]+\**\s*{n}"
    declared = opened > 0 and re.search(rf"[(,]\s*{quals}{typed}\s*[,)\[]", body[:opened]) or \
        re.search(rf"[;{{}}]\s*{quals}{typed}\s*[;=,\[]", body[opened:])
    if not declared:
        return None
    writes = list(re.finditer(rf"(?<![\w.>]){n}\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)", body))
    stepped = re.search(rf"(?:\+\+|--)\s*{n}\b|(?<![\w.>]){n}\s*(?:\+\+|--)|(?<![&\w)\]])&\s*{n}\b", body)
    if len(writes) != 1 or stepped or not re.fullmatch(rf"{n}\s*=", writes[0].group(0).strip()):
        return None  # written twice, stepped, compound-assigned or through its address
    w = writes[0]
    end = body.find(";", w.end())
    if end < 0 or end >= at:
        return None
    expr = body[w.end():end].strip()
    if not expr or "{" in expr or "," in _top_level(expr):
        return None
    head = body[: w.start()].rstrip()
    if not re.search(rf"[;{{}}]\s*(?:{quals}(?!(?:else|do|return|case|goto)\b)[A-Za-z_]\w*[\s*]+\**\s*)?$", head):
        return None  # in a `for (...)` head, the body of an unbraced `if`, `else` or loop, or an expression
    between = body[end + 1: at]
    depth = 0
    for ch in between:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return None  # the definition's block closed before the message: a branch skips it
    operands = {x for x in _NAME.findall(expr) if x not in _KEYWORDS}
    if _CALL.search(re.sub(r"\b(?:if|while|switch|for|return|sizeof)\s*\(", "(", between)) or \
            re.search(r"(?<![=!<>])=(?!=)|\+\+|--", between):
        return None  # a call, or any write, between the definition and the message
    if any(re.search(rf"(?<![\w.>]){re.escape(o)}\b", between) for o in operands):
        return None
    return expr


def _top_level(expr: str) -> str:
    """expr with each parenthesised group's content dropped."""
    out, depth = [], 0
    for ch in expr:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _loosest(expr: str) -> float:
    """The precedence of the loosest binary operator of expr outside parentheses (99 for a
    primary or unary expression)."""
    tokens = _OPERATOR.findall(_top_level(expr))
    low: float = 99
    for k, t in enumerate(tokens):
        if t in _PRECEDENCE and k > 0 and (tokens[k - 1] not in _PRECEDENCE and tokens[k - 1] not in "!~"):
            low = min(low, _PRECEDENCE[t])
    return low


def _substituted(guard: str, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return name
        expr = values[name]
        left = guard[: match.start()].rstrip()
        right = guard[match.end():].lstrip()
        lt = _OPERATOR.findall(left)[-1:] or [""]
        rt = _OPERATOR.findall(right)[:1] or [""]
        need = _loosest(expr)
        bare = all(t in ("", "(", ",") or (t in _PRECEDENCE and _PRECEDENCE[t] < need and not (t in "-+*&" and side == "l"
                                                                                              and _unary_before(left)))
                   for t, side in ((lt[0], "l"), (rt[0], "r")))
        return expr if bare else f"({expr})"
    return _NAME.sub(one, guard)


def _unary_before(left: str) -> bool:
    """Is the last operator of `left` a unary one (nothing, an operator or `(` before it)?"""
    tokens = _OPERATOR.findall(left)
    return len(tokens) < 2 or tokens[-2] in _PRECEDENCE or tokens[-2] in ("(", ",", "!", "~")
