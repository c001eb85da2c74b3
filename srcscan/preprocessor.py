"""Read a tree's preprocessor conditionals without a compiler: which `#if` branches hold a
line, which macros the tree tests but never defines, and what a build must define to reach
a line.

    #ifdef _WITH_VRRP_              line 12 holds under  defined(_WITH_VRRP_)
    #if !defined(_WITH_LVS_)        line 14 holds under  defined(_WITH_VRRP_) && !defined(_WITH_LVS_)
    #else                           line 16 holds under  defined(_WITH_VRRP_) && defined(_WITH_LVS_)

Pure text in, plain data out: no libclang (parse.py is the compiler's view, this module
the source's), no file I/O, no knowledge of any one daemon (rules files name what the
source cannot tell). The expression language is the `#if` language: integers, `defined`,
macros, the C operators; a function-like macro call is kept as an opaque atom.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Iterable, Mapping

# ---------------------------------------------------------------------------- lexing

# Comments and literals in one alternation, so that `"/*"` is a string and `// "` a comment.
_BLANKABLE = re.compile(
    r"//(?:[^\n\\]|\\.)*"  # line comment (a backslash-newline continues it)
    r"|/\*.*?(?:\*/|\Z)"  # block comment (unterminated: to the end)
    r'|"(?:[^"\\\n]|\\.)*"?'  # string literal (unterminated: to the end of the line)
    r"|'(?:[^'\\\n]|\\.)*'?",  # character literal (`#error don't` leaves one unterminated)
    re.S,
)


def _blank(match: re.Match) -> str:
    text = match.group(0)
    if text[0] in "\"'":
        # Keep the quotes so that the line still reads as "a literal here" (and `#include "x.h"`
        # keeps its shape), blank the contents so no name inside counts as a token.
        inner = re.sub(r"[^\n]", " ", text[1:-1] if len(text) > 1 and text[-1] == text[0] else text[1:])
        return text[0] + inner + (text[0] if len(text) > 1 and text[-1] == text[0] else "")
    return re.sub(r"[^\n]", " ", text)


def blank_comments_and_literals(text: str) -> str:
    """`text` with comments and the contents of literals replaced by spaces; every character
    keeps its offset and every newline its place, so lines and columns stay those of the file."""
    return _BLANKABLE.sub(_blank, text)


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


# ---------------------------------------------------------------------------- expressions

@dataclass(frozen=True)
class Expr:
    """A `#if` expression: op is "defined", "macro", "int", "call", "!", "&&", "||", "?:",
    a unary ("-", "~", "+" written "u-", "u~", "u+") or a binary C operator."""

    op: str
    args: tuple["Expr", ...] = ()
    name: str = ""  # macro name ("defined", "macro", "call"); the call's argument text after it
    value: int = 0  # "int"

    def __repr__(self) -> str:
        return render(self)


TRUE, FALSE = Expr("int", value=1), Expr("int", value=0)

_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)[uUlL]*|([A-Za-z_]\w*)|"
                    r"(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>!~&^|?:(),])|('[^']*'?)|(\S))")
_BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
    "<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}


class ExprSyntaxError(ValueError):
    """A `#if` expression that does not parse (kept as an opaque atom by callers)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        number, ident, op, char, other = m.groups()
        if number is not None:
            out.append(("int", number))
        elif ident is not None:
            out.append(("ident", ident))
        elif op is not None:
            out.append(("op", op))
        elif char is not None:
            out.append(("char", char))
        elif other is not None:
            out.append(("other", other))
    return out


