"""An exit on a call that stores its result, which a release put behind a test that the
variable already holds a good value (a fallback): `if (-1 == (fd = socket(...))) return -1;`
-> `if (-1 != fd) { } else if (-1 == (fd = socket(...))) return -1;` (lighttpd 1.4.79's
network_server_init(), src/network.c:562-576, where an optional MPTCP socket, opened first,
skips the TCP one; 1.4.69's network.c:504-507 always opened it). After either statement the
variable holds a good value or the function has returned, so the code after it runs under the
same check; the release only added a way to get the value.

Two readings of one such statement, both only when the other side's guards never test the
variable as it is (`v`, `!v`, `v == x`, `x != v`, ...; a call's argument or the variable
assigned afresh, `-1 == (v = f())`, is no test of it): a release whose other guards test the
variable decides on it there, and keeps its change (keepalived 2.3.3's vrrp_ipvlan_handler()
tests `strvec_slot(strvec, i)` against keywords before `else if (check_valid_ipaddress(...))`,
where its new `name` keyword is a real change; neither of its tests stores anything anyway):

- an exit the catalog read as `!(... && !(Z) && C)`, C storing v and testing the stored
  value (`K == (v = EXPR)`, `(v = EXPR) == K`, `!(v = EXPR)`), Z the opposite test of v as it
  is (`K != v`, `v != K`; `v`, `v != NULL` for `!(v = EXPR)`), is read as `!(... && C)`
  (1.4.79's `setsockopt(IPV6_V6ONLY)`);
- an exit `!(... && C)` of one side that the other side's catalog does not hold at all (its
  walker does not read a test of a variable its block assigned before: extract.walk
  _exit_paths) is the other side's too when that side's function writes, before the message,
  `if (Z) { } else if (C) {` once, the block ending in an exit (return, goto, ...), the side
  with the exit writes `if (C)` once, and the blocks around the two `if (C)` have the same
  heads (1.4.79's `setsockopt(SO_REUSEADDR)`, `setsockopt(TCP_NODELAY)`, `bind`, `listen`).

The test Z must be written with an empty block: a branch that does something when v is already
good is read as written. Facts in: the catalogs' guards (str) and the two files' texts;
out: guards (str).
"""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.diff.analysis import LAST_EXIT, block_body, squeezed
from srcscan.diff.model import FileTexts
from srcscan.diff.ternary import split_top_level
from srcscan.diff.text import call_arguments_end, message_function_lines
from srcscan.preprocessor.lex import strip_comments
from srcscan.textcalls import enclosing_guards

_VAR = r"[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*"
_CONST = r"-?\w+"
# C as squeezed text: `K==(v=EXPR)`, `(v=EXPR)==K`, `!(v=EXPR)`
_STORED = (re.compile(rf"(?P<k>{_CONST})==\((?P<v>{_VAR})=(?!=)(?P<e>.+)\)"),
           re.compile(rf"\((?P<v>{_VAR})=(?!=)(?P<e>.+)\)==(?P<k>{_CONST})"),
           re.compile(rf"!\((?P<v>{_VAR})=(?!=)(?P<e>.+)\)"))


def _stored(test: str) -> tuple[str, set[str]] | None:
    """(v, the squeezed opposite tests of v as it is) of a squeezed test C that stores a value
    in v and tests it, or None."""
    for k, pattern in enumerate(_STORED):
        m = pattern.fullmatch(test)
        if not m or _opening_closes_at_end(test, m) is False:
            continue
        v = m.group("v")
        if k < 2:
            const = m.group("k")
            return v, {f"{const}!={v}", f"{v}!={const}"}
        return v, {v, f"{v}!=NULL", f"NULL!={v}", f"{v}!=0", f"0!={v}"}
    return None


def _opening_closes_at_end(test: str, m: re.Match) -> bool:
    """Does the `(` before v close where the pattern's `)` is (not `(v=f(x))==(g(y))`)?"""
    start = m.start("v") - 1
    end, _ = call_arguments_end(test, start + 1)
    return end == m.end("e")


def _tests_variable(guards: tuple[str, ...], v: str) -> bool:
    """Does some guard test v as it is: `v`, `!v`, `v OP x`, `x OP v` (a comparison)?"""
    name = re.escape(v)
    for g in guards:
        s = squeezed(g)
        for m in re.finditer(rf"(?<![\w.])(?<!->){name}(?![\w\[(]|->|\.)", s):
            before, after = s[: m.start()], s[m.end():]
            if re.match(r"=(?!=)", after):
                continue  # v assigned afresh
            if re.match(r"(?:[!=<>]=|<(?!<)|>(?!>))", after) or re.search(r"(?:[!=<>]=|(?<!<)<|(?<!>)>|!)$", before):
                return True
            if re.search(r"(?:^|[(&|])$", before) and re.match(r"(?:$|[)&|])", after):
                return True  # v alone as a test
    return False


