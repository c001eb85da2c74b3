"""Messages read from the source text where no parse holds the call.

A call in a branch this machine's headers rule out (`#if OPENSSL_VERSION_NUMBER < ...`
with OpenSSL 3 installed), or on a line libclang could not make sense of, is still a
message some build logs. Its arguments are read from the text: literal formats and
priorities written as `LOG_*` names come out as they would from a parse; anything else
is kept as written, and the message says it was read from the text.

Pure: file texts in, CallSites out; no I/O.
"""

from __future__ import annotations

import re

from srcscan.extract.calls import c_string_value
from srcscan.extract.walk import one_line
from srcscan.formats.template import Arg
from srcscan.model import CallSite

_STRING_RUN = re.compile(r'^(?:\s*(?:u8|[LuU])?"(?:[^"\\]|\\.)*"\s*)+$', re.S)
_FUNCTION_HEAD = re.compile(r"^(?:[A-Za-z_][\w\s\*]*?[\s\*])?([A-Za-z_]\w*)\s*\(")
_NOT_FUNCTIONS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "do", "else"})


def call_from_text(text: str, path: str, line: int, name: str) -> CallSite | None:
    """The call of `name` that starts on `line` (1-based) of `text`, with its arguments."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    start = sum(len(x) + 1 for x in lines[: line - 1])
    m = re.compile(rf"\b{re.escape(name)}\s*\(").search(text, start, start + len(lines[line - 1]) + 1)
    if m is None:
        return None
    pieces = _arguments(text, m.end())
    if pieces is None:
        return None
    args = tuple(_arg(p) for p, _ in pieces)
    line_of = {a.text: text.count("\n", 0, offset) + 1 for a, (_, offset) in zip(args, pieces)}
    call_line = line_of.get("__LINE__", line)
    function = enclosing_function(lines, line)
    return CallSite(function=function, callee=name, indirect="", file=path, line=call_line, col=m.start() - start + 1,
                    written=name, args=args, arg_refs=tuple(() for _ in args), guards=(),
                    text=text[m.start(): pieces[-1][1] + len(pieces[-1][0]) + 1] if pieces else name + "()")


# `#define log_warn(errh, file, line, ...) log_pri((errh),(file),(line),4,__VA_ARGS__)`
_MACRO_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:[^\n]*\\\n)*[^\n]*)", re.M)


def macro_definitions(text: str, names: set[str] | None) -> dict[str, tuple[tuple[str, ...], str]]:
    """Function-like macros of one file's text (among `names`, None: all): name -> (parameters, body),
    continuation lines joined (`...` stays a parameter and stands for __VA_ARGS__)."""
    out = {}
    for m in _MACRO_DEFINE.finditer(text):
        if (names is None or m.group(1) in names) and m.group(1) not in out:
            params = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
            out[m.group(1)] = (params, m.group(3).replace("\\\n", " ").strip())
    return out


def macro_call_from_text(text: str, path: str, line: int, name: str, definition: tuple[tuple[str, ...], str],
                         targets: set[str]) -> CallSite | None:
    """The call of macro `name` on `line`, expanded once by its `definition` (parameters,
    body) into the call of one of `targets` (log functions) that its body makes:

        log_warn(srv->errh, __FILE__, __LINE__, "lacks lstat()")
          -> log_pri((srv->errh),(__FILE__),(__LINE__),4,"lacks lstat()")

    The call site keeps the macro's place and name (`written`); its callee and arguments
    are the log function's. None when the text does not read as that call."""
    written = call_from_text(text, path, line, name)
    if written is None:
        return None
    params, body = definition
    values: dict[str, str] = {}
    for i, param in enumerate(params):
        if param == "...":
            values["__VA_ARGS__"] = ", ".join(a.text for a in written.args[i:])
        elif i < len(written.args):
            values[param] = written.args[i].text
    expanded = re.sub(r"\b(\w+)\b", lambda m: values.get(m.group(1), m.group(1)), body)
    inner = re.search(r"\b(" + "|".join(map(re.escape, sorted(targets))) + r")\s*\(", expanded) if targets else None
    if inner is None:
        return None
    pieces = _arguments(expanded, inner.end())
    if pieces is None:
        return None
    return CallSite(function=written.function, callee=inner.group(1), indirect="", file=path, line=written.line,
                    col=written.col, written=name, args=tuple(_arg(p) for p, _ in pieces),
                    arg_refs=tuple(() for _ in pieces), guards=(), text=written.text)


