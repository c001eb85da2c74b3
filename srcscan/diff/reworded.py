"""New call sites that reword a message the new release still writes: the old call kept (paired
with a call of the same text) and a reworded copy of it written beside it or elsewhere. Such a
copy is not a new message to a user (the old words are still written, the new ones say the same
thing in another case): DiffResult.reworded_sites lists them apart from `added`."""

from __future__ import annotations

import re
from typing import Iterable

from srcscan.catalog import Message
from srcscan.diff.text import DISTINCT_LITERAL, SIMILARITY_THRESHOLD, _other_branch, _text, _uncast, literal_length
from srcscan.formats.template import template_similarity

# `current_vsyncg->iname`, `sgroup->iname`, `v.sorry->weight`: an object's member path,
# read as the last member (`->iname`) whatever object holds it
_MEMBER_PATH = re.compile(r"\b[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*\s*(?:->|\.)\s*([A-Za-z_]\w*)")


def member_test(m: Message) -> str:
    """m's innermost condition with every object's member path read as its last member
    (`!current_vsyncg->iname` -> `!->iname`); "" when it has none or tests no member."""
    if not m.conditions:
        return ""
    g = _uncast(m.conditions[-1])
    read = _MEMBER_PATH.sub(lambda x: "->" + x.group(1), g)
    return read if read != g else ""


def _split_by_branch(m: Message, a: Message, b: Message) -> bool:
    """Is m the other branch of an `if` whose one branch is b, a's call kept, where a was
    written under the `if`'s enclosing conditions alone? (keepalived 2.3.3's
    dump_notify_script(): `if (script->path)` the reworded line, `else` 2.2.7's line.)"""
    if m.file != b.file or m.function != b.function or not _other_branch(m, b):
        return False
    around = [_uncast(x) for x, y in zip(b.conditions, m.conditions) if _uncast(x) == _uncast(y)]
    return [_uncast(x) for x in a.conditions] == around


def _same_member_check(m: Message, a: Message, b: Message, memo: dict | None = None) -> bool:
    """Do m and the surviving call b make the same test of the same member (innermost, the
    object aside) and print the same members, both with enough literal text to tell? (keepalived 2.3.3's parser drops a
    sync group `!current_vsyncg->iname` with `Sync group %s has no members - removing`; its
    validation still tests `!sgroup->iname` with 2.2.7's `... has no virtual router(s).
    removing`.) `memo`: each message's member test and printed members by id, kept by the
    caller that asks about many pairs (reworded_sites: every added message against every
    surviving pair, a million pairs in keepalived 2.2.7 -> 2.3.3)."""
    memo = {} if memo is None else memo

    def read(x: Message) -> tuple[str, tuple[str | None, ...] | None]:
        known = memo.get(id(x))
        if known is None:
            known = memo[id(x)] = (member_test(x), None)
        return known

    test = read(m)[0]
    if not test or test != read(b)[0] or min(literal_length(m), literal_length(a)) < DISTINCT_LITERAL:
        return False
    printed = {}
    for x in (m, b):
        known = read(x)
        if known[1] is None:
            known = memo[id(x)] = (known[0], _members_printed(x))
        printed[id(x)] = known[1]
    return printed[id(m)] == printed[id(b)]


def _members_printed(m: Message) -> tuple[str | None, ...]:
    """What fills each hole, object member paths read as their last member (`->gname`): the
    same member of the object printed (a message about a group is not one about an instance
    that tests the same member)."""
    return tuple(_MEMBER_PATH.sub(lambda x: "->" + x.group(1), " ".join(p.arg.split())) if p.arg else None
                 for p in m.template.parts if not isinstance(p, str))


def reworded_sites(added: Iterable[Message], pairs: Iterable[tuple[Message, Message]]
                   ) -> tuple[tuple[Message, Message, Message], ...]:
    """Of `added`: (new message, the old message it rewords, the new call still writing the old
    message's text). The old message is paired with a call of its own text (white space
    aside); the new message is close to it (template_similarity >= SIMILARITY_THRESHOLD) and
    is the other branch of the `if` the kept call is now under (_split_by_branch), or makes the
    same member test (_same_member_check). When several old messages qualify, the closest;
    none when two are equally close."""
    surviving = [(a, b) for a, b in pairs if not a.dynamic and "".join(_text(a).split()) == "".join(_text(b).split())]
    out, memo = [], {}
    for m in added:
        if m.dynamic or literal_length(m) < 3:
            continue
        scored = []
        for a, b in surviving:
            if _split_by_branch(m, a, b) or _same_member_check(m, a, b, memo):
                s = template_similarity(a.template, m.template)
                if s >= SIMILARITY_THRESHOLD:
                    scored.append((s, a, b))
        scored.sort(key=lambda x: -x[0])
        if scored and (len(scored) == 1 or scored[1][0] < scored[0][0] or scored[1][1] is scored[0][1]):
            out.append((m, scored[0][1], scored[0][2]))
    return tuple(out)
