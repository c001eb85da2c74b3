"""Reading what the diff's passes compare: a message's text and literal view, string
literals and calls of C text, function spans, guards, the line mapping between two versions
of a file, and build conditions as boolean formulas. No pairing decisions here."""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any, Callable, Iterable

from srcscan.catalog import Message
from srcscan.cexpr import c_string_value
from srcscan.formats.template import render_normal
from srcscan.preprocessor import ExprSyntaxError, file_switches, parse_expr, render, unasked_switches, without_macros

# Below this a "rewording" is more often a different message that happens to share a
# function: measured on keepalived 2.2.7 -> 2.3.3, pairs under 0.6 were unrelated.
SIMILARITY_THRESHOLD = 0.6
# At one site (the line mapping says the old line became the new one) a short rewording
# scores low on words ("fcntl" -> "fcntl()": 0.5, "read" -> read("%s"): 0.57 on words):
# characters decide there.
SITE_CHAR_THRESHOLD = 0.5
# A rewording into a new helper of the same file, by characters (see _Matcher._similar).
HELPER_CHAR_THRESHOLD = 0.7
# A rewording in the same function, by characters, when words fall short (see _Matcher._similar).
SAME_FUNCTION_CHAR_THRESHOLD = 0.8
# Literal characters a template needs before passes that ignore file and function may use
# it without a further reason: "SSL: %s %s" (5) is generic, "Unable to open %s" (14) is not.
DISTINCT_LITERAL = 12


def _site(m: Message) -> tuple:
    """One call site, whatever text of it a message is: the file, line and function called
    as written (lighttpd 1.4.79's mod_mbedtls.c writes `elog(...)`, a function under
    MBEDTLS_ERROR_C and a macro of log_error() without: one call, two texts). Not the
    enclosing function's name, which a macro can change between builds (lighttpd 1.4.79's
    `#define server_main main` gives one call two names), nor the build."""
    return (m.file, m.line, m.written or m.call)


def _text(m: Message) -> str:
    # A dynamic format has no literal text; the expression it is built from stands in.
    return f"<{m.format}>" if m.dynamic else render_normal(m.template)


_CONVERSION = re.compile(r"(%[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?)(?:hh|h|ll|l|j|z|t|L|q)([diouxXeEfFgGaAcspnm])")


def without_length_modifiers(fmt: str) -> str:
    """A printf format without its conversions' length modifiers: `size=%zx` -> `size=%x`.
    What a conversion prints does not depend on the argument's width (lighttpd 1.4.79's
    mod_wstunnel reads a frame's length as a uint32_t where 1.4.69 had a size_t: the same
    hexadecimal number in the log). `%%` stays as it is."""
    return _CONVERSION.sub(lambda m: m.group(0) if m.start() and fmt[m.start() - 1] == "%" else m.group(1) + m.group(2), fmt)


_SIGNED = re.compile(r"(%[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?)[di]")


def now_unsigned(old_fmt: str, new_fmt: str) -> bool:
    """Is `new_fmt` `old_fmt` with some signed decimal conversions (`%d`, `%i`) now unsigned
    (`%u`), length modifiers aside (without_length_modifiers)? A value the new call prints
    with `%u` is never written with a `-`, and a value it holds prints the same digits as the
    old `%ld` did: keepalived 2.3.3's ` Min auto priority delay = %u usecs` of the member
    2.2.7 printed with `%ld` (both releases read it from 1 to 10000000). The reverse (`%u` ->
    `%d`) may now write a `-`: not this."""
    a, b = without_length_modifiers(old_fmt), without_length_modifiers(new_fmt)
    if a == b or len(a) != len(b):
        return False
    return all(x == y or (x in "di" and y == "u") for x, y in zip(a, b)) and \
        _SIGNED.sub(lambda m: m.group(1) + "u", a) == b


def _other_branch(a: Message, o: Message) -> bool:
    """Are a and o under the same guards but one, which one of them tests and the other
    negates (`x` and `!(x)`): the two branches of one `if`?"""
    if len(a.conditions) != len(o.conditions):
        return False
    differ = [(x, y) for x, y in zip(a.conditions, o.conditions) if " ".join(x.split()) != " ".join(y.split())]
    return len(differ) == 1 and _negated(*differ[0])


def _negated(x: str, y: str) -> bool:
    """Is one guard the other's negation, as srcscan writes it (`x` and `!(x)` or `!x`)?"""
    x, y = " ".join(x.split()), " ".join(y.split())
    return x == f"!({y})" or y == f"!({x})" or x == f"!{y}" or y == f"!{x}"