class _Parser:
    """Precedence climbing over `#if` tokens."""

    def __init__(self, text: str) -> None:
        self.text, self.toks, self.pos = text, _tokens(text), 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.pos] if self.pos < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        if self.take() != ("op", value):
            raise ExprSyntaxError(f"expected {value!r} in {self.text!r}")

    def parse(self) -> Expr:
        expr = self.conditional()
        if self.peek()[0] != "end":
            raise ExprSyntaxError(f"unexpected {self.peek()[1]!r} in {self.text!r}")
        return expr

    def conditional(self) -> Expr:
        cond = self.binary(1)
        if self.peek() == ("op", "?"):
            self.take()
            yes = self.conditional()
            self.expect(":")
            return Expr("?:", (cond, yes, self.conditional()))
        return cond

    def binary(self, min_prec: int) -> Expr:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = _BINARY_PRECEDENCE.get(op) if kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.take()
            right = self.binary(prec + 1)
            left = Expr(op, (left, right)) if op not in ("&&", "||") else _join(op, (left, right))

    def unary(self) -> Expr:
        kind, tok = self.take()
        if kind == "op" and tok == "!":
            return Expr("!", (self.unary(),))
        if kind == "op" and tok in "-~+":
            return Expr("u" + tok, (self.unary(),))
        if kind == "op" and tok == "(":
            inner = self.conditional()
            self.expect(")")
            return inner
        if kind == "int":
            return Expr("int", value=_int_value(tok))
        if kind == "char":
            return Expr("call", name=tok)  # a character constant: kept, not evaluated
        if kind == "ident" and tok == "defined":
            return self.defined()
        if kind == "ident":
            if self.peek() == ("op", "("):
                return self.call(tok)
            return Expr("macro", name=tok)
        raise ExprSyntaxError(f"unexpected {tok or 'end'!r} in {self.text!r}")

    def defined(self) -> Expr:
        paren = self.peek() == ("op", "(")
        if paren:
            self.take()
        kind, name = self.take()
        if kind != "ident":
            raise ExprSyntaxError(f"defined needs a name in {self.text!r}")
        if paren:
            self.expect(")")
        return Expr("defined", name=name)

    def call(self, name: str) -> Expr:
        """`KERNEL_VERSION(3, 4, 0)`: kept whole, as an atom nobody can set from outside."""
        self.expect("(")
        depth, args, current = 1, [], []
        while True:
            kind, tok = self.take()
            if kind == "end":
                raise ExprSyntaxError(f"unbalanced parentheses in {self.text!r}")
            if kind == "op" and tok == "(":
                depth += 1
            elif kind == "op" and tok == ")":
                depth -= 1
                if depth == 0:
                    break
            elif kind == "op" and tok == "," and depth == 1:
                args.append(" ".join(current))
                current = []
                continue
            current.append(tok)
        args.append(" ".join(current))
        return Expr("call", name=f"{name}({', '.join(a for a in args if a or len(args) > 1)})")


def _int_value(token: str) -> int:
    digits = token.rstrip("uUlL")
    if digits[:2] in ("0x", "0X"):
        return int(digits, 16)
    if digits[:2] in ("0b", "0B"):
        return int(digits, 2)
    if len(digits) > 1 and digits[0] == "0":
        return int(digits, 8)
    return int(digits)


def parse_expr(text: str) -> Expr:
    """The expression of an `#if`/`#elif` (ExprSyntaxError when it does not parse)."""
    return _Parser(text).parse()


def _join(op: str, items: Iterable[Expr]) -> Expr:
    flat: list[Expr] = []
    for item in items:
        for part in (item.args if item.op == op else (item,)):
            if part not in flat:
                flat.append(part)
    return flat[0] if len(flat) == 1 else Expr(op, tuple(flat))


def conjoin(items: Iterable[Expr]) -> Expr:
    """`a && b && ...`, flattened and simplified; TRUE when there is nothing."""
    items = tuple(items)
    return simplify(Expr("&&", items)) if items else TRUE


def negate(expr: Expr) -> Expr:
    return simplify(Expr("!", (expr,)))


_NEGATED_COMPARISON = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def simplify(expr: Expr) -> Expr:
    """Negations pushed down to the atoms (De Morgan), &&/|| flattened and deduplicated,
    constants folded: `!(defined(A) || !defined(B))` -> `!defined(A) && defined(B)`."""
    op = expr.op
    if op == "!":
        inner = expr.args[0]
        if inner.op == "!":
            return simplify(_truth(inner.args[0]))
        if inner.op in ("&&", "||"):
            flipped = "||" if inner.op == "&&" else "&&"
            return simplify(Expr(flipped, tuple(Expr("!", (a,)) for a in inner.args)))
        if inner.op in _NEGATED_COMPARISON:
            return simplify(Expr(_NEGATED_COMPARISON[inner.op], inner.args))
        inner = simplify(inner)
        if inner.op == "int":
            return FALSE if inner.value else TRUE
        return Expr("!", (inner,)) if inner.op != "!" else inner.args[0]
    if op in ("&&", "||"):
        parts = [simplify(a) for a in expr.args]
        absorbing, neutral = (FALSE, TRUE) if op == "&&" else (TRUE, FALSE)
        kept: list[Expr] = []
        for part in parts:
            for p in (part.args if part.op == op else (part,)):
                if p.op == "int":
                    p = TRUE if p.value else FALSE
                if p == absorbing:
                    return absorbing
                if p != neutral and p not in kept:
                    kept.append(p)
        if any(simplify(Expr("!", (p,))) in kept for p in kept):
            return absorbing  # a && !a
        kept = _propagate(op, kept)
        if not kept:
            return neutral
        if absorbing in kept:
            return absorbing
        return kept[0] if len(kept) == 1 else Expr(op, tuple(kept))
    if expr.args:
        args = tuple(simplify(a) for a in expr.args)
        folded = _fold(op, args)
        return folded if folded is not None else Expr(op, args, expr.name, expr.value)
    return expr


