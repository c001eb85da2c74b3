"""Match the messages of two catalogs and say what a release added, removed and changed.

Pure: two Catalogs in, a DiffResult out. Matching runs in passes, each over what the
previous ones left unmatched:

1. identity: same file, function and template;
2. same template in a renamed file or function;
3. a close template (edit similarity over literal words and holes, at least
   SIMILARITY_THRESHOLD) in the same file and function: a rewording.

A pair that differs only by line is "moved", not changed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from srcscan.catalog import SCHEMA, Catalog, Message, message_to_dict
from srcscan.errors import InputError
from srcscan.formats.template import render_normal, template_similarity

DIFF_SCHEMA = "srcscan.diff/1"
# Below this a "rewording" is more often a different message that happens to share a
# function: measured on keepalived 2.2.7 -> 2.3.3, pairs under 0.6 were unrelated.
SIMILARITY_THRESHOLD = 0.6

# Fields compared on a matched pair, and how to read each from a message.
FIELDS: tuple[tuple[str, Callable[[Message], Any]], ...] = (
    ("template", lambda m: _text(m)),
    ("priority", lambda m: m.priority),
    ("call", lambda m: m.call),
    ("requires", lambda m: m.requires),
    ("facility", lambda m: (m.facility, m.facility_with)),
    ("processes", lambda m: m.processes),
    ("build", lambda m: m.build),
    ("location", lambda m: (m.file, m.function)),
)


@dataclass(frozen=True)
class Change:
    old: Message
    new: Message
    fields: tuple[str, ...]  # names from FIELDS that differ
    similarity: float  # template closeness used to pair them (1.0 for identical templates)


@dataclass(frozen=True)
class DiffResult:
    old: Catalog
    new: Catalog
    added: tuple[Message, ...]
    removed: tuple[Message, ...]
    changed: tuple[Change, ...]
    moved: tuple[Change, ...]  # same message, other line only

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _text(m: Message) -> str:
    # A dynamic format has no literal text; the expression it is built from stands in.
    return f"<{m.format}>" if m.dynamic else render_normal(m.template)


def check_comparable(old: Catalog, new: Catalog) -> None:
    for c in (old, new):
        if c.schema != SCHEMA:
            raise InputError(f"catalog schema {c.schema!r} is not {SCHEMA!r}; rebuild it with this srcscan")
    if old.project != new.project:
        raise InputError(f"catalogs of two different projects: {old.project} and {new.project}")


def diff_catalogs(old: Catalog, new: Catalog, only: Callable[[Message], bool] | None = None) -> DiffResult:
    check_comparable(old, new)
    olds, news = list(old.messages), list(new.messages)
    pairs: list[tuple[Message, Message, float]] = []
    for key in (lambda m: (m.file, m.function, _text(m)),
                lambda m: (m.function, _text(m)),
                lambda m: (m.file, _text(m))):
        found, olds, news = _pair_by_key(olds, news, key)
        pairs += [(a, b, 1.0) for a, b in found]
    found, olds, news = _pair_similar(olds, news)
    pairs += found
    changed, moved = [], []
    for a, b, similarity in pairs:
        fields = tuple(name for name, get in FIELDS if get(a) != get(b))
        if fields:
            changed.append(Change(a, b, fields, round(similarity, 3)))
        elif a.line != b.line:
            moved.append(Change(a, b, ("line",), 1.0))
    if only is not None:  # matched on everything, then kept where either side involves it
        news, olds = [m for m in news if only(m)], [m for m in olds if only(m)]
        changed = [c for c in changed if only(c.old) or only(c.new)]
        moved = [c for c in moved if only(c.old) or only(c.new)]
    order = lambda c: (c.new.file, c.new.line)  # noqa: E731
    return DiffResult(old, new, tuple(_sorted(news)), tuple(_sorted(olds)),
                      tuple(sorted(changed, key=order)), tuple(sorted(moved, key=order)))


def _sorted(messages: Iterable[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: (m.file, m.line, m.id))


def _pair_by_key(olds: list[Message], news: list[Message], key) -> tuple[list, list, list]:
    """Pair equal keys in line order; repeats of one key pair up one to one."""
    waiting: dict[Any, list[Message]] = defaultdict(list)
    for m in _sorted(news):
        waiting[key(m)].append(m)
    pairs, left = [], []
    for m in _sorted(olds):
        bucket = waiting.get(key(m))
        if bucket:
            pairs.append((m, bucket.pop(0)))
        else:
            left.append(m)
    return pairs, left, [m for bucket in waiting.values() for m in bucket]


def _pair_similar(olds: list[Message], news: list[Message]) -> tuple[list, list, list]:
    """Best-first pairing of close templates within one file and function."""
    by_place: dict[tuple[str, str], list[Message]] = defaultdict(list)
    for m in news:
        by_place[(m.file, m.function)].append(m)
    candidates = []
    for a in olds:
        for b in by_place.get((a.file, a.function), ()):
            if a.dynamic or b.dynamic:
                continue
            s = template_similarity(a.template, b.template)
            if s >= SIMILARITY_THRESHOLD:
                candidates.append((-s, abs(a.line - b.line), a.id, b.id, a, b))
    candidates.sort(key=lambda c: c[:4])
    used_a, used_b, pairs = set(), set(), []
    for neg, _, ida, idb, a, b in candidates:
        if ida in used_a or idb in used_b:
            continue
        used_a.add(ida)
        used_b.add(idb)
        pairs.append((a, b, -neg))
    return pairs, [m for m in olds if m.id not in used_a], [m for m in news if m.id not in used_b]


def requires_option(names: set[str]) -> Callable[[Message], bool]:
    """A filter keeping messages whose requirements mention one of `names` (with or without `!`, levels)."""
    def mentions(m: Message) -> bool:
        for alternative in m.requires:
            for atom in alternative:
                bare = atom.lstrip("!")
                for op in (">=", "<=", "==", ">", "<", "="):
                    bare = bare.split(op, 1)[0]
                if bare in names:
                    return True
        return False
    return mentions


def option_names(catalogs: Iterable[Catalog], name: str) -> set[str]:
    """`-D` -> {"-D", "--log-detail"} when a catalog's option table links them."""
    names = {name}
    for c in catalogs:
        for option in c.sections.get("options", []) or []:
            aliases = set(option.get("names", []))
            if name in aliases:
                names |= aliases
    return names


def diff_to_dict(d: DiffResult) -> dict[str, Any]:
    def side(c: Catalog) -> dict[str, Any]:
        return {"project": c.project, "version": c.version, "provenance": c.provenance.to_dict(),
                "messages": len(c.messages)}

    def change(c: Change) -> dict[str, Any]:
        return {"old": message_to_dict(c.old), "new": message_to_dict(c.new), "fields": list(c.fields),
                "similarity": c.similarity}

    return {
        "schema": DIFF_SCHEMA,
        "old": side(d.old),
        "new": side(d.new),
        "added": [message_to_dict(m) for m in d.added],
        "removed": [message_to_dict(m) for m in d.removed],
        "changed": [change(c) for c in d.changed],
        "moved": [change(c) for c in d.moved],
    }
