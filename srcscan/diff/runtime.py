"""Guards a release added or dropped that no setting can change: runtime-only changes
(issue 19, session 26).

Which differences of a pair an operator can see: its `requires` (the option and keyword
atoms), `processes`, `facility`, `build`, and any guard that reads a value a setting, the
input or the state of the run may hold. Which not: a guard that only tests whether one call
with fixed arguments succeeded. Such a test fails only when the library or the system fails
the call itself; no setting changes its result, so the same settings log the message in both
releases. A pair's `conditions` change is runtime-only when every guard one side has and the
other not is such a test, and the two sides' other guards read the same (conditions_changed).

A guard is such a test when, outer `!` and parentheses aside, it is one call

- tested for its truth (`f(...)`, `!f(...)`), or compared by `==` / `!=` with a fixed
  constant (`f(...) != SQLITE_OK`, `0 == f(...)`), or `< 0` / `>= 0` (a failure status);
- each of whose arguments is fixed: a number, a string or character literal, `NULL`,
  `true`/`false`, a named constant (the message's `constants`, or a name written in capitals:
  a macro constant), `sizeof(...)`, a call of a macro (a name in capitals) of fixed arguments
  (`CONST_STR_LEN("x")`), or a handle: a parameter of the enclosing function passed as it is,
  never assigned in it before the message, which a call in the guards both sides share is
  passed too (the object the function works on, which its other set-up calls take: lighttpd's
  `srv` and `s`); a parameter passed to this call alone is data (keepalived 2.3.3's
  `inaddr_equal(AF_INET6, old_addr, new_addr)` compares the addresses it is given);

or a test of a local written as one of those (`rc`, `!rc`, `rc != SQLITE_OK`) whose `if`
comes right after the statement storing the call in that local (`int rc = f(); if (rc !=
SQLITE_OK) return 0;`): read as the call.

lighttpd 1.4.79's mod_webdav_sqlite3_init() starts with `int sqlrc = sqlite3_initialize();
if (sqlrc != SQLITE_OK) { ...; return 0; }` (1.4.69 did not), and its network_init_ssl() of
mod_nss.c calls `if (!mod_nss_ssl_conf_curves(srv, s, NULL)) return -1;` (the function's
server and socket, and NULL for the default group list) before the SSL_SECURITY test whose
message is paired. An argument that reads a member (`s->ssl_cipher_list`), a local computed
in the function, or a value compared (`f() > 3`) is a value of the run: those guards stay the
release's change. Facts in: the guards as the diff reads them and the two files' texts; out:
the guards found runtime-only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from srcscan.catalog import Message
from srcscan.diff.analysis import _text_before, conditions_changed, guard_tokens, squeezed
from srcscan.diff.model import FileTexts
from srcscan.diff.signatures import _calls
from srcscan.diff.ternary import split_arguments
from srcscan.diff.text import STRING_RUN, call_arguments_end, message_function_lines

_NAME = re.compile(r"[A-Za-z_]\w*")
_CAPITALS = re.compile(r"[A-Z][A-Z0-9_]*")
_NUMBER = re.compile(r"-?(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*|'(?:[^'\\]|\\.)+'")
_CALL_HEAD = re.compile(r"([A-Za-z_]\w*)\(")
_KEYWORDS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "defined"})


def runtime_only_guards(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                        texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the old side's guards the new has not, the new side's the old has not), each as read
    (a local read as the call stored in it), when every one of them is a runtime-only test
    (module docstring) and the sides' other guards read the same; ((), ()) otherwise, or
    without the files' texts."""
    if texts is None:
        return (), ()
    sides = []
    for side, m, guards in (("old", a, guards_a), ("new", b, guards_b)):
        text = texts(side, m.file)
        sides.append((m, _with_stored_calls(text, m, guards), _parameters(text, m)))
    counts = [Counter(_key(g) for g in read) for _, read, _ in sides]
    extra = [counts[0] - counts[1], counts[1] - counts[0]]
    if not (extra[0] or extra[1]):
        return (), ()
    found: list[tuple[str, ...]] = []
    kept: list[tuple[str, ...]] = []
    for (m, read, params), more in zip(sides, extra):
        left = Counter(more)
        mine, rest = [], []
        for g in read:
            if left[_key(g)] > 0:
                left[_key(g)] -= 1
                mine.append(g)
            else:
                rest.append(g)
        handles = params & _passed(rest)
        if not all(is_runtime_test(g, handles, dict(m.constants)) for g in mine):
            return (), ()
        found.append(tuple(mine))
        kept.append(tuple(rest))
    if conditions_changed(replace(a, conditions=kept[0]), replace(b, conditions=kept[1]), texts):
        return (), ()
    return found[0], found[1]


def _passed(guards: list[str]) -> frozenset[str]:
    """The names the guards pass as they are to a call (`srv`, `s` of `f(srv, s, NULL)`)."""
    return frozenset(x.strip() for g in guards for _, _, _, args in _calls(g) for x in args
                     if _NAME.fullmatch(x.strip()))


def _key(guard: str) -> str:
    return " ".join(guard_tokens(guard))


def is_runtime_test(guard: str, params: frozenset[str], constants: dict[str, int]) -> bool:
    """Is `guard` (a catalog guard, possibly an exit's `!(...)`) a test of whether one call of
    fixed arguments succeeded (module docstring)? `params` are the handles (the enclosing
    function's parameters passed as they are to the calls of the shared guards too),
    `constants` the message's named constants."""
    test = _bare(squeezed(guard))
    head = _CALL_HEAD.search(test)
    if head is None or head.group(1) in _KEYWORDS:
        return False
    end, _ = call_arguments_end(test, head.end())
    if end >= len(test):
        return False
    before, after = test[:head.start()], test[end + 1:]
    if not _status_around(before, after, constants):
        return False
    args = test[head.end():end]
    return all(_fixed(x.strip(), params, constants) for x in (split_arguments(args) if args.strip() else []))