def _propagate(op: str, items: list[Expr]) -> list[Expr]:
    """Unit propagation: in `a && (!a || b)` the `!a` can go (`a && b`); in `a && (a || b)` the
    whole `(a || b)` can (and the same with && and || swapped). #elif chains are full of these."""
    inner = "||" if op == "&&" else "&&"
    units = [p for p in items if p.op != inner]
    if not units:
        return items
    negated = {simplify(Expr("!", (u,))) for u in units}
    out = []
    for item in items:
        if item.op != inner:
            out.append(item)
            continue
        if any(part in units for part in item.args):
            continue  # absorbed
        rest = [part for part in item.args if part not in negated]
        if len(rest) != len(item.args):
            neutral = FALSE if inner == "||" else TRUE
            out.append(rest[0] if len(rest) == 1 else (Expr(inner, tuple(rest)) if rest else neutral))
        else:
            out.append(item)
    return out


def _truth(expr: Expr) -> Expr:
    """`!!x` as a truth value: x itself when x already is one."""
    if expr.op in ("defined", "!", "&&", "||") or expr.op in _NEGATED_COMPARISON:
        return expr
    return Expr("!=", (expr, FALSE))


def _fold(op: str, args: tuple[Expr, ...]) -> Expr | None:
    if all(a.op == "int" for a in args):
        value = _apply(op, [a.value for a in args])
        return Expr("int", value=value) if value is not None else None
    if op in ("!=", "==") and args[1] == FALSE and _is_boolean(args[0]):
        return args[0] if op == "!=" else simplify(Expr("!", (args[0],)))
    return None


def _is_boolean(expr: Expr) -> bool:
    return expr.op in ("defined", "!", "&&", "||") or expr.op in _NEGATED_COMPARISON


def _apply(op: str, v: list[int]) -> int | None:
    try:
        if op == "?:":
            return v[1] if v[0] else v[2]
        if len(v) == 1:
            return {"u-": -v[0], "u+": v[0], "u~": ~v[0], "!": int(not v[0])}[op]
        a, b = v
        if op in ("/", "%") and b == 0:
            return None  # an error for the compiler; unknown here
        return {
            "*": a * b, "/": int(a / b) if op == "/" else 0, "%": a - b * int(a / b) if op == "%" else 0,
            "+": a + b, "-": a - b, "<<": a << b if 0 <= b < 64 else 0, ">>": a >> b if 0 <= b < 64 else 0,
            "<": int(a < b), ">": int(a > b), "<=": int(a <= b), ">=": int(a >= b), "==": int(a == b),
            "!=": int(a != b), "&": a & b, "^": a ^ b, "|": a | b, "&&": int(bool(a and b)), "||": int(bool(a or b)),
        }[op]
    except (KeyError, ValueError, OverflowError):
        return None


def render(expr: Expr, parent: int = 0) -> str:
    """C text of an expression, with parentheses only where precedence needs them."""
    op = expr.op
    if op == "int":
        return str(expr.value)
    if op == "defined":
        return f"defined({expr.name})"
    if op in ("macro", "call"):
        return expr.name
    if op == "!":
        return "!" + render(expr.args[0], 11)
    if op.startswith("u"):
        return op[1] + render(expr.args[0], 11)
    if op == "?:":
        text = " ? ".join((render(expr.args[0], 1), render(expr.args[1], 1))) + " : " + render(expr.args[2], 1)
        return f"({text})" if parent else text
    prec = _BINARY_PRECEDENCE[op]
    logical = op in ("&&", "||")  # flattened, associative: no parentheses among equals
    text = f" {op} ".join(render(a, prec + (i > 0 and not logical)) for i, a in enumerate(expr.args))
    # `a || b && c` is right, but people read it better with the && parenthesized.
    return f"({text})" if prec < parent or (op == "&&" and parent == _BINARY_PRECEDENCE["||"]) else text


def atoms(expr: Expr) -> set[str]:
    """Macro names an expression tests or reads (a function-like call counts by its name:
    `__has_include(<sys/queue.h>)` reads `__has_include(...)`, not `sys` or `queue`)."""
    if expr.op in ("defined", "macro"):
        return {expr.name}
    if expr.op == "call":
        key = call_key(expr)
        return {key} if key else set()
    return set().union(*(atoms(a) for a in expr.args)) if expr.args else set()


