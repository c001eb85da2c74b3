"""Loops that walk every element of a container, however written: a list walk `for (chunk *c =
cq->first; c; c = c->next)` and a consuming loop `while (!chunkqueue_is_empty(cq))` are the
same iteration over `cq` (lighttpd 1.4.79's mod_wstunnel recv_rfc_6455() and recv_ietf_00()
read each frame with chunkqueue_peek_data() where 1.4.69 walked the chunks). A loop's bound
(`i < n && i <= 2` -> `i < n`) stays a condition of its own."""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.diff.text import _uncast
from srcscan.textcalls import enclosing_guards

_FOR = re.compile(r"^(?:\}\s*)?for\s*\((.*)\)\s*\{?$")
_WHILE = re.compile(r"^(?:\}\s*)?while\s*\((.*)\)\s*\{?$")
_START = re.compile(r"(?:[A-Za-z_][\w\s]*?\*\s*)?([A-Za-z_]\w*)\s*=\s*(.+?)\s*(?:->|\.)\s*[A-Za-z_]\w*")
LOOP_HEAD = re.compile(r"^(?:\}\s*)?(?:for|while)\s*\((.*)\)\s*\{?$")
_EMPTY = re.compile(r"!\s*[A-Za-z_]\w*empty\w*\s*\(\s*&?\s*([^,()]+?)\s*\)")


def walk(head: str) -> tuple[str, str] | None:
    """(the loop's condition, the container it walks) of a loop head as written (a head of
    textcalls.enclosing_guards), None when the loop is no walk of every element: `for (x =
    E->first; x; x = x->next)` (the condition `x`, `x != NULL` or `NULL != x`) or `while
    (!..._empty(E))`. The container as written, `&` and white space dropped."""
    m = _FOR.match(head)
    if m:
        parts = m.group(1).split(";")
        if len(parts) != 3:
            return None
        start = _START.fullmatch(parts[0].strip())
        if start is None:
            return None
        x, cond, step = start.group(1), parts[1].strip(), "".join(parts[2].split())
        if cond not in (x, f"{x}!=NULL", f"{x} != NULL", f"NULL != {x}", f"NULL!={x}") or \
                not re.fullmatch(rf"{x}={x}->\w+", step):
            return None
        return cond, _container(start.group(2))
    m = _WHILE.match(head)
    if m:
        empty = _EMPTY.fullmatch(m.group(1).strip())
        if empty:
            return m.group(1).strip(), _container(empty.group(1))
    return None


def _container(text: str) -> str:
    return "".join(text.replace("&", "").split())


def _walks(text: str | None, m: Message) -> dict[str, str]:
    """Condition -> container of the walks around m's call in its file's text."""
    if not text:
        return {}
    return {w[0]: w[1] for w in map(walk, enclosing_guards(text.split("\n"), m.line)) if w}


def same_walks(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
               texts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pair's guards with the condition of each walk over a container both sides walk
    read as one guard, and, in such a walk, an early exit on a call that reads that container
    (its first argument: `if (0 != chunkqueue_peek_data(cq, &frame, &flen, errh, 0)) return
    -1;`) dropped from the side that has it alone: how the loop reads each element, not
    whether the message is written for it. Unchanged without the files' texts (`texts`: a
    FileTexts or None)."""
    if texts is None:
        return guards_a, guards_b
    walks = [_walks(texts(side, m.file), m) for side, m in (("old", a), ("new", b))]
    shared = set(walks[0].values()) & set(walks[1].values())
    if not shared:
        return guards_a, guards_b
    out = []
    for guards, mine, other in ((guards_a, walks[0], guards_b), (guards_b, walks[1], guards_a)):
        kept = []
        for g in guards:
            spaced = " ".join(g.split())
            if mine.get(spaced) in shared:
                kept.append(f"walk {mine[spaced]}")
            elif not (g.startswith("!(") and g not in other and any(_reads(g, c) for c in shared)):
                kept.append(g)
        out.append(tuple(kept))
    return out[0], out[1]


def _reads(guard: str, container: str) -> bool:
    """Does the guard call a function with `container` (or its address) as first argument?"""
    return re.search(rf"\b[A-Za-z_]\w*\s*\(\s*&?\s*{re.escape(container)}\s*,", guard) is not None


def without_loop_conditions(m: Message, guards: tuple[str, ...], text: str | None) -> tuple[str, ...]:
    """The guards but those that are the condition of a loop around m's call as written: the
    loops are compared as written (analysis._same_loops, a consistent renaming allowed), while
    the catalog reads the condition of some forms of loop only. lighttpd 1.4.79's
    mod_mbedtls_ssl_conf_ciphersuites() walks `for (const char *e, *p = b->ptr; p; p = e ? e+1 :
    NULL)`, whose `p` is a guard of the messages in it; 1.4.69's `for (const char *e =
    b->ptr-1; e; )` gave none: the same walk over the list."""
    if not text:
        return guards
    heads = [h for h in enclosing_guards(text.split("\n"), m.line) if LOOP_HEAD.match(h)]
    conditions = {" ".join(_uncast(loop_condition(h)).split()) for h in heads}
    return tuple(g for g in guards if " ".join(_uncast(g).split()) not in conditions)


def loop_condition(head: str) -> str:
    """`for (i = 1; i < n && i <= 2; i++) {` -> `i < n && i <= 2`; `while (x) {` -> `x`."""
    inner = LOOP_HEAD.match(head).group(1)
    parts = inner.split(";")
    return parts[1].strip() if head.lstrip("} ").startswith("for") and len(parts) == 3 else inner.strip()