def _bare(test: str) -> str:
    """A squeezed test without its outer negations and grouping parentheses."""
    while True:
        if test.startswith("!(") and _closes_at_end(test, 1):
            test = test[2:-1]
        elif test.startswith("(") and _closes_at_end(test, 0):
            test = test[1:-1]
        elif test.startswith("!") and not test.startswith("!="):
            test = test[1:]
        else:
            return test


def _closes_at_end(test: str, at: int) -> bool:
    end, _ = call_arguments_end(test, at + 1)
    return end == len(test) - 1


def _status_around(before: str, after: str, constants: dict[str, int]) -> bool:
    """Is a call between `before` and `after` tested for its truth or compared with a fixed
    constant by == or != (either side), or with 0 by < or >=?"""
    if not before and not after:
        return True
    if not before:
        m = re.fullmatch(r"(==|!=)(.+)|(<|>=)0", after)
        return bool(m) and (m.group(2) is None or _constant(m.group(2), constants))
    if not after:
        m = re.fullmatch(r"(.+?)(==|!=)", before)
        return bool(m) and _constant(m.group(1), constants)
    return False


def _constant(x: str, constants: dict[str, int]) -> bool:
    return bool(_NUMBER.fullmatch(x)) or x in ("NULL", "true", "false") or x in constants \
        or bool(_CAPITALS.fullmatch(x))


def _fixed(arg: str, params: frozenset[str], constants: dict[str, int]) -> bool:
    """A fixed argument (module docstring)."""
    if _constant(arg, constants) or STRING_RUN.fullmatch(arg) or arg in params:
        return True
    head = _CALL_HEAD.match(arg)
    if head is None or call_arguments_end(arg, head.end())[0] != len(arg) - 1:
        return False
    if head.group(1) == "sizeof":
        return True
    inner = arg[head.end():-1]
    return bool(_CAPITALS.fullmatch(head.group(1))) and \
        all(_fixed(x.strip(), params, constants) for x in (split_arguments(inner) if inner.strip() else []))


def _parameters(text: str | None, m: Message) -> frozenset[str]:
    """The names of the parameters of m's function that the function never assigns (`=`,
    a compound assignment, `++`, `--`) before m's line; empty when the head is not read."""
    found = message_function_lines(text, m)
    if found is None:
        return frozenset()
    lines, _ = found
    head = "\n".join(lines)
    name = re.search(rf"\b{re.escape(m.function)}\s*\(", head)
    if name is None:
        return frozenset()
    end, _ = call_arguments_end(head, name.end())
    names = set()
    for p in split_arguments(head[name.end():end]):
        words = _NAME.findall(re.sub(r"\[[^\]]*\]", "", p))
        if len(words) >= 2 and "(" not in p:
            names.add(words[-1])
    before = _text_before(text, m) or ""
    return frozenset(n for n in names
                     if not re.search(rf"(?<![\w.>]){re.escape(n)}(?:=(?!=)|\+\+|--|[-+*/%|&^]=)", before))


def _with_stored_calls(text: str | None, m: Message, guards: tuple[str, ...]) -> tuple[str, ...]:
    """The guards, each test of a local whose `if` comes right after the statement storing a
    call in that local read as that call (`rc != OK` after `rc = f(x);` -> `f(x) != OK`): the
    k-th guard on a test (an exit's `!(rc != OK)` or the branch `rc != OK` the call is in) read
    at the k-th `if` on that test before m's line, when the function writes as many such `if`s
    as the guards hold; others as they are."""
    before = _text_before(text, m)
    if before is None:
        return guards
    out = list(guards)
    tests = [_bare(squeezed(g)) for g in guards]
    for test in sorted(set(tests)):
        local = re.fullmatch(r"!?([A-Za-z_]\w*)(?:(?:==|!=)[^=].*|<0|>=0)?", test)
        if local is None or local.group(1) in ("NULL", "true", "false"):
            continue
        at = [k for k in range(len(before)) if before.startswith(f"if({test})", k) and not before[:k].endswith("else")]
        copies = [i for i, t in enumerate(tests) if t == test]  # the exit `!(rc != OK)` and the branch `rc != OK` alike
        if len(at) != len(copies):
            continue
        for i, k in zip(copies, at):
            stored = _stored_call(before[:k], local.group(1))
            if stored is not None:
                out[i] = re.sub(rf"(?<![\w.>]){local.group(1)}(?!\w)", lambda _, c=stored: c, guards[i], count=1)
    return tuple(out)


def _stored_call(before: str, local: str) -> str | None:
    """The call stored in `local` by the statement `before` (squeezed text) ends with
    (`int rc=f(x);`, `rc=f(x);`), or None."""
    last = re.search(r"[^;{}]*;$", before)
    if last is None:
        return None
    m = re.fullmatch(rf"(?:[A-Za-z_][\w\s*]*?[\s*])?{re.escape(local)}=(([A-Za-z_]\w*)\(.*\));", last.group(0))
    if m is None or m.group(2) in _KEYWORDS or call_arguments_end(m.group(1), len(m.group(2)) + 1)[0] != len(m.group(1)) - 1:
        return None
    return m.group(1)