def call_key(expr: Expr) -> str | None:
    """`NAME(...)`: how a function-like macro called in an #if is named in assignments (a
    build sets it with `-DNAME(...)=1`); None for a character constant."""
    m = re.match(r"([A-Za-z_]\w*)\(", expr.name)
    return f"{m.group(1)}(...)" if m else None


def directive_condition(d: Directive) -> Expr:
    """The condition an #if/#ifdef/#ifndef/#elif... line states (opaque when it does not parse)."""
    if d.kind in ("ifdef", "elifdef", "ifndef", "elifndef"):
        name = d.text.split()[0] if d.text.split() else ""
        test = Expr("defined", name=name)
        return test if d.kind in ("ifdef", "elifdef") else Expr("!", (test,))
    try:
        return simplify(parse_expr(d.text))
    except (ExprSyntaxError, RecursionError):
        return Expr("call", name=d.text)


# ---------------------------------------------------------------------------- condition stacks

@dataclass(frozen=True)
class Branch:
    """One level of the #if nesting around a line: the branch's own condition, already
    including "and no earlier branch of this #if was taken" for #elif/#else."""

    line: int  # line of the #if/#elif/#else that opened the branch
    if_line: int  # line of the #if the branch belongs to
    cond: Expr
    guard: bool = False  # the include guard of a header: holds in every build
    tests: frozenset[str] = frozenset()  # macros the #if chain up to this branch names (none for `#if 0`)

    @property
    def text(self) -> str:
        return render(self.cond)


@dataclass(frozen=True)
class Conditionals:
    """The #if structure of one file: the branch stack holding each line."""

    starts: tuple[int, ...]  # first line of each region, ascending
    stacks: tuple[tuple[Branch, ...], ...]  # branch stack of each region, outermost first
    unbalanced: bool = False  # an #else/#endif without #if, or an #if never closed
    spans: tuple[tuple[Branch, int], ...] = ()  # every branch with the line of the directive ending it

    def stack(self, line: int) -> tuple[Branch, ...]:
        i = bisect.bisect_right(self.starts, line) - 1
        return self.stacks[i] if i >= 0 else ()

    def build(self, line: int) -> Expr:
        """The simplified condition a build must meet for `line` to be compiled."""
        return conjoin([b.cond for b in self.stack(line) if not b.guard])


_OPENERS = ("if", "ifdef", "ifndef")
_ELSES = ("elif", "elifdef", "elifndef", "else")


def conditionals(directives: tuple[Directive, ...]) -> Conditionals:
    """Branch stacks by line for one file's directives."""
    guard_line = include_guard(directives)
    starts, stacks = [1], [()]
    spans: list[tuple[Branch, int]] = []
    frames: list[tuple[int, list[Expr], Branch]] = []  # (#if line, conditions of its branches so far, open branch)
    unbalanced = False
    for d in directives:
        if d.kind in _OPENERS:
            cond = directive_condition(d)
            frames.append((d.line, [cond], Branch(d.line, d.line, cond, d.line == guard_line, _named(d))))
        elif d.kind in _ELSES:
            if not frames:
                unbalanced = True
                continue
            if_line, previous, branch = frames[-1]
            spans.append((branch, d.line))
            cond = TRUE if d.kind == "else" else directive_condition(d)
            taken = conjoin([negate(c) for c in previous] + [cond])
            previous.append(cond)
            frames[-1] = (if_line, previous, Branch(d.line, if_line, taken, tests=branch.tests | _named(d)))
        elif d.kind == "endif":
            if not frames:
                unbalanced = True
                continue
            spans.append((frames.pop()[2], d.line))
        else:
            continue
        starts.append(d.last_line + 1)
        stacks.append(tuple(f[2] for f in frames))
    return Conditionals(tuple(starts), tuple(stacks), unbalanced or bool(frames), tuple(spans))


def _named(d: Directive) -> frozenset[str]:
    """Macro names written in a directive (before any simplification: `#if A && !A` names A)."""
    return frozenset(re.findall(r"[A-Za-z_]\w*", d.text)) - {"defined"} if d.kind != "else" else frozenset()


def include_guard(directives: tuple[Directive, ...]) -> int | None:
    """Line of a header's include guard: `#ifndef X` / `#define X` first, its #endif last."""
    conds = [d for d in directives if d.kind in _OPENERS + _ELSES + ("endif",)]
    if len(directives) < 3 or not conds or directives[0] is not conds[0]:
        return None
    first = directives[0]
    name = _guard_name(first)
    if name is None or directives[1].kind != "define" or directives[1].text.split()[:1] != [name]:
        return None
    depth = 0
    for d in conds:
        depth += d.kind in _OPENERS
        depth -= d.kind == "endif"
        if depth == 0:
            return first.line if d is conds[-1] and d is directives[-1] else None
    return None