def _sorted(messages: Iterable[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: (m.file, m.line, m.id))


class LineMap:
    """Where each line of a file's old version went in the new one (difflib over the lines).

    `at(line)` is (new line, exact): exact for a line difflib found unchanged; for a line in a
    replaced region, the line at the same relative place in the region that replaced it."""

    def __init__(self, old_text: str, new_text: str) -> None:
        a, b = [x.strip() for x in old_text.split("\n")], [x.strip() for x in new_text.split("\n")]
        self.blocks: list[tuple[int, int, int, int, bool]] = []  # old start, old end, new start, new end, equal
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            self.blocks.append((i1 + 1, i2 + 1, j1 + 1, j2 + 1, tag == "equal"))
        self.starts = [blk[0] for blk in self.blocks]

    def at(self, line: int) -> tuple[int, bool]:
        i = bisect_right(self.starts, line) - 1
        if i < 0:
            return line, False
        o1, o2, n1, n2, equal = self.blocks[i]
        if equal:
            return n1 + (line - o1), True
        if n2 <= n1:  # deleted: the place where it was
            return n1, False
        span = max(o2 - o1, 1)
        return n1 + min((line - o1) * (n2 - n1) // span, n2 - n1 - 1), False

    def region(self, line: int) -> tuple[int, int] | None:
        """The new lines that replaced the changed region holding old `line` (None when unchanged)."""
        i = bisect_right(self.starts, line) - 1
        if i < 0 or self.blocks[i][4]:
            return None
        return self.blocks[i][2], self.blocks[i][3]


def literal_length(m: Message) -> int:
    """Letters and digits of a message's literal text: how much it says beyond its holes."""
    return sum(len(re.sub(r"[^A-Za-z0-9]", "", p)) for p in m.template.parts if isinstance(p, str))


STRING_RUN = re.compile(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*')


def _literals(text: str) -> list[str]:
    """The string literals of a piece of C text (adjacent literals joined), as values."""
    return [c_string_value(m.group(0)) for m in STRING_RUN.finditer(text)]


_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "defined"})
_WORD = re.compile(r"[a-z][a-z0-9]{2,}")
# Lines of a changed region searched for the helper call that replaced an old call.
HELPER_REGION = 60


def call_arguments_end(text: str, start: int) -> tuple[int, int | None]:
    """For a call's argument list starting just after its `(`: the offset of the matching `)`
    (or the end of `text`) and that of the first comma between arguments (None: one argument).
    String and character literals are skipped whole."""
    depth, i, comma = 0, start, None
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            quote, i = ch, i + 1
            while i < len(text) and text[i] != quote:
                i += 2 if text[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        elif ch == "," and depth == 0 and comma is None:
            comma = i
        i += 1
    return i, comma


def _call_text(text: str, start: int) -> str:
    """The argument list of a call from just after its `(` (to the matching `)` or the end)."""
    return text[start:call_arguments_end(text, start)[0]]


def call_arguments(text: str | None, line: int, name: str) -> str | None:
    """The argument list of the call of `name` starting on `line` (1-based) of a file's text,
    white space runs as one; None when the text or the call is not there."""
    if not text:
        return None
    lines = text.split("\n")
    chunk = "\n".join(lines[max(line - 1, 0): line + 30])
    m = re.search(rf"\b{re.escape(name)}\s*\(", chunk)
    return " ".join(_call_text(chunk, m.end()).split()) if m else None


def _alnum(text: str) -> int:
    return len(re.sub(r"[^A-Za-z0-9]", "", text))


def message_function_lines(text: str | None, m: Message) -> tuple[list[str], int] | None:
    """The lines of m's function in its file's `text`, from its head to its closing `}`, and
    the 1-based line of the first; None when the text is missing or the function holding
    m's line is not found (_function_span)."""
    if not text:
        return None
    lines, span = _lines_of(text), function_span(text, m.function)
    if span is None or not span[0] <= m.line <= span[1]:
        return None
    return lines[span[0] - 1: span[1]], span[0]


# The diff's readers ask for the same function of the same text once per pair and per reader
# (keepalived 2.2.7 -> 2.3.3: thousands of pairs, each file split and scanned again every
# time). A file's lines are kept once per text (a few files' worth), a function's span per
# (text, function): the keys hold the texts the caller holds, no copy of them.
@lru_cache(maxsize=64)
def _lines_of(text: str) -> list[str]:
    """`text` split into lines, kept (never handed out whole: callers slice it)."""
    return text.split("\n")


@lru_cache(maxsize=4096)
def function_span(text: str, name: str) -> tuple[int, int] | None:
    """(first, last) 1-based lines of function `name`'s definition in a file's `text`
    (_function_span), kept per (text, name); None when it is not there."""
    return _function_span(_lines_of(text), name)


def forget_texts() -> None:
    """Drop the kept lines and spans (_lines_of, function_span): each diff starts without the texts
    of the releases compared before it (a history compares a hundred pairs in one process)."""
    _lines_of.cache_clear()
    function_span.cache_clear()


def _function_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """(first, last) 1-based lines of the definition of function `name` in a file's lines:
    from the line its name opens (`name(` at the start of a line, or after the return type)
    to the next line starting with `}`. A head whose name comes from a macro expansion,
    `MACRO(name)` alone on its line with `{` there or opening the next line, opens it too
    (lighttpd's `CONNECTION_FUNC(mod_gnutls_handle_con_accept)`, plugin.h:12)."""
    head = re.compile(rf"^(?:[A-Za-z_][\w\s\*]*?[\s\*])?{re.escape(name)}\s*\(")
    for i, text in enumerate(lines):
        if text and text[0] not in " \t#/*" and (head.match(text) or _macro_head(lines, i, name)) \
                and not text.rstrip().endswith(";"):
            if 0 < text.count("{") == text.count("}"):
                return i + 1, i + 1  # `void b(void) { a(); }`
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("}"):
                    return i + 1, j + 1
                if lines[j].rstrip().endswith(";") and j == i + 1 and "{" not in lines[j] + text:
                    break  # a declaration spread over two lines
            else:
                return None
    return None


def _macro_head(lines: list[str], i: int, name: str) -> bool:
    """Is line i `MACRO(name)` (the name its only argument) followed by `{` on it or opening
    the next line: a definition whose name a macro expands into a function head?"""
    m = re.match(rf"[A-Za-z_]\w*\s*\(\s*{re.escape(name)}\s*\)\s*(\{{)?\s*$", lines[i])
    return bool(m) and (m.group(1) is not None or (i + 1 < len(lines) and lines[i + 1].startswith("{")))


_CAST = re.compile(r"\((?:const\s+|unsigned\s+|signed\s+)*[A-Za-z_]\w*(?:\s*\*)*\)\s*(?=[-\w(])"
                   r"|\((?:const\s+|unsigned\s+|signed\s+|struct\s+)*[A-Za-z_]\w*\s*\*+\)\s*(?=[&*])")


def _uncast(condition: str) -> str:
    """A condition with white space runs as one and casts to a named type dropped:
    `(time_t)-1 == *toff` reads as `-1 == *toff` (lighttpd 1.4.79's mod_expire)."""
    return " ".join(_CAST.sub("", condition).split())


_IDENT = re.compile(r"[A-Za-z_]\w*")


def _guard_overlap(a: Message, b: Message) -> float:
    """Jaccard overlap of the identifiers in two messages' guards (0 when neither has any)."""
    x, y = (set(_IDENT.findall(" ".join(m.conditions))) for m in (a, b))
    return len(x & y) / len(x | y) if x | y else 0.0


def _spaced_all(texts: Iterable[str]) -> list[str]:
    return [" ".join(t.split()) for t in texts]


def _first_word(text: str) -> str:
    """The first word (three characters or more, lower case) of a text, "" when none."""
    m = _WORD.search(text.lower())
    return m.group(0) if m else ""


def _words(m: Message) -> set[str]:
    """Lower-case words (three characters or more) of a message's literal text."""
    return set(_WORD.findall(" ".join(p for p in m.template.parts if isinstance(p, str)).lower()))


def _spaced(m: Message) -> str:
    """The text with runs of white space as one space, trimmed: indentation of dump lines."""
    return " ".join(_text(m).split())


def char_similarity(a: Message, b: Message) -> float:
    """Character-level similarity of the two texts (holes as %s/%d): for short templates."""
    return difflib.SequenceMatcher(None, _text(a), _text(b), autojunk=False).ratio()


_HOLE_MARK = "\x00"


def _literal_view(m: Message) -> str:
    """The text with every hole one mark: what a new helper's template is matched against."""
    return "".join(p if isinstance(p, str) else _HOLE_MARK for p in m.template.parts)


def same_up_to_constants(a: Message, b: Message) -> bool:
    """Are two texts of one format the same but for a hole one side's analysis filled with a
    caller's constant? (keepalived's `Unable to register %s MIB`: a catalog that could not
    read the callers' names has the hole, another has `Unable to register VRRP MIB` for the
    same call with the same callers: no change of the release's text.)"""
    if a.format != b.format or a.dynamic or b.dynamic:
        return False
    return bool(_match_pattern(a).fullmatch(_literal_view(b)) or _match_pattern(b).fullmatch(_literal_view(a)))


def _match_pattern(m: Message) -> re.Pattern:
    """A new template as a pattern over old texts: each hole takes any text (or an old hole)."""
    return re.compile("".join(re.escape(p) if isinstance(p, str) else ".+?" for p in m.template.parts), re.S)


def build_formula(text: str) -> Any:
    """A build condition as a normalised boolean formula (sympy), so that equal conditions
    written differently compare equal; the text itself when it does not parse."""
    if not text:
        return True
    return _formula(text)


# Macros only another target's compiler predefines (Windows, Cygwin, MinGW): never defined in
# the Linux build configurations the catalogs model (preprocessor.macros.GENERIC_PATTERNS
# lists them as the compiler's).
FOREIGN_TARGETS = frozenset({"_WIN32", "__WIN32", "__WIN32__", "WIN32", "_WIN64", "__WIN64", "_MSC_VER",
                             "__CYGWIN__", "__MINGW32__", "__MINGW64__"})


_WIN32_SPELLINGS = re.compile(r"\b(?:__WIN32__|__WIN32|WIN32)\b")


def same_build_on_target(a: Message, b: Message) -> bool:
    """Are the two build conditions equal once another target's predefined macros
    (FOREIGN_TARGETS) are read as not defined? lighttpd 1.4.79 respelled 1.4.69's
    `#if defined(__WIN32)` as `#ifdef _WIN32`: neither is defined on Linux, the same builds.
    Where either side is built only for other targets (reads 0), the raw conditions are
    compared with the Windows spellings (`__WIN32`, `__WIN32__`, `WIN32`: every Windows
    compiler srcscan knows defines `_WIN32` with them) made one: 1.4.69's `#ifdef __CYGWIN__`
    and 1.4.79's `#if defined(__CYGWIN__) || defined(_WIN32)` select different builds."""
    names = FOREIGN_TARGETS & (set(re.findall(r"\w+", a.build)) | set(re.findall(r"\w+", b.build)))
    if not names:
        return False
    try:
        reads = [render(without_macros(parse_expr(m.build), names)) if m.build else "" for m in (a, b)]
    except ExprSyntaxError:
        return False
    if "0" in reads:  # built only for other targets on a side: compare those targets' builds
        old, new = (build_formula(_WIN32_SPELLINGS.sub("_WIN32", m.build)) for m in (a, b))
        return old == new
    return build_formula("" if reads[0] == "1" else reads[0]) == build_formula("" if reads[1] == "1" else reads[1])


def same_build_but_own_switches(a: Message, b: Message, texts: Any) -> bool:
    """Are the two build conditions equal once the switches each message's file defines for
    itself above the call (preprocessor.unasked_switches: nobody -D's them) are read as not
    set from outside? The catalog keeps `|| defined(X)` for such an X (a build could set it);
    a release that renames X keeps the same builds: lighttpd 1.4.79 stat_cache.c's code under
    HAVE_FAM_H (defined under inotify or kqueue, or by configure) is 1.4.85's under
    STAT_CACHE_FSMON (defined under inotify, FAM or kqueue). `texts` is a FileTexts or None."""
    if texts is None:
        return False
    names: set[str] = set()
    for side, m in (("old", a), ("new", b)):
        text = texts(side, m.file)
        if text:
            names |= unasked_switches(_file_switches(text), m.line)
    if not names:
        return False
    try:
        reads = [render(without_macros(parse_expr(m.build), frozenset(names))) if m.build else "" for m in (a, b)]
    except ExprSyntaxError:
        return False
    return build_formula("" if reads[0] == "1" else reads[0]) == build_formula("" if reads[1] == "1" else reads[1])


@lru_cache(maxsize=32)
def _file_switches(text: str) -> dict:
    return file_switches(text)


_FORMULAS: dict[str, Any] = {}
_EXPRS: dict[str, Any] = {}
_ZERO_TEST = re.compile(r"^(\w+)([!=])=0$")


def build_expr(text: str) -> Any:
    """A build condition as a sympy boolean expression whose symbols are named by their atoms'
    texts (each `defined(X)` or comparison one atom; `X != 0` is the atom `X` and `X == 0`
    its negation, as `#if X` and `#if !X` read a macro's value: keepalived 2.3.4 writes
    `#if !HAVE_DECL_IPV6_FREEBIND` ... `#else`, which srcscan reads as `HAVE_DECL_IPV6_FREEBIND
    != 0`), so that conditions of several calls combine; True for "", None when it does not parse."""
    if not text:
        from sympy import true

        return true
    if text not in _EXPRS:
        from sympy import Symbol
        from sympy.parsing.sympy_parser import parse_expr

        atoms: dict[str, str] = {}

        def atom(t: str) -> str:
            t = re.sub(r"\s+", "", t)
            t = re.sub(r"^defined\(?(\w+)\)?$", r"defined(\1)", t)
            zero = _ZERO_TEST.match(t)
            if zero:
                return ("" if zero.group(2) == "!" else "~") + atom(zero.group(1))
            return atoms.setdefault(t, f"a{len(atoms)}")

        try:
            expr = _atomize(text, atom)
            _EXPRS[text] = parse_expr(expr, local_dict={name: Symbol(t) for t, name in atoms.items()})
        except Exception:  # noqa: BLE001 - any expression sympy cannot read
            _EXPRS[text] = None
    return _EXPRS[text]


def build_or(exprs: Iterable[Any]) -> Any:
    """The OR of build_expr expressions (each not None)."""
    from sympy import Or

    return Or(*exprs)


_BOUND = re.compile(r"^\(?\s*([A-Za-z_]\w*)\s*(<=|>=|<|>|==)\s*(\d+)\s*\)?$")


def numerically_impossible(build: str) -> bool:
    """Do the top-level `&&` parts of a build condition bound one macro's value from both
    sides with no number between? lighttpd 1.4.79 writes `SSL: Unable to config curve %s`
    under `OPENSSL_VERSION_NUMBER < 0x10100000L` (an `#else`) and `OPENSSL_VERSION_NUMBER >=
    0x30000000L` inside it: no build compiles it. (build_possible reads comparisons as
    independent atoms.)"""
    from srcscan.diff.ternary import split_top_level

    low: dict[str, int] = {}
    high: dict[str, int] = {}
    for part in split_top_level(build, "&&") if build else ():
        m = _BOUND.match(part)
        if m:
            n = int(m.group(3))
            lo, hi = {"<": (None, n - 1), "<=": (None, n), ">": (n + 1, None), ">=": (n, None), "==": (n, n)}[m.group(2)]
            if lo is not None:
                low[m.group(1)] = max(low.get(m.group(1), lo), lo)
            if hi is not None:
                high[m.group(1)] = min(high.get(m.group(1), hi), hi)
    return any(name in high and low[name] > high[name] for name in low)


def build_possible(expr: Any) -> bool:
    """Can some build satisfy the build_expr expression?"""
    from sympy.logic.inference import satisfiable

    return bool(satisfiable(expr))


def _formula(text: str) -> Any:
    if text in _FORMULAS:
        return _FORMULAS[text]
    from sympy.logic.boolalg import simplify_logic

    expr = build_expr(text)
    try:
        result: Any = text if expr is None else str(simplify_logic(expr, form="dnf"))
    except Exception:  # noqa: BLE001 - any expression sympy cannot read stays as written
        result = text
    _FORMULAS[text] = result
    return result


def _atomize(text: str, atom: Callable[[str], str]) -> str:
    """`defined(A) && !(B >= 2)` -> `a0 & ~(a1)`: each defined() or comparison one atom."""
    text = re.sub(r"defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)", lambda m: f"defined({m.group(1) or m.group(2)})", text)
    text = re.sub(r"defined\((\w+)\)", r"defined:\1", text)
    out, pending = [], ""
    for piece in re.split(r"(&&|\|\||!(?!=)|\(|\))", text):
        if piece in ("&&", "||", "!", "(", ")"):
            if pending.strip():
                out.append(atom(pending))
            pending = ""
            out.append({"&&": " & ", "||": " | ", "!": "~", "(": "(", ")": ")"}[piece])
        else:
            pending += piece
    if pending.strip():
        out.append(atom(pending))
    return "".join(out)