def with_fallback_exits(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                        texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards with the exits of a fallback read as the exit they replaced
    (module docstring); unchanged without the files' texts."""
    if texts is None or sorted(map(squeezed, guards_a)) == sorted(map(squeezed, guards_b)):
        return guards_a, guards_b
    befores = [_before(texts(side, m.file), m) for side, m in (("old", a), ("new", b))]
    if None in befores:
        return guards_a, guards_b
    sides = [list(guards_a), list(guards_b)]
    for k in (0, 1):
        sides[k] = [_without_fallback_test(g, tuple(sides[1 - k]), befores[k]) for g in sides[k]]
    for k in (0, 1):
        other = 1 - k
        squeezed_other = {squeezed(g) for g in sides[other]}
        for g in list(sides[k]):
            found = _exit_test(g)
            if found is None or squeezed(g) in squeezed_other:
                continue
            test, (v, opposite) = found
            if any(test in s for s in squeezed_other) or _tests_variable(tuple(sides[k]), v):
                continue
            if _fallback_written(befores[other], test, opposite) and _plain_written(befores[k], test):
                lines = [_if_line(texts(side, m.file), m, test) for side, m in (("old", a), ("new", b))]
                if None not in lines and lines[0] == lines[1]:
                    sides[other].insert(_place(sides[other], sides[k], g), g)
    return tuple(sides[0]), tuple(sides[1])


def _place(guards: list[str], source: list[str], g: str) -> int:
    """Where g goes in `guards`: at its place in `source` (guards are compared in order, a
    guard renamed on one side included), or last."""
    return min(source.index(g), len(guards))


def _exit_test(guard: str) -> tuple[str, tuple[str, set[str]]] | None:
    """(C, _stored(C)) of an exit `!(... && C)` or `!(C)` whose last conjunct C stores and tests."""
    s = squeezed(guard)
    if not (s.startswith("!(") and call_arguments_end(s, 2)[0] == len(s) - 1):
        return None
    last = split_top_level(s[2:-1], "&&")[-1]
    stored = _stored(last)
    return (last, stored) if stored else None


def _without_fallback_test(guard: str, other: tuple[str, ...], before: str) -> str:
    """`!(P && !(Z) && C)` -> `!(P && C)` (first reading of the module docstring)."""
    s = squeezed(guard)
    if not (s.startswith("!(") and call_arguments_end(s, 2)[0] == len(s) - 1):
        return guard
    parts = split_top_level(s[2:-1], "&&")
    if len(parts) < 2:
        return guard
    stored = _stored(parts[-1])
    if stored is None:
        return guard
    v, opposite = stored
    z = parts[-2]
    z = z[2:-1] if z.startswith("!(") and z.endswith(")") else None
    if z not in opposite or _tests_variable(other, v) or not _fallback_written(before, parts[-1], {z}):
        return guard
    kept = [p for p in split_top_level(" ".join(guard.split())[2:-1], "&&")]
    kept = kept[:-2] + kept[-1:]
    return f"!({' && '.join(kept)})" if len(kept) > 1 else f"!({kept[0]})"


def _fallback_written(before: str, test: str, opposite: set[str]) -> bool:
    """Is `if(Z){}else if(C){...}` (C = test, Z one of `opposite`) written once in `before`,
    the block ending in an exit?"""
    found = 0
    for z in opposite:
        start = 0
        head = f"if({z}){{}}else if({test})"
        while (k := before.find(head, start)) >= 0:
            start = k + 1
            rest = before[k + len(head):]
            if LAST_EXIT.search(block_body(rest)):
                found += 1
    return found == 1


def _plain_written(before: str, test: str) -> bool:
    """Is `if(C)` written once in `before`, not as an `else if`?"""
    hits = [k for k in range(len(before)) if before.startswith(f"if({test})", k)]
    return len(hits) == 1 and not before[: hits[0]].endswith("else")


def _before(text: str | None, m: Message) -> str | None:
    """m's function's text from its head to m's line, without comments and preprocessor
    lines, squeezed (analysis.squeezed)."""
    found = message_function_lines(text, m)
    if found is None:
        return None
    lines, first = found
    code = "\n".join(x for x in lines[: m.line - first] if not x.lstrip().startswith("#"))
    return squeezed(strip_comments(code))


def _if_line(text: str | None, m: Message, test: str) -> tuple[str, ...] | None:
    """The heads of the blocks around the line of m's function that starts the test `test`
    (`if (C)` or `} else if (C)` at its start), squeezed; None when not found once."""
    found = message_function_lines(text, m)
    if found is None:
        return None
    lines, first = found
    at = [i for i in range(m.line - first)
          if re.sub(r"^(?:\}?else)?", "", squeezed(" ".join(lines[i: i + 3]))).startswith(f"if({test})")]
    if len(at) != 1:
        return None
    heads = tuple(squeezed(h) for h in enclosing_guards(text.split("\n"), first + at[0]))
    return heads[:-1] if heads and heads[-1].endswith("{}else") else heads  # the fallback's own `if (Z) { } else`