def _guard_name(d: Directive) -> str | None:
    if d.kind == "ifndef":
        return d.text.split()[0] if d.text.split() else None
    if d.kind == "if":
        m = re.fullmatch(r"!\s*defined\s*\(?\s*([A-Za-z_]\w*)\s*\)?", d.text)
        return m.group(1) if m else None
    return None


# ---------------------------------------------------------------------------- the tree's macros

@dataclass(frozen=True)
class MacroDef:
    """One `#define` of the tree."""

    name: str
    file: str
    line: int
    value: str  # replacement text ("" when empty)
    function_like: bool
    cond: Expr  # build condition around the #define (include guards left out)


@dataclass(frozen=True)
class TreeMacros:
    """What the tree's own directives say: what is tested, what is defined where."""

    conditionals: dict[str, Conditionals]  # by tree-relative file
    tested: dict[str, int]  # macro -> number of #if/#elif lines testing it (include guards not counted)
    defs: dict[str, tuple[MacroDef, ...]]  # macro -> its #defines in the tree
    guards: frozenset[str]  # include-guard macros of the tree's headers
    gone: dict[str, frozenset[str]] = field(default_factory=dict)  # file -> macros it #undefs for good
    #   (an unconditional #undef and no #define in that file: `#undef OPENSSL_NO_OCSP`, a switch set by hand)
    _visible: dict[str, dict[str, tuple[MacroDef, ...]]] = field(default_factory=dict, compare=False, repr=False)
    _expanded: dict[tuple[str, int], Expr] = field(default_factory=dict, compare=False, repr=False)

    def visible_defs(self, file: str) -> dict[str, tuple[MacroDef, ...]]:
        """Definitions a file can see: its own and every header's (a .c file's are its own)."""
        if file not in self._visible:
            out: dict[str, tuple[MacroDef, ...]] = {}
            for name, defs in self.defs.items():
                seen = tuple(d for d in defs if d.file == file or not d.file.endswith(".c"))
                if seen:
                    out[name] = seen
            self._visible[file] = out
        return self._visible[file]

    def expanded(self, file: str, line: int, cond: Expr) -> Expr:
        """The condition of the branch at file:line with the tree's macros followed
        (expand_tree_macros), worked out once: every parse of the file asks again."""
        key = (file, line)
        if key not in self._expanded:
            self._expanded[key] = expand_tree_macros(cond, self.visible_defs(file), at=key)
        return self._expanded[key]

    def build(self, file: str, line: int) -> Expr:
        c = self.conditionals.get(file)
        return c.build(line) if c else TRUE


_DEFINE = re.compile(r"([A-Za-z_]\w*)(\()?(.*)", re.S)


def survey_tree(texts: Mapping[str, str]) -> TreeMacros:
    """Directives of every file: condition stacks, tested macros, definitions, include guards."""
    conds: dict[str, Conditionals] = {}
    tested: dict[str, int] = {}
    defs: dict[str, list[MacroDef]] = {}
    guards = set()
    gone: dict[str, frozenset[str]] = {}
    for rel in sorted(texts):
        directives = scan_directives(texts[rel])
        c = conds[rel] = conditionals(directives)
        guard_line = include_guard(directives)
        for d in directives:
            if d.line == guard_line:
                guards.add(_guard_name(d) or "")
                continue
            if d.kind in _OPENERS or d.kind in _ELSES[:3]:
                for name in atoms(directive_condition(d)):
                    tested[name] = tested.get(name, 0) + 1
            elif d.kind == "define":
                m = _DEFINE.match(d.text)
                if m:
                    body = m.group(3)
                    if m.group(2):  # function-like: drop the parameter list
                        body = body.split(")", 1)[1] if ")" in body else ""
                    defs.setdefault(m.group(1), []).append(
                        MacroDef(m.group(1), rel, d.line, body.strip(), bool(m.group(2)), c.build(d.line)))
        undone = {d.text.split()[0] for d in directives if d.kind == "undef" and d.text and c.build(d.line) == TRUE}
        defined_here = {d.text.split("(")[0].split()[0] for d in directives if d.kind == "define" and d.text}
        if undone - defined_here:
            gone[rel] = frozenset(undone - defined_here)
    guards.discard("")
    return TreeMacros(conds, dict(sorted(tested.items())), {k: tuple(v) for k, v in sorted(defs.items())},
                      frozenset(guards), gone)


# ---------------------------------------------------------------------------- classification

CLASSES = ("feature", "platform", "compiler", "header_guard", "tree", "other")