def _arguments(text: str, pos: int) -> list[tuple[str, int]] | None:
    """Top-level comma-separated arguments from just after `(` to the matching `)`."""
    depth, out, begin, i = 0, [], pos, pos
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            i = _skip_literal(text, i)
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                if text[begin:i].strip() or out:
                    out.append((text[begin:i], begin))
                return out
            depth -= 1
        elif ch == "," and depth == 0:
            out.append((text[begin:i], begin))
            begin = i + 1
        i += 1
    return None


def _skip_literal(text: str, i: int) -> int:
    quote, i = text[i], i + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def _arg(text: str) -> Arg:
    written = one_line(text)  # as a parse's argument reads: comments, line breaks and indentation gone
    literal = written
    while literal.startswith("(") and literal.endswith(")") and _STRING_RUN.match(literal[1:-1]):
        literal = literal[1:-1].strip()  # a macro body's `(fmt)`
    if _STRING_RUN.match(literal):
        return Arg(literal, string=c_string_value(literal))
    number = written.strip("()")
    if re.fullmatch(r"-?\d+", number):
        return Arg(written, integer=int(number))
    return Arg(written)


def enclosing_function(lines: list[str], line: int) -> str:
    """The function whose definition opens nearest above `line`: its name starts a line
    (`static int\\nfoo(...)` or `static int foo(...) {`) and a `{` follows before a `;`."""
    for i in range(line - 1, -1, -1):
        current = lines[i]
        if not current or current[0] in " \t#/*}{":
            continue
        m = _FUNCTION_HEAD.match(current)
        if m and m.group(1) not in _NOT_FUNCTIONS:
            after = "\n".join(lines[i: i + 12])
            brace, semi = after.find("{"), after.find(";")
            if brace >= 0 and (semi < 0 or brace < semi):
                return m.group(1)
    return ""


_CONTROL = re.compile(r"^\s*(?:\}\s*)?(if|else|for|while|switch|case|default)\b")
_STRIPPED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|//.*|/\*.*?\*/')


def enclosing_guards(lines: list[str], line: int) -> tuple[str, ...]:
    """The heads of the blocks around `line` (1-based) up to its function's opening brace,
    outermost first, white space runs as one, and the brace-less `if (...)`/`else`/`case`
    line just above it:

        if (srv->srvconf.compat_module_load) {        -> "if (srv->srvconf.compat_module_load) {"
            if (x)                                     -> "if (x)"
                config_warn_openssl_module(srv);       <- line
    """
    heads: list[str] = []
    depth = 0
    previous = ""
    for i in range(line - 2, -1, -1):
        text = _STRIPPED.sub("", lines[i])
        if not previous and text.strip():
            previous = text
        depth += text.count("}") - text.count("{")
        if depth < 0:
            if lines[i].startswith("{") or (text.rstrip().endswith("{") and lines[i][:1] not in (" ", "\t", "")):
                break  # the function's own brace
            head = text if text.strip() != "{" or i == 0 else _STRIPPED.sub("", lines[i - 1]) + " {"
            heads.append(" ".join(head.split()))
            depth = 0
    near = " ".join(previous.split())
    if near and _CONTROL.match(near) and not near.endswith((";", "{", "}")):
        heads.insert(0, near)
    return tuple(reversed(heads))
