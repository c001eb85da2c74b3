"""Conditions the parse kept only as text: clang makes a RecoveryExpr of an expression one of
whose parts it cannot type (a library's macro reaching into a struct whose header the build
lacks: lighttpd's mod_mbedtls.c `0 == rc && hctx->conf.ssl_verifyclient &&
handshake_state(&hctx->ssl) >= MBEDTLS_SSL_SERVER_HELLO`, handshake_state() being
`(ssl)->MBEDTLS_PRIVATE(state)`), and the walker gives it as one Other whose text is the
whole chain. The chain's `&&` and `||` still join tests srcscan reads: `split` gives them
back as typed expressions, the simple ones (a variable or a field path, `!` of one, one
compared with a number, NULL or a name) read from the text, every other part kept as an
Other of its own text, which no reading evaluates. No I/O.
"""

from __future__ import annotations

import re

from srcscan.cexpr import Binary, CExpr, Const, Member, Name, Other, Unary

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_PATH = re.compile(r"\s*([A-Za-z_]\w*)((?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*)\s*")
_STEP = re.compile(r"(->|\.)\s*([A-Za-z_]\w*)")
_COMPARISON = re.compile(r"==|!=|(?<![<>])[<>]=|(?<![-<>])[<>](?![<>=])")
_NUMBER = re.compile(r"\s*(-?(?:0[xX][0-9a-fA-F]+|\d+))[uUlL]*\s*")
_IDENT = re.compile(r"\s*([A-Za-z_]\w*)\s*")


def split(text: str, params: tuple[str, ...] = ()) -> CExpr | None:
    """The chain of `&&` and `||` in `text` (a condition as written) as a typed expression,
    or None when it has no such operator outside parentheses. `params`: the enclosing
    function's parameters (a name read from the text is a parameter or else a variable)."""
    text = _COMMENT.sub(" ", text).strip()
    if _top_level(text, "?"):
        return None  # `a ? b : c && d`: the conditional binds looser than the chain
    return _chain(text, params, "||") if _top_level(text, "||") or _top_level(text, "&&") else None


def _chain(text: str, params: tuple[str, ...], op: str) -> CExpr:
    parts = _top_level(text, op)
    if not parts:
        return _chain(text, params, "&&") if op == "||" else _part(text, params)
    built = [_chain(p, params, "&&") if op == "||" else _part(p, params) for p in parts]
    joined = built[0]
    for right in built[1:]:
        joined = Binary(op, joined, right)
    return joined


def _top_level(text: str, op: str) -> list[str]:
    """`text` cut at each `op` outside parentheses, brackets and literals; [] when none."""
    parts, depth, start, i, quote = [], 0, 0, 0, ""
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(op, i):
            parts.append(text[start:i])
            start = i + len(op)
            i += len(op)
            continue
        i += 1
    if not parts:
        return []
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _part(text: str, params: tuple[str, ...]) -> CExpr:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _closes_at_end(text):
        text = text[1:-1].strip()
    if _top_level(text, "?"):
        return Other(" ".join(text.split()))
    if _top_level(text, "||") or _top_level(text, "&&"):
        return _chain(text, params, "||")
    if text.startswith("!") and not text.startswith("!="):
        inner = _part(text[1:], params)
        return Unary("!", inner) if not isinstance(inner, Other) else Other(text)
    path = _path(text, params)
    if path is not None:
        return path
    compared = _COMPARISON.search(text)
    if compared:
        op, left, right = compared.group(0), text[:compared.start()], text[compared.end():]
        a, b = _operand(left, params), _operand(right, params)
        if a is not None and b is not None and any(
                isinstance(x, Member) or isinstance(x, Name) and x.ref != "enum" for x in (a, b)):
            return Binary(op, a, b)
    return Other(" ".join(text.split()))


def _closes_at_end(text: str) -> bool:
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0:
            return i == len(text) - 1
    return False


def _path(text: str, params: tuple[str, ...]) -> CExpr | None:
    m = _PATH.fullmatch(text)
    if m is None:
        return None
    root = m.group(1)
    e: CExpr = Name(root, "param" if root in params else "var")
    for arrow, field in _STEP.findall(m.group(2)):
        e = Member(e, field, arrow == "->")
    return e


def _operand(text: str, params: tuple[str, ...]) -> CExpr | None:
    number = _NUMBER.fullmatch(text)
    if number:
        return Const(_c_integer(number.group(1)), number.group(1))
    ident = _IDENT.fullmatch(text)
    if ident and ident.group(1) == "NULL":
        return Const(0, "NULL")
    if ident and (ident.group(1).isupper() or ident.group(1)[:1].isupper()):
        return Name(ident.group(1), "enum")  # a macro or enumerator: its value not known here
    return _path(text, params)


def _c_integer(literal: str) -> int:
    """The value of a C integer literal without its suffix: hexadecimal `0x1F`, octal `0644`
    (a leading 0, C11 6.4.4.1), decimal `42`, each maybe negative."""
    sign, digits = (-1, literal[1:]) if literal.startswith("-") else (1, literal)
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits, 16)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * int(digits, 8) if set(digits) <= set("01234567") else sign * int(digits.lstrip("0") or "0")
    return sign * int(digits)
