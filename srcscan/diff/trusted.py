"""Tests that a pointer is set which a release dropped because its code now relies on the
pointer: the function reads through it with no test on the other side (keepalived 2.3.3's
configuration handlers read `current_checker->...` where 2.2.7's returned early on
`!new_checker` first). Text in, text out: no pairing decisions here."""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.diff.model import FileTexts
from srcscan.diff.ternary import split_top_level
from srcscan.diff.text import call_arguments_end, message_function_lines

# A guard that holds when a pointer is set: `p`, `p != NULL`, `!(!p)` (a member path too).
_SET = re.compile(r"(?:!\(!\s*)?([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*)\s*(?:\)|!=\s*(?:NULL|0))?")


def without_trusted_pointer_tests(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                                  texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards but a test that a pointer is set which one side has and the
    other not, when the side with the test reads through the pointer in the message's
    function and the other side's function reads through some pointer before the message
    without testing one: the release trusts what the parser set up (keepalived 2.2.7's
    misc_end_handler() returned on `!new_misck_checker`, 2.3.3's starts with `misc_checker_t
    *new_misck_checker = current_checker->data;` and tests nothing; a checker whose `user`
    failed was dequeued, so neither logs for it). A test of a pointer the function does not
    read through, or beside other null tests on the other side, is still a condition."""
    if texts is None:
        return guards_a, guards_b
    bodies = [_body(texts(side, m.file), m) for side, m in (("old", a), ("new", b))]
    if None in bodies:
        return guards_a, guards_b
    keys = [{" ".join(g.split()) for g in guards} for guards in (guards_a, guards_b)]
    out = []
    for k, guards in enumerate((guards_a, guards_b)):
        own, other = bodies[k], bodies[1 - k]
        kept = []
        for g in guards:
            name = _set_pointer(" ".join(g.split()))
            if name and " ".join(g.split()) not in keys[1 - k] \
                    and re.search(rf"(?<![\w.>]){re.escape(name)}\s*->", own) and _trusts(other):
                continue
            kept.append(g)
        out.append(tuple(kept))
    return out[0], out[1]


_NOT_NULL = re.compile(r"!\(\s*(?:NULL|0)\s*==\s*([A-Za-z_][\w.>-]*)\s*\)|!\(\s*([A-Za-z_][\w.>-]*)\s*==\s*(?:NULL|0)\s*\)"
                       r"|(?:NULL|0)\s*!=\s*([A-Za-z_][\w.>-]*)")


def _set_pointer(guard: str) -> str | None:
    """The pointer (a name or member path) a guard holds set: `p`, `!(!p)`, `p != NULL`, and
    the early exits' `!(NULL == p)`, `!(p == NULL)`, `NULL != p` (lighttpd 1.4.79's
    mod_gnutls_handle_con_accept() returns on `NULL == s`); None for another guard."""
    test = _SET.fullmatch(guard)
    if test and guard.startswith("!(!") == guard.endswith(")"):
        return test.group(1)
    m = _NOT_NULL.fullmatch(guard)
    return next((x for x in m.groups() if x), None) if m else None


def _body(text: str | None, m: Message) -> str | None:
    """m's function's text."""
    found = message_function_lines(text, m)
    return "\n".join(found[0]) if found else None


_NAME_TEST = re.compile(r"\bif\s*\(\s*!?\s*([A-Za-z_]\w*)\s*\)")
_NULL_COMPARE = re.compile(r"[!=]=\s*NULL\b|\bNULL\s*[!=]=")


def _trusts(body: str) -> bool:
    """Does the function read through a pointer (`x->`) and test none for null? A name tested
    bare (`if (!x)`) is a pointer test when the function reads through it; a flag is not
    (keepalived 2.3.3's misc_end_handler() tests `if (!script_user_set)` after reading
    `new_misck_checker->script.args` untested: it trusts the checker)."""
    if "->" not in body or _NULL_COMPARE.search(body):
        return False
    return not any(re.search(rf"(?<![\w.>]){re.escape(name)}\s*->", body) for name in _NAME_TEST.findall(body))


_MEMBER_NULL = re.compile(r"^(?:NULL\s*==\s*|!\s*)[A-Za-z_][\w.>-]*->([A-Za-z_]\w*)$|^[A-Za-z_][\w.>-]*->([A-Za-z_]\w*)\s*==\s*NULL$")


def without_dropped_member_tests(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                                 texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards, a guard `A || NULL == p->m || ...` of one side read as the other
    side's `A` when the alternatives it adds only test members for NULL that the other side's
    file uses and its function never tests: the release trusts them to be set. lighttpd 1.4.69's
    mod_openssl_cert_cb() tested `!pc || NULL == pc->ssl_pemfile_x509 || NULL ==
    pc->ssl_pemfile_pkey`; 1.4.79 tests `!pc` and passes `hctx->kp->ssl_pemfile_x509` on
    untested (a plugin_cert exists only with both loaded: the auditors of session 14). An
    alternative of another kind, or a member the other side tests, is still a change."""
    if texts is None:
        return guards_a, guards_b
    files = [texts(side, m.file) for side, m in (("old", a), ("new", b))]
    bodies = [_body(text, m) for text, m in zip(files, (a, b))]
    if None in bodies:
        return guards_a, guards_b
    sides = [list(guards_a), list(guards_b)]
    for k in (0, 1):
        others = [g for g in sides[1 - k] if g not in sides[k]]
        for i, g in enumerate(sides[k]):
            if g in sides[1 - k]:
                continue
            negated, parts = _alternatives(g)
            for h, (negated_h, parts_h) in [(h, form) for h in others for form in _forms(h)]:
                extra = [p for p in parts if p not in parts_h]
                if negated_h == negated and parts_h and set(parts_h) < set(parts) \
                        and all(_trusted_member(p, bodies[1 - k], files[1 - k] or "") for p in extra):
                    sides[k][i] = h
                    break
    return tuple(sides[0]), tuple(sides[1])


def _alternatives(guard: str) -> tuple[bool, list[str]]:
    """(negated, the top-level `||` alternatives) of `A || B` or `!(A || B)`, white space as one."""
    g = " ".join(guard.split())
    negated = g.startswith("!(") and call_arguments_end(g, 2)[0] == len(g) - 1
    return negated, split_top_level(g[2:-1] if negated else g, "||")


def _forms(guard: str) -> list[tuple[bool, list[str]]]:
    """_alternatives of a guard, and for a single name `pc` also its form `!(!pc)`."""
    negated, parts = _alternatives(guard)
    if not negated and len(parts) == 1 and re.fullmatch(r"[A-Za-z_][\w.>-]*", parts[0]):
        return [(negated, parts), (True, ["!" + parts[0]])]
    return [(negated, parts)]


def _trusted_member(test: str, body: str, file: str) -> bool:
    """Is `test` a null test of a member (`NULL == p->m`) that the file uses (`->m`) and the
    function's `body` tests never?"""
    m = _MEMBER_NULL.match(test)
    if not m:
        return False
    member = re.escape(m.group(1) or m.group(2))
    used = re.search(rf"->\s*{member}\b", file)
    tested = re.search(rf"NULL\s*==\s*[\w.>-]*->{member}\b|!\s*[\w.>-]*->{member}\b|->{member}\s*==\s*NULL", body)
    return bool(used) and not tested