# Generic knowledge about C builds (not about any one daemon); a rules file's lists come first.
GENERIC_PATTERNS = {
    # predefined by the compiler for its language, target and OS
    "compiler": ("__*", "_MSC_VER", "_WIN32", "_WIN64", "WIN32", "_M_*", "_AIX", "_LP64", "_ILP32", "unix", "linux",
                 "sun"),
    # configure's capability results, library versions, limits and constants of system headers
    "platform": ("HAVE_*", "SIZEOF_*", "*_MAX", "*_VERSION", "*_VERSION_*", "O_*", "SO_*", "SOCK_*", "SIG*",
                 "AF_*", "IP_*", "IPV6_*", "TCP_*", "SYS_*", "RLIMIT_*", "CLOCK_*", "LOG_*", "F_*", "PR_*"),
    # configure's --with/--enable switches and the debug switches of the code itself
    "feature": ("WITH_*", "_WITH_*", "USE_*", "ENABLE_*", "*DEBUG*"),
}
GENERIC_OFF = ("*DEBUG*",)  # debug builds are not what a distribution ships


@dataclass(frozen=True)
class PreprocessorRules:
    """The rules file's `[preprocessor]` section: what the source cannot tell."""

    feature: tuple[str, ...] = ()  # fnmatch patterns of project feature switches
    platform: tuple[str, ...] = ()  # ... of platform, libc, kernel and library capability checks
    compiler: tuple[str, ...] = ()  # ... of compiler checks
    off: tuple[str, ...] = ()  # features the default profile leaves off (debug and test builds)
    never: tuple[str, ...] = ()  # macros no profile changes (a build nobody can make)
    values: tuple[tuple[str, str], ...] = ()  # value a profile gives a macro instead of 1


def classify(name: str, tree: TreeMacros, rules: PreprocessorRules, system: frozenset[str] = frozenset()) -> str:
    """One of CLASSES for a tested macro. `system`: macros the parse showed the system headers define."""
    name = name.removesuffix("(...)")
    if name in tree.guards or (name not in tree.defs and re.search(r"_H_?_?$", name)):
        return "header_guard"
    if name in tree.defs:
        return "tree"
    for cls in ("feature", "platform", "compiler"):
        if _matches(name, getattr(rules, cls)):
            return cls
    if name in system:
        return "compiler" if _matches(name, GENERIC_PATTERNS["compiler"]) else "platform"
    for cls in ("compiler", "platform", "feature"):
        if _matches(name, GENERIC_PATTERNS[cls]):
            return cls
    return "other"


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def classify_tree(tree: TreeMacros, rules: PreprocessorRules, system: frozenset[str] = frozenset()) -> dict[str, str]:
    """Class of every macro the tree tests, by name (sorted)."""
    return {name: classify(name, tree, rules, system) for name in sorted(tree.tested)}


