"""Guards that read a member the release renamed: the same test of the same object's field,
the field now spelled otherwise in the message's file and the old spelling gone from it.
lighttpd 1.4.79 moved request_st's HTTP/2 fields into a union, `r->h2state` -> `r->x.h2.state`,
`r->h2_rwin` -> `r->x.h2.rwin` (request.h), and h2.c reads them only so. Text in, text out:
no pairing decisions here."""

from __future__ import annotations

import re

from srcscan.catalog import Message
from srcscan.diff.analysis import _member_paths, guard_tokens
from srcscan.diff.model import FileTexts

_PATH = re.compile(r"([A-Za-z_]\w*)((?:(?:->|\.)[A-Za-z_]\w*)+)")


def with_renamed_members(a: Message, b: Message, guards_a: tuple[str, ...], guards_b: tuple[str, ...],
                         texts: FileTexts | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The two sides' guards, each new guard read as the old one it matches in order (among
    those only one side has) when the two differ only in member paths of the same object, one
    to one, each old member spelling (`h2_rwin` of `r->h2_rwin`) written nowhere as a member in
    the new file and each new one (`x.h2.rwin`) nowhere in the old file: a field the release
    renamed. A path that reads another field still read on the other side (`s->defer_accept`
    -> `s->bsd_accept_filter`, both members in both files) is another guard. Unchanged without
    the files' texts."""
    if texts is None:
        return guards_a, guards_b
    only_a = [g for g in guards_a if g not in guards_b]
    only_b = [g for g in guards_b if g not in guards_a]
    if not only_a or len(only_a) != len(only_b):
        return guards_a, guards_b
    files = [texts(side, m.file) for side, m in (("old", a), ("new", b))]
    if not all(files):
        return guards_a, guards_b
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for x, y in zip(only_a, only_b):
        tx, ty = _member_paths(guard_tokens(x)), _member_paths(guard_tokens(y))
        if len(tx) != len(ty):
            return guards_a, guards_b
        for s, t in zip(tx, ty):
            if s == t:
                continue
            if forward.setdefault(s, t) != t or backward.setdefault(t, s) != s or not _renamed_field(s, t, *files):
                return guards_a, guards_b
    read_as = dict(zip(only_b, only_a))
    return guards_a, tuple(read_as.get(g, g) for g in guards_b)


def _renamed_field(old: str, new: str, old_text: str, new_text: str) -> bool:
    """Are `old` and `new` member paths of one object (`r->h2state`, `r->x.h2.state`) whose
    differing members are a field renamed between the two file texts?"""
    mo, mn = _PATH.fullmatch(old), _PATH.fullmatch(new)
    if not (mo and mn) or mo.group(1) != mn.group(1):
        return False
    so, sn = _split(mo.group(2)), _split(mn.group(2))
    k = 0
    while k < min(len(so), len(sn)) - 1 and so[k] == sn[k]:
        k += 1
    tail_old, tail_new = so[k:], sn[k:]
    return not _written(tail_old, new_text) and not _written(tail_new, old_text) and _written(tail_old, old_text) \
        and _written(tail_new, new_text)


def _split(members: str) -> list[str]:
    return re.findall(r"[A-Za-z_]\w*", members)


def _written(members: list[str], text: str) -> bool:
    """Is the member chain (`x`, `h2`, `rwin`) read as members somewhere in the C text?"""
    chain = r"\s*(?:->|\.)\s*".join(map(re.escape, members))
    return re.search(rf"(?:->|\.)\s*{chain}\b(?!\s*\()", text) is not None
