"""diff_catalogs: run the matcher over two catalogs, compare each pair's fields, tell the
release's changes from srcscan's analysis changing (analysis-only), and the diff as JSON."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from typing import Any, Callable, Iterable

from srcscan.catalog import SCHEMA, Catalog, Message, message_to_dict
from srcscan.diff.model import DIFF_SCHEMA, Change, DiffResult, FileTexts, Merge
from srcscan.diff.passes import _Matcher
from srcscan.diff.text import _sorted, _spaced_all, _text, build_formula
from srcscan.errors import InputError
from srcscan.textcalls import enclosing_function

# Fields compared on a matched pair, and how to read each from a message.
FIELDS: tuple[tuple[str, Callable[[Message], Any]], ...] = (
    ("template", lambda m: _text(m)),
    ("priority", lambda m: m.priority),
    ("call", lambda m: m.call),
    ("requires", lambda m: m.requires),
    ("facility", lambda m: (m.facility, m.facility_with)),
    ("processes", lambda m: m.processes),
    ("build", lambda m: build_formula(m.build)),
    ("location", lambda m: (m.file, m.function)),
)
# Fields an analysis derives from the code around the call: when the conditions read the
# same on both sides, a change there is srcscan's, not the release's.
ANALYSIS_FIELDS = ("requires", "processes", "facility")


def check_comparable(old: Catalog, new: Catalog) -> None:
    for c in (old, new):
        if c.schema != SCHEMA:
            raise InputError(f"catalog schema {c.schema!r} is not {SCHEMA!r}; rebuild it with this srcscan")
    if old.project != new.project:
        raise InputError(f"catalogs of two different projects: {old.project} and {new.project}")


def diff_catalogs(old: Catalog, new: Catalog, only: Callable[[Message], bool] | None = None,
                  texts: FileTexts | None = None) -> DiffResult:
    """What changed from `old` to `new`. `texts` gives the files' texts for the line mapping
    (without it, lines are compared after correcting each file's median offset)."""
    check_comparable(old, new)
    matcher = _Matcher(old, new, texts)
    pairs, merges = matcher.run()
    changed, moved, kept = [], [], []
    fields_of = {}
    for a, b, similarity, how in pairs:
        fields = tuple(name for name, get in FIELDS if get(a) != get(b))
        if len(a.conditions) != len(b.conditions):  # a guard added or dropped (not one rewritten)
            fields += ("conditions",)
        fields_of[(id(a), id(b))] = fields
    callers = _Callers(old, new, texts, {m.function for a, b, _, _ in pairs for m in (a, b)
                                         if set(fields_of[(id(a), id(b))]) & set(ANALYSIS_FIELDS)})
    for a, b, similarity, how in pairs:
        fields = fields_of[(id(a), id(b))]
        if fields:
            analysis = tuple(f for f in fields if f in ANALYSIS_FIELDS and _analysis_only(f, a, b, old, new, callers))
            changed.append(Change(a, b, fields, round(similarity, 3), how, analysis))
        elif a.line != b.line:
            moved.append(Change(a, b, ("line",), 1.0, how))
        else:
            kept.append((a, b))
    olds, news = matcher.olds, matcher.news
    if only is not None:  # matched on everything, then kept where either side involves it
        news, olds = [m for m in news if only(m)], [m for m in olds if only(m)]
        changed = [c for c in changed if only(c.old) or only(c.new)]
        moved = [c for c in moved if only(c.old) or only(c.new)]
        merges = [m for m in merges if only(m.new) or any(only(o) for o in m.olds)]
    order = lambda c: (c.new.file, c.new.line)  # noqa: E731
    return DiffResult(old, new, tuple(_sorted(news)), tuple(_sorted(olds)),
                      tuple(sorted(changed, key=order)), tuple(sorted(moved, key=order)),
                      tuple(sorted(merges, key=order)), tuple(kept))


def _analysis_only(field: str, a: Message, b: Message, old: Catalog, new: Catalog, callers: "_Callers") -> bool:
    """Is the change of `field` (requires, processes or facility) from a to b srcscan's
    analysis rather than the release? Yes when nothing it is derived from changed as far as
    the two trees tell: the same guards around the call (white space aside), the same
    build condition, the same functions calling the enclosing function, and, for
    requires, options both releases have (an option renamed or dropped is the release's)."""
    if _spaced_all(a.conditions) != _spaced_all(b.conditions) or build_formula(a.build) != build_formula(b.build):
        return False
    if a.function != b.function or a.file != b.file or not callers.same(a.file, a.function, b.function):
        return False
    if field == "requires":
        names = {_option_atom(atom) for m in (a, b) for alternative in m.requires for atom in alternative}
        return names <= _option_names(old) and names <= _option_names(new)
    return True


def _option_atom(atom: str) -> str:
    bare = atom.lstrip("!")
    for op in (">=", "<=", "==", ">", "<", "="):
        bare = bare.split(op, 1)[0]
    return bare


def _option_names(c: Catalog) -> set[str]:
    """Every name of every option in the catalog's option table (`-D`, `--log-detail`, ...);
    with no table, the option atoms its messages require (all taken as existing)."""
    names = {n for option in c.sections.options or () for n in option.names}
    if not names:
        names = {_option_atom(atom) for m in c.messages for alternative in m.requires for atom in alternative}
    return names


class _Callers:
    """The functions calling each of some functions, per side, read from the trees' texts
    (`name(` outside the function's own definition); unknown without texts. A name defined
    in several files (lighttpd's static network_init_ssl() of each TLS module) counts the
    callers in the message's own file only."""

    def __init__(self, old: Catalog, new: Catalog, texts: FileTexts | None, names: set[str]) -> None:
        self.found: dict[str, dict[str, set[tuple[str, str]]]] = {}
        self.defined: dict[str, dict[str, set[str]]] = {}
        if texts is None or not names:
            return
        call = re.compile(r"\b(" + "|".join(map(re.escape, sorted(n for n in names if n))) + r")\s*\(")
        for side, c in (("old", old), ("new", new)):
            by_name: dict[str, set[tuple[str, str]]] = defaultdict(set)
            defined: dict[str, set[str]] = defaultdict(set)
            for path in sorted({f.path for f in c.files} | {m.file for m in c.messages}):
                text = texts(side, path)
                if not text:
                    continue
                lines = text.split("\n")
                starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
                for m in call.finditer(text):
                    line = bisect_right(starts, m.start())
                    caller = enclosing_function(lines, line)
                    if caller == m.group(1):
                        defined[m.group(1)].add(path)
                    elif caller:
                        by_name[m.group(1)].add((path, caller))
            self.found[side], self.defined[side] = by_name, defined

    def same(self, file: str, old_name: str, new_name: str) -> bool:
        if not self.found:
            return False

        def callers(side: str, name: str) -> set[tuple[str, str]]:
            found = self.found[side].get(name, set())
            if len(self.defined[side].get(name, ())) > 1:
                return {(path, caller) for path, caller in found if path == file}
            return found
        return callers("old", old_name) == callers("new", new_name)


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
        for option in c.sections.options or ():
            aliases = set(option.names)
            if name in aliases:
                names |= aliases
    return names


def diff_to_dict(d: DiffResult, sids: dict[str, dict[str, str]] | None = None,
                 with_options: tuple[str, ...] = ()) -> dict[str, Any]:
    """The diff as JSON data; `sids` ({"old": {id: sid}, "new": {...}}, from a history index)
    adds each message's stable id; `with` records the run's --with options (as given), and
    each side its source provider."""
    sids = sids or {}

    def message(m: Message, side: str) -> dict[str, Any]:
        out = message_to_dict(m)
        sid = sids.get(side, {}).get(m.id)
        if sid:
            out["sid"] = sid
        return out

    def side(c: Catalog) -> dict[str, Any]:
        return {"project": c.project, "version": c.version, "provenance": c.provenance.to_dict(),
                "provider": c.provenance.provider, "messages": len(c.messages)}

    def change(c: Change) -> dict[str, Any]:
        return {"old": message(c.old, "old"), "new": message(c.new, "new"), "fields": list(c.fields),
                "similarity": c.similarity, "how": c.how, "analysis_only": list(c.analysis_only)}

    def merge(m: Merge) -> dict[str, Any]:
        return {"olds": [message(o, "old") for o in m.olds], "new": message(m.new, "new"), "how": m.how}

    variants = set(map(id, d.variants))

    return {
        "schema": DIFF_SCHEMA,
        "with": list(with_options),
        "old": side(d.old),
        "new": side(d.new),
        "added": [message(m, "new") for m in d.added if id(m) not in variants],
        "variants": [message(m, "new") for m in d.added if id(m) in variants],
        "removed": [message(m, "old") for m in d.removed],
        # a change is the release's when some field other than srcscan's analysis changed
        "changed": [change(c) for c in d.changed if set(c.fields) - set(c.analysis_only)],
        "analysis_only": [change(c) for c in d.changed if not set(c.fields) - set(c.analysis_only)],
        "moved": [change(c) for c in d.moved],
        "merged": [merge(m) for m in d.merged],
    }