def default_features(tree: TreeMacros, rules: PreprocessorRules, already: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(macro, value) of the feature switches a default build turns on: every tested,
    never-defined macro classed as a feature, except the ones the rules keep off and
    the ones the rules' profile already sets or unsets."""
    skip = set(already)
    out = []
    for name, cls in classify_tree(tree, rules).items():
        if cls != "feature" or name in skip or _matches(name, rules.off) or _matches(name, rules.never):
            continue
        if _matches(name, GENERIC_OFF) and not _matches(name, rules.feature):
            continue
        out.append((name, dict(rules.values).get(name, "1")))
    return tuple(out)


# ---------------------------------------------------------------------------- evaluation

UNKNOWN_VALUE = "?"  # a macro that is defined, with a value only the compiler knows
Assignment = Mapping[str, "str | None"]  # macro -> replacement text, None when undefined (a missing macro: undefined)


def evaluate(expr: Expr, values: Assignment, depth: int = 0) -> int | None:
    """The value of an #if expression under an assignment; None when it depends on
    something unknown (an opaque call, a value only the system headers know)."""
    op = expr.op
    if op == "int":
        return expr.value
    if op == "defined":
        return int(values.get(expr.name) is not None or values.get(expr.name + "(...)") is not None)
    if op == "macro":
        text = values.get(expr.name)
        return 0 if text is None else _value_of(text, values, depth)
    if op == "call":
        key = call_key(expr)
        text = values.get(key) if key else None
        return None if text is None else _value_of(text, values, depth)
    if op in ("&&", "||"):
        results = [evaluate(a, values, depth) for a in expr.args]
        stop, other = (0, 1) if op == "&&" else (1, 0)
        if any(r is not None and bool(r) == bool(stop) for r in results):
            return stop
        return other if all(r is not None for r in results) else None
    if op == "?:":
        cond = evaluate(expr.args[0], values, depth)
        if cond is None:
            a, b = (evaluate(x, values, depth) for x in expr.args[1:])
            return a if a == b else None
        return evaluate(expr.args[1 if cond else 2], values, depth)
    args = [evaluate(a, values, depth) for a in expr.args]
    if any(a is None for a in args):
        return None
    return _apply(op, args)


def _value_of(text: str, values: Assignment, depth: int) -> int | None:
    if text == UNKNOWN_VALUE or depth > 8:
        return None
    if re.fullmatch(r"\d+[uUlL]*", text):
        return _int_value(text)
    expr = _parsed_value(text)
    return evaluate(expr, values, depth + 1) if expr is not None else None


_PARSED: dict[str, Expr | None] = {}


def _parsed_value(text: str) -> Expr | None:
    if text not in _PARSED:
        try:
            _PARSED[text] = parse_expr(text) if text else None
        except (ExprSyntaxError, RecursionError):
            _PARSED[text] = None
    return _PARSED[text]


def expand_tree_macros(expr: Expr, defs: Mapping[str, tuple[MacroDef, ...]], depth: int = 4,
                       seen: frozenset[str] = frozenset(), gone: frozenset[str] = frozenset(),
                       at: tuple[str, int] = ("", 0)) -> Expr:
    """Replace tests of macros the tree defines by the conditions of their #defines:

        #ifdef _WITH_X_                     #ifdef X_SUPPORT     reads as
        #define X_SUPPORT 1                 ...                  defined(_WITH_X_) || defined(X_SUPPORT)
        #endif

    (the second alternative is a -DX_SUPPORT from outside). What is left names only
    macros a command line can set."""
    op = expr.op
    if op in ("defined", "macro") and expr.name in gone:
        return FALSE  # #undef'd by the file itself: no -D reaches past it
    # A file's own #defines count only above the line (`#ifndef X` / `#define X` tests X before defining it).
    mine = [d for d in defs.get(expr.name, ()) if d.file != at[0] or d.line < at[1]] if op in ("defined", "macro") \
        else []
    if mine and expr.name not in seen:
        if depth == 0:
            return Expr("call", name=render(expr))  # too deep to follow: unknown
        name = expr.name
        inner = seen | {name}
        conds = [expand_tree_macros(d.cond, defs, depth - 1, inner, at=(d.file, d.line)) for d in mine]
        by_tree = simplify(Expr("||", tuple(conds)))
        if op == "defined":
            return simplify(Expr("||", (by_tree, expr)))
        values = {d.value for d in mine}
        value = _parsed_value(values.pop()) if len(values) == 1 and not mine[0].function_like else None
        if value is None:
            return Expr("call", name=name)  # several or unreadable values: unknown
        value = expand_tree_macros(value, defs, depth - 1, inner, at=(mine[0].file, mine[0].line))
        return simplify(Expr("?:", (by_tree, value, expr))) if by_tree != TRUE else value
    if expr.args:
        return Expr(op, tuple(expand_tree_macros(a, defs, depth, seen, gone, at) for a in expr.args), expr.name,
                    expr.value)
    return expr


# ---------------------------------------------------------------------------- solving

@dataclass(frozen=True)
class Solution:
    """How a build reaches a condition, or why none does."""

    status: str  # "holds" (the base build already does), "solved", "unsure" (depends on what only the
    #             compiler knows; worth a try), "never" (#if 0), "contradiction", "fixed" (needs a macro
    #             the system headers, the tree or the rules fix)
    changes: tuple[tuple[str, str | None], ...] = ()  # macro -> value (None: -U), sorted
    why: str = ""

    @property
    def reachable(self) -> bool:
        return self.status in ("holds", "solved", "unsure")


MAX_CHANGES = 4
MAX_EVALUATIONS = 20000


def solve(cond: Expr, base: Assignment, fixed: frozenset[str] = frozenset(),
          last_resort: frozenset[str] = frozenset()) -> Solution:
    """The smallest change to the base assignment under which `cond` holds.

    Macros in `fixed` keep their base value; `last_resort` ones (macros the tree defines
    itself) are set from outside only when nothing else works."""
    tested = atoms(cond)
    cond = simplify(cond)
    if cond == FALSE:
        if tested:
            return Solution("contradiction", why="contradictory conditions: no build takes this branch")
        return Solution("never", why="#if 0: never compiled")
    if evaluate(cond, base) == 1:
        return Solution("holds")
    names = atoms(cond)
    found = (_search(cond, base, sorted(names - fixed - last_resort))
             or _search(cond, base, sorted(names - fixed)))
    if found and found[1]:
        return Solution("solved", found[0])
    if found:
        return Solution("unsure", found[0], "depends on values only the compiler knows")
    relaxed = _search(cond, base, sorted(names))
    if relaxed:
        stuck = tuple((name, value) for name, value in relaxed[0] if name in fixed)
        return Solution("fixed", stuck, f"needs {', '.join(n for n, _ in stuck)} changed, which the build cannot set")
    return Solution("contradiction", why="contradictory conditions: no build takes this branch")


def satisfiable(expr: Expr) -> bool:
    """Does some assignment of its macros make the expression true (or possibly true)?"""
    expr = simplify(expr)
    return evaluate(expr, {}) != 0 or _search(expr, {}, sorted(atoms(expr))) is not None


def _domain(name: str, cond: Expr) -> list[str | None]:
    """Values worth trying for a macro: undefined, 1, and around every integer it is compared with."""
    if name.endswith("(...)"):
        return ["1", "0"]  # a function-like macro: undefined would be an error, not false
    values: list[str | None] = [None, "1"]
    for c in sorted(_compared_with(name, cond)):
        for v in (c - 1, c, c + 1):
            if str(v) not in values:
                values.append(str(v))
    return values


def _compared_with(name: str, expr: Expr) -> set[int]:
    out = set()
    if expr.op in _NEGATED_COMPARISON and len(expr.args) == 2:
        a, b = expr.args
        for x, y in ((a, b), (b, a)):
            if x.op == "macro" and x.name == name and y.op == "int":
                out.add(y.value)
    for a in expr.args:
        out |= _compared_with(name, a)
    return out


def _search(cond: Expr, base: Assignment, names: list[str]) -> tuple[tuple[tuple[str, str | None], ...], bool] | None:
    """(changes, certain) with the fewest changes; certain=False when the best is only "maybe"."""
    domains = {n: [v for v in _domain(n, cond) if v != base.get(n)] for n in names}
    budget = MAX_EVALUATIONS
    maybe = None
    for k in range(1, min(MAX_CHANGES, len(names)) + 1):
        for chosen in itertools.combinations(names, k):
            for values in itertools.product(*(domains[n] for n in chosen)):
                budget -= 1
                if budget < 0:
                    return maybe
                trial = {**base, **dict(zip(chosen, values))}
                result = evaluate(cond, trial)
                changes = tuple(zip(chosen, values))
                if result == 1:
                    return changes, True
                if result is None and maybe is None:
                    maybe = (changes, False)
    return maybe


def build_holds(build: str, defined: Iterable[str], undefined: Iterable[str] = ()) -> bool:
    """Can a call with this build condition be compiled in a build that defines every macro
    of `defined` (and none of `undefined`)? Other macros may take any value. An empty
    condition always holds; one srcscan cannot read is given the benefit of the doubt.

        build_holds("defined(_WITH_BFD_) && !defined(_WITH_LVS_)", {"_WITH_BFD_"})   -> True
        build_holds("!defined(_WITH_BFD_)", {"_WITH_BFD_"})                           -> False
    """
    if not build.strip():
        return True
    try:
        expr = simplify(parse_expr(build))
    except (ExprSyntaxError, RecursionError):
        return True
    base: dict[str, str | None] = {name: "1" for name in defined}
    base.update({name: None for name in undefined})
    fixed = frozenset(base)
    # Function-like macros (`KERNEL_VERSION(3, 4, 0)`) are left unknown, not guessed.
    base.update({name: UNKNOWN_VALUE for name in atoms(expr) if name.endswith("(...)")})
    if evaluate(expr, base) != 0:
        return True
    return _search(expr, base, sorted(atoms(expr) - fixed - set(base))) is not None


# ---------------------------------------------------------------------------- values from rules files

_C_TOKEN = re.compile(r"""\s*(?:[A-Za-z_]\w*|\.?\d(?:[eEpP][+-]|[\w.])*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)+'"""
                      r"""|\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|##|[][(){}.&*+\-~!/%<>^|?:;=,#])""")


def define_problem(name: str, value: str) -> str | None:
    """Why `-Dname=value` is not a macro definition, or None when it is one."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name == "defined":
        return f"{name!r} is not a macro name (a C identifier)"
    if "\n" in value or "\r" in value:
        return f"the value of {name} spans lines"
    pos, depth = 0, 0
    while pos < len(value):
        m = _C_TOKEN.match(value, pos)
        if not m or m.end() == pos:
            if value[pos:].strip() == "":
                break
            return f"the value of {name} is not a C token sequence (at {value[pos:pos + 10]!r})"
        token = m.group(0).strip()
        depth += token in ("(", "[", "{")
        depth -= token in (")", "]", "}")
        if depth < 0:
            return f"the value of {name} closes a bracket it never opened"
        pos = m.end()
    if depth:
        return f"the value of {name} leaves a bracket open"
    return None
