"""Match the messages of two catalogs and say what a release added, removed and changed.

Pure: two Catalogs (and, when at hand, the two versions of each file's text) in, a
DiffResult out. Matching runs in passes, each over what the previous ones left
unmatched; within a pass, repeats of one key are paired by site evidence (see `_order`):

1. identity: same file, function and template;
2. the same template in a renamed function of the same file;
3. the same template in a function of the same name in another file;
4. the same template anywhere, unique on both sides, with enough literal text or a reason
   (the old place is gone, or the conditions are equal): messages moved into another file;
5. a rewording at the same site: the old line maps (difflib over the two file texts) onto
   the new one, in the same function or under the same conditions, with a character-level
   similarity for short templates ("fcntl" -> "fcntl()"); then the same template with white
   space runs counted as one, in the same file or unique anywhere (re-indented dump lines);
6. merges: old messages whose text a new helper's template matches (N -> 1, "merged");
7. a close template (word similarity >= SIMILARITY_THRESHOLD) in the same function, or in
   the same file when the old function is gone or the new one is new (an extracted helper);
   one old message into a new helper's template; a long message reworded while it moved
   into a new function of another file (each the other's best match, >= 0.8);
8. what is left: old copies of one template that became one close message of a new
   function ("copies"), and old messages whose text a paired new message still writes
   (one of two copies, a helper's constants now built at run time: "duplicate").

A pair that differs only by line is "moved", not changed. A change of `requires` or
`processes` whose conditions read the same on both sides is srcscan's analysis changing,
not the release: it is marked `analysis_only`. Build conditions are compared as boolean
formulas (`defined(A) && defined(B)` equals `defined(B) && defined(A)`).
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from srcscan.catalog import SCHEMA, Catalog, Message, message_to_dict
from srcscan.errors import InputError
from srcscan.formats.template import Hole, render_normal, template_similarity
from srcscan.textcalls import enclosing_function

DIFF_SCHEMA = "srcscan.diff/1"
# Below this a "rewording" is more often a different message that happens to share a
# function: measured on keepalived 2.2.7 -> 2.3.3, pairs under 0.6 were unrelated.
SIMILARITY_THRESHOLD = 0.6
# At one site (the line mapping says the old line became the new one) a short rewording
# scores low on words ("fcntl" -> "fcntl()": 0.5, "read" -> read("%s"): 0.57 on words):
# characters decide there.
SITE_CHAR_THRESHOLD = 0.5
# A rewording into a new helper of the same file, by characters (see _Matcher._similar).
HELPER_CHAR_THRESHOLD = 0.7
# Literal characters a template needs before passes that ignore file and function may use
# it without a further reason: "SSL: %s %s" (5) is generic, "Unable to open %s" (14) is not.
DISTINCT_LITERAL = 12

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


@dataclass(frozen=True)
class Change:
    old: Message
    new: Message
    fields: tuple[str, ...]  # names from FIELDS that differ
    similarity: float  # template closeness used to pair them (1.0 for identical templates)
    how: str = "identity"  # the pass that paired them: identity, renamed, other-file, moved-file, site, similar
    analysis_only: tuple[str, ...] = ()  # of `fields`: changed while the enclosing conditions read the same


@dataclass(frozen=True)
class Merge:
    """Several old messages that became one new message (a helper, or one copy of many)."""

    olds: tuple[Message, ...]
    new: Message
    how: str  # "helper": the new template matches each old text; "copies": one template, N -> 1


@dataclass(frozen=True)
class DiffResult:
    old: Catalog
    new: Catalog
    added: tuple[Message, ...]
    removed: tuple[Message, ...]
    changed: tuple[Change, ...]
    moved: tuple[Change, ...]  # same message, other line only
    merged: tuple[Merge, ...] = ()
    kept: tuple[tuple[Message, Message], ...] = ()  # pairs that differ in nothing, not even the line

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.merged or any(set(c.fields) - set(c.analysis_only) for c in self.changed))

    @property
    def variants(self) -> tuple[Message, ...]:
        """Of `added`: further texts of a call site whose other text is paired (lighttpd
        1.4.79's gw_backend_error_trace() writes `for %s %s?%s` and, when the request has no
        Host, `for  %s?%s`; the old message pairs with one, the other is the same site's
        text, not a new message). Still in `added`, so that each has an id of its own."""
        sites = {_site(b) for _, b in self.pairs}
        return tuple(m for m in self.added if _site(m) in sites)

    @property
    def pairs(self) -> list[tuple[Message, Message]]:
        """Every (old, new) the matcher made, merges included: what a message id follows."""
        out = list(self.kept) + [(c.old, c.new) for c in self.changed + self.moved]
        out += [(o, m.new) for m in self.merged for o in m.olds]
        return out


def _site(m: Message) -> tuple:
    """One call site, whatever text of it a message is."""
    return (m.file, m.line, m.function, m.call, m.build)


def _text(m: Message) -> str:
    # A dynamic format has no literal text; the expression it is built from stands in.
    return f"<{m.format}>" if m.dynamic else render_normal(m.template)


def check_comparable(old: Catalog, new: Catalog) -> None:
    for c in (old, new):
        if c.schema != SCHEMA:
            raise InputError(f"catalog schema {c.schema!r} is not {SCHEMA!r}; rebuild it with this srcscan")
    if old.project != new.project:
        raise InputError(f"catalogs of two different projects: {old.project} and {new.project}")


# A file's text on one side, or None when it is not at hand: `texts(side, file)`, side "old" or "new".
FileTexts = Callable[[str, str], "str | None"]


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
    names = {n for option in c.sections.get("options", []) or [] for n in option.get("names", [])}
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


class _Matcher:
    """The passes of the module docstring over two catalogs' messages."""

    def __init__(self, old: Catalog, new: Catalog, texts: FileTexts | None) -> None:
        self.olds, self.news = _sorted(old.messages), _sorted(new.messages)
        self.texts = texts
        self.maps: dict[str, LineMap | None] = {}
        self.offsets: dict[str, int] = {}
        self.new_functions = {(m.file, m.function) for m in new.messages}
        self.old_functions = {(m.file, m.function) for m in old.messages}
        self.new_files = {m.file for m in new.messages} | {f.path for f in new.files}
        self.pairs: list[tuple[Message, Message, float, str]] = []

    def run(self) -> tuple[list[tuple[Message, Message, float, str]], list[Merge]]:
        self._by_key(lambda m: (m.file, m.function, _text(m)), "identity")
        self._learn_offsets()
        self._by_key(lambda m: (m.file, _text(m)), "renamed")
        self._by_key(lambda m: (m.function, _text(m)), "other-file", self._reason)
        self._unique_anywhere(_text, "moved-file")
        self._at_site()  # before white space is ignored: an old line reworded in place is that line
        merges = self._at_helper_call()
        self._same_guard()
        self._by_key(lambda m: (m.file, _spaced(m)), "respaced")
        self._unique_anywhere(_spaced, "respaced")
        self._repeats_anywhere()
        # Merges before similarity: one old copy would take the helper's message.
        merges += self._merges(several=True) + self._copies_reworded()
        self._similar()
        merges += self._merges(several=False)
        self._similar_anywhere()
        merges += self._duplicates()
        return self.pairs, merges

    # ------------------------------------------------------------------ site evidence
    def _map(self, file: str) -> LineMap | None:
        if file not in self.maps:
            self.maps[file] = None
            if self.texts is not None:
                a, b = self.texts("old", file), self.texts("new", file)
                if a is not None and b is not None:
                    self.maps[file] = LineMap(a, b)
        return self.maps[file]

    def _learn_offsets(self) -> None:
        """Each file's median line offset over the identity pairs: the fallback line mapping."""
        by_file: dict[str, list[int]] = defaultdict(list)
        for a, b, _, _ in self.pairs:
            by_file[a.file].append(b.line - a.line)
        self.offsets = {f: sorted(v)[len(v) // 2] for f, v in by_file.items()}

    def _mapped(self, a: Message, new_file: str, line: int | None = None) -> tuple[int, bool]:
        """Old message a's line (or another line of its file) in the new version of
        `new_file` (exact when difflib found the line unchanged)."""
        line = a.line if line is None else line
        if a.file == new_file:
            lines = self._map(a.file)
            if lines is not None:
                return lines.at(line)
        return line + self.offsets.get(a.file, 0), False

    def _order(self, a: Message, b: Message) -> tuple:
        """How well b sits where a went: the line mapping (the call's line and the one above
        it both map onto b's: an unchanged line can be aligned with either of two equal
        copies), then equal conditions (and build), then the offset-corrected distance."""
        line, exact = self._mapped(a, b.file)
        same_site = exact and line == b.line and self._mapped(a, b.file, a.line - 1) == (b.line - 1, True)
        return (not same_site, a.conditions != b.conditions, a.build != b.build, abs(line - b.line))

    def _reason(self, a: Message, b: Message) -> bool:
        """May a pass that ignores a's file or function pair it with b? Enough literal text, or
        its old place is gone, or its conditions are the same non-empty ones."""
        return (literal_length(a) >= DISTINCT_LITERAL or (a.file, a.function) not in self.new_functions
                or a.file not in self.new_files or (bool(a.conditions) and a.conditions == b.conditions))

    def _take(self, found: list[tuple[Message, Message, float, str]]) -> None:
        used_a = {id(a) for a, _, _, _ in found}
        used_b = {id(b) for _, b, _, _ in found}
        self.pairs += found
        self.olds = [m for m in self.olds if id(m) not in used_a]
        self.news = [m for m in self.news if id(m) not in used_b]

    # ------------------------------------------------------------------ passes
    def _by_key(self, key, how: str, allowed: Callable[[Message, Message], bool] | None = None) -> None:
        news: dict[Any, list[Message]] = defaultdict(list)
        for m in self.news:
            news[key(m)].append(m)
        olds: dict[Any, list[Message]] = defaultdict(list)
        for m in self.olds:
            if key(m) in news:
                olds[key(m)].append(m)
        found = []
        for k, group in olds.items():
            candidates = sorted((self._order(a, b), i, j) for i, a in enumerate(group) for j, b in enumerate(news[k])
                                if allowed is None or allowed(a, b))
            used_a, used_b = set(), set()
            for _, i, j in candidates:
                if i not in used_a and j not in used_b:
                    used_a.add(i)
                    used_b.add(j)
                    found.append((group[i], news[k][j], 1.0, how))
        self._take(found)

    def _unique_anywhere(self, key: Callable[[Message], str], how: str) -> None:
        olds: dict[str, list[Message]] = defaultdict(list)
        news: dict[str, list[Message]] = defaultdict(list)
        for m in self.olds:
            olds[key(m)].append(m)
        for m in self.news:
            news[key(m)].append(m)
        found = []
        for text, group in olds.items():
            if len(group) == 1 and len(news.get(text, ())) == 1 and not group[0].dynamic:
                a, b = group[0], news[text][0]
                if self._reason(a, b):
                    found.append((a, b, 1.0, how))
        self._take(found)

    def _is_new_function(self, m: Message) -> bool:
        return (m.file, m.function) not in self.old_functions

    def _similar_anywhere(self) -> None:
        """A long message reworded while it moved into a new function of another file
        (`unexpected end-of-file ...` into lighttpd's gw_backend_error_trace): each side the
        other's best match, similarity >= 0.8, the old function gone or the new one new."""
        olds = [a for a in self.olds if not a.dynamic and literal_length(a) >= 2 * DISTINCT_LITERAL]
        news = [b for b in self.news if not b.dynamic and literal_length(b) >= 2 * DISTINCT_LITERAL]
        score = {}
        for a in olds:
            gone = (a.file, a.function) not in self.new_functions
            for b in news:
                if gone or self._is_new_function(b):
                    s = template_similarity(a.template, b.template)
                    if s >= 0.8:
                        score[(id(a), id(b))] = (s, a, b)
        best_a: dict[int, tuple] = {}
        best_b: dict[int, tuple] = {}
        for key, (s, a, b) in score.items():
            if s > best_a.get(id(a), (0,))[0]:
                best_a[id(a)] = (s, b)
            if s > best_b.get(id(b), (0,))[0]:
                best_b[id(b)] = (s, a)
        found = [(a, b, s, "similar-moved") for (s, a, b) in score.values()
                 if best_a[id(a)][1] is b and best_b[id(b)][1] is a]
        self._take(found)

    def _copies_reworded(self) -> list[Merge]:
        """Old copies of one template (two or more, none paired) that became one close message
        in a new function of the same file (lighttpd's 18 `sqlite3_prepare_v2(): %s` sites into
        one helper's `sqlite3_prepare(): %s`)."""
        groups: dict[tuple[str, str], list[Message]] = defaultdict(list)
        for a in self.olds:
            if not a.dynamic:
                groups[(a.file, _text(a))].append(a)
        merges = []
        for (file, _), group in groups.items():
            if len(group) < 2:
                continue
            close = [(max(template_similarity(group[0].template, b.template), char_similarity(group[0], b)), b)
                     for b in self.news if b.file == file and not b.dynamic and self._is_new_function(b)]
            close = [(s, b) for s, b in close if s >= 0.8]
            if close:
                _, b = max(close, key=lambda c: c[0])
                merges.append(Merge(tuple(group), b, "copies"))
                self.news = [m for m in self.news if m is not b]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return merges

    def _duplicates(self) -> list[Merge]:
        """Old messages left over whose text a paired new message writes: one of two copies
        of a message that became one, or a helper's old constants now built at run time."""
        by_file: dict[str, list[Message]] = defaultdict(list)
        by_partner: dict[tuple[str, str], list[Message]] = defaultdict(list)  # by the old copy's function
        for a, b, _, _ in self.pairs:
            if not b.dynamic:
                by_file[b.file].append(b)
                by_partner[(a.file, a.function)].append(b)
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            if a.dynamic:
                continue
            view = _literal_view(a)
            for b in by_file.get(a.file, []) + by_partner.get((a.file, a.function), []):
                # a copy whose function no longer logs went with it (deleted, or into `#if 0`), unless
                # into a new helper or the function now calls the one that logs
                if (a.file, a.function) not in self.new_functions and not self._is_new_function(b) \
                        and not self._now_calls(a, b.function):
                    continue
                # the same text counts when it says enough: a generic `%s = %s` left over is
                # another case that went (lighttpd 1.4.79's ssl.ca-crl-file case of mod_gnutls)
                if (_text(b) == _text(a) and literal_length(a) >= DISTINCT_LITERAL // 2) or (literal_length(b) >= DISTINCT_LITERAL // 2 and any(isinstance(p, Hole) for p in b.template.parts)
                                            and _match_pattern(b).fullmatch(view)):
                    into.setdefault(id(b), (b, []))[1].append(a)
                    break
        merges = [Merge(tuple(olds), b, "duplicate") for b, olds in into.values()]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return merges

    def _now_calls(self, a: Message, name: str) -> bool:
        """Does a's function, in the new text of a's file, call `name`?"""
        text = self.texts("new", a.file) if self.texts is not None else None
        if not text:
            return False
        lines = text.split("\n")
        span = _function_span(lines, a.function)
        return bool(span) and re.search(rf"\b{re.escape(name)}\s*\(", "\n".join(lines[span[0] - 1: span[1]])) is not None

    def _at_site(self) -> None:
        """Rewordings where the line mapping puts the old call on the new one."""
        candidates = []
        news_by_file: dict[str, list[Message]] = defaultdict(list)
        for m in self.news:
            news_by_file[m.file].append(m)
        for a in self.olds:
            lines = self._map(a.file)
            if lines is None or a.dynamic:
                continue
            line, exact = lines.at(a.line)
            region = lines.region(a.line)
            for b in news_by_file.get(a.file, ()):
                if b.dynamic:
                    continue
                in_place = (exact and line == b.line) or (region is not None and region[0] <= b.line < max(region[1], region[0] + 1))
                if not in_place or not (a.function == b.function or (a.conditions and a.conditions == b.conditions)):
                    continue
                s = max(template_similarity(a.template, b.template), char_similarity(a, b))
                if s >= SITE_CHAR_THRESHOLD:
                    candidates.append((-s, abs(line - b.line), a.id, b.id, a, b))
        self._take(_best_first(candidates, "site"))

    def _at_helper_call(self) -> list[Merge]:
        """Old calls whose place (the line mapping's region, in the same function) now holds
        a call of a helper that logs, handing it a literal its message writes:

            log_perror(errh, __FILE__, __LINE__, "pipe failed");          (lighttpd 1.4.69)
            return cgi_create_err(r, cgi_fds, "pipe()");                  (1.4.79: "%s", msg)

        The helper's message for that constant ("pipe()", one per constant its callers pass)
        is the old message's successor when the two share a word ("pipe"), or are close.
        A literal handed over through a local (`msg = c ? "reconnecting; ..." : ...;
        gw_backend_error_trace(hctx, r, msg)`) counts when it is long enough to say which
        message it is. Several old messages into one helper message are a merge."""
        if self.texts is None:
            return []
        helpers: dict[str, list[Message]] = defaultdict(list)
        for b in self.news:
            if not b.dynamic:
                helpers[b.function].append(b)
        candidates = []
        for a in self.olds:
            lines = self._map(a.file)
            text = self.texts("new", a.file) if lines is not None and not a.dynamic else None
            if text is None:
                continue
            new_lines = text.split("\n")
            line, _ = lines.at(a.line)
            region = lines.region(a.line)
            first, last = max(1, line - 4), line + 3
            if region is not None and region[1] - region[0] <= HELPER_REGION:
                first, last = min(first, region[0]), max(last, region[1])
            window = [n for n in range(first, min(last, len(new_lines)) + 1)
                      if enclosing_function(new_lines, n) in (a.function, "") or (a.file, a.function) not in self.new_functions]
            if not window:
                continue
            chunk = "\n".join(new_lines[window[0] - 1: window[-1]])
            found_here = self._helper_candidates(a, chunk, helpers, long_literals=True)
            if not found_here and (a.file, a.function) in self.new_functions:
                # the call moved within its function: a helper call anywhere in it, if it
                # names one helper message only
                span = _function_span(new_lines, a.function)
                if span:
                    wide = self._helper_candidates(a, "\n".join(new_lines[span[0] - 1: span[1]]), helpers, long_literals=False)
                    if len({_text(c[5]) for c in wide}) == 1:
                        found_here = wide
            candidates += found_here
        # each old message into its best helper message; several into one are a merge
        candidates.sort(key=lambda c: c[:4])
        best: dict[str, tuple] = {}
        for c in candidates:
            best.setdefault(c[2], c)
        into: dict[int, list[tuple]] = defaultdict(list)
        for c in best.values():
            into[id(c[5])].append(c)
        found, merges = [], []
        for group in into.values():
            if len(group) == 1:
                neg, _, _, _, a, b = group[0]
                found.append((a, b, -neg, "helper-call"))
            else:
                merges.append(Merge(tuple(_sorted(c[4] for c in group)), group[0][5], "helper-call"))
        self._take(found)
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        merged_new = {id(m.new) for m in merges}
        self.news = [m for m in self.news if id(m) not in merged_new]
        return merges

    def _repeats_anywhere(self) -> None:
        """Copies of one template on both sides, moved to other files or functions: lighttpd
        1.4.79 split connections.c's chunked-body reader into h1.c's h1_chunked() and
        h1_read_body_unknown(), four "request-size too long" and "chunked header" copies
        among them. Paired one to one, closest function names first, then the guards
        naming the most of the same identifiers (connection_check_timeout()'s HTTP/2 copy,
        under `con->h2`, `h2c->rused`, went to h2_check_timeout(), the other to
        h1_check_timeout()), then the same rank among the copies; copies left over go on
        to the merge passes."""
        olds: dict[str, list[Message]] = defaultdict(list)
        news: dict[str, list[Message]] = defaultdict(list)
        for m in self.olds:
            if not m.dynamic:
                olds[_text(m)].append(m)
        for m in self.news:
            if not m.dynamic:
                news[_text(m)].append(m)
        found = []
        for text, group in olds.items():
            targets = news.get(text, [])
            if not targets or len(group) + len(targets) <= 2:
                continue
            if not all(self._reason(a, targets[0]) for a in group):
                continue
            candidates = sorted((-round(difflib.SequenceMatcher(None, a.function, b.function).ratio(), 1),
                                 -_guard_overlap(a, b), abs(i / len(group) - j / len(targets)), i, j)
                                for i, a in enumerate(group) for j, b in enumerate(targets))
            used_a, used_b = set(), set()
            for _, _, _, i, j in candidates:
                if i not in used_a and j not in used_b:
                    used_a.add(i)
                    used_b.add(j)
                    found.append((group[i], targets[j], 1.0, "repeats"))
        self._take(found)

    def _same_guard(self) -> None:
        """A rewording under the same guard of the same function, where the line mapping
        does not hold (the code around it was rewritten): the innermost condition reads the
        same, and the arguments are the same, or the old text's first word is kept, or they
        share a word of four letters or more ("wrong filetype for X-Sendfile2: %s" ->
        "X-Sendfile2: not regular file: %s" under `!S_ISREG(sce->st.st_mode)`):

            if (0 != bind(fd, ...)) log_perror(errh, ..., "can't bind to socket: %s", host);
            if (0 != bind(fd, ...)) log_serror(errh, ..., "bind() %s", host);

        Only when each is the other's one such message."""
        def key(m: Message) -> tuple:
            return (m.file, m.function, _uncast(m.conditions[-1]) if m.conditions else "")

        news: dict[tuple, list[Message]] = defaultdict(list)
        for b in self.news:
            if not b.dynamic and b.conditions:
                news[key(b)].append(b)
        matches: dict[int, list[tuple[Message, Message]]] = defaultdict(list)
        for a in self.olds:
            if a.dynamic or not a.conditions:
                continue
            for b in news.get(key(a), ()):
                args_a = [p.arg for p in a.template.parts if isinstance(p, Hole)]
                args_b = [p.arg for p in b.template.parts if isinstance(p, Hole)]
                if (args_a and args_a == args_b) or _first_word(_text(a)) == _first_word(_text(b)) != "" \
                        or any(len(w) >= 4 for w in _words(a) & _words(b)) \
                        or tuple(_spaced_all(a.conditions)) == tuple(_spaced_all(b.conditions)):
                    matches[id(a)].append((a, b))
                    matches[id(b)].append((a, b))
        found = [(a, b, max(template_similarity(a.template, b.template), char_similarity(a, b)), "guard")
                 for pairs in matches.values() for a, b in pairs[:1]
                 if len(pairs) == 1 and len(matches[id(a)]) == 1 and len(matches[id(b)]) == 1]
        self._take(list({(id(a), id(b)): (a, b, sim, how) for a, b, sim, how in found}.values()))

    def _helper_candidates(self, a: Message, chunk: str, helpers: dict[str, list[Message]],
                           long_literals: bool) -> list[tuple]:
        """(-similarity, builds differ, a.id, b.id, a, b) for the helper messages the calls in
        `chunk` (C text) hand literals to; with `long_literals`, also any message holding a
        distinctive literal of the chunk (one handed over through a local variable)."""
        # the literals each call of a helper hands it (all of them must be in the helper's
        # message: `dump(fp, s, "RS", "up")` is not the "RS down" one)
        handed = [(m.group(1), tuple(_literals(_call_text(chunk, m.end())))) for m in _CALL.finditer(chunk)
                  if m.group(1) in helpers]
        # a call of a function that hands its literals on to the helper that logs (keepalived 2.3.3:
        # check_valid_nftables_chain_name(strvec, 1, "ipvs chain") -> check_valid_..._name(): close texts only
        for m in _CALL.finditer(chunk):
            if m.group(1) not in helpers and m.group(1) not in _NOT_CALLS:
                literals = tuple(_literals(_call_text(chunk, m.end())))
                if literals:
                    handed.append(("", literals))
        if long_literals:
            handed += [(None, (lit,)) for lit in _literals(chunk) if _alnum(lit) >= DISTINCT_LITERAL]
        out = []
        for helper, literals in handed:
            if sum(_alnum(x) for x in literals) < 3:
                continue
            first = _first_word(" ".join(literals))
            for b in (helpers[helper] if helper else self.news):
                if helper == "" and (b.function == a.function or _alnum(" ".join(literals)) < 3):
                    continue
                view = _literal_view(b)
                if b.dynamic or any(x not in view for x in literals):
                    continue
                s = max(template_similarity(a.template, b.template), char_similarity(a, b))
                # a short constant names the thing the old text started with ("pipe failed" -> "pipe()")
                if s >= SITE_CHAR_THRESHOLD or (helper and first and first == _first_word(_text(a))):
                    out.append((-s, a.build != b.build, a.id, b.id, a, b))
        return out

    def _similar(self) -> None:
        by_file: dict[str, list[Message]] = defaultdict(list)
        for m in self.news:
            by_file[m.file].append(m)
        candidates = []
        for a in self.olds:
            if a.dynamic:
                continue
            function_gone = (a.file, a.function) not in self.new_functions
            for b in by_file.get(a.file, ()):
                if b.dynamic or not (b.function == a.function or function_gone or self._is_new_function(b)):
                    continue
                s = template_similarity(a.template, b.template)
                if s < SIMILARITY_THRESHOLD and b.function != a.function and literal_length(a) >= DISTINCT_LITERAL:
                    # into a new helper, a prefix is often added ("VRRP Error : " + "nftables ... name too
                    # long"): words alone fall just short, characters tell
                    s = char_similarity(a, b) if char_similarity(a, b) >= HELPER_CHAR_THRESHOLD else s
                if s >= SIMILARITY_THRESHOLD:
                    line, _ = self._mapped(a, b.file)
                    candidates.append((-s, abs(line - b.line), a.id, b.id, a, b))
        self._take(_best_first(candidates, "similar"))

    def _merges(self, several: bool) -> list[Merge]:
        """N -> 1: old messages a new helper's template matches, or old copies of one template
        (`several`); else 1 -> 1: one old message in a function that is gone, into a helper."""
        merges = []
        by_text: dict[str, list[Message]] = defaultdict(list)
        for m in self.olds:
            by_text[_text(m)].append(m)
        taken: set[int] = set()
        for b in list(self.news):
            if b.dynamic or literal_length(b) < DISTINCT_LITERAL // 2:
                continue
            same = [a for a in by_text.get(_text(b), ()) if id(a) not in taken]
            if several and len(same) > 1 and (literal_length(b) >= DISTINCT_LITERAL or all(self._reason(a, b) for a in same)):
                merges.append(Merge(tuple(same), b, "copies"))
                taken.update(id(a) for a in same)
                continue
            if not any(isinstance(p, Hole) for p in b.template.parts):
                continue
            pattern = _match_pattern(b)
            olds = [a for a in self.olds if id(a) not in taken and not a.dynamic
                    and pattern.fullmatch(_literal_view(a)) and _text(a) != _text(b)]
            if (len(olds) > 1) if several else (len(olds) == 1 and ((olds[0].file, olds[0].function) not in self.new_functions
                                                                     or self._is_new_function(b))):
                merges.append(Merge(tuple(olds), b, "helper"))
                taken.update(id(a) for a in olds)
        merged_new = {id(m.new) for m in merges}
        self.olds = [m for m in self.olds if id(m) not in taken]
        self.news = [m for m in self.news if id(m) not in merged_new]
        single = [m for m in merges if len(m.olds) == 1]
        self.pairs += [(m.olds[0], m.new, 1.0, "helper") for m in single]
        return [m for m in merges if len(m.olds) > 1]


def _best_first(candidates: list, how: str) -> list[tuple[Message, Message, float, str]]:
    candidates.sort(key=lambda c: c[:4])
    used_a, used_b, found = set(), set(), []
    for neg, _, ida, idb, a, b in candidates:
        if ida in used_a or idb in used_b:
            continue
        used_a.add(ida)
        used_b.add(idb)
        found.append((a, b, -neg, how))
    return found


def literal_length(m: Message) -> int:
    """Letters and digits of a message's literal text: how much it says beyond its holes."""
    return sum(len(re.sub(r"[^A-Za-z0-9]", "", p)) for p in m.template.parts if isinstance(p, str))


_STRING_RUN = re.compile(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*')


def _literals(text: str) -> list[str]:
    """The string literals of a piece of C text (adjacent literals joined), as values."""
    from srcscan.extract.calls import c_string_value

    return [c_string_value(m.group(0)) for m in _STRING_RUN.finditer(text)]


_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "defined"})
_WORD = re.compile(r"[a-z][a-z0-9]{2,}")
# Lines of a changed region searched for the helper call that replaced an old call.
HELPER_REGION = 60


def _call_text(text: str, start: int) -> str:
    """The argument list of a call from just after its `(` (to the matching `)` or the end)."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        i += 1
    return text[start:i]


def _alnum(text: str) -> int:
    return len(re.sub(r"[^A-Za-z0-9]", "", text))


def _function_span(lines: list[str], name: str) -> tuple[int, int] | None:
    """(first, last) 1-based lines of the definition of function `name` in a file's lines:
    from the line its name opens (`name(` at the start of a line, or after the return type)
    to the next line starting with `}`."""
    head = re.compile(rf"^(?:[A-Za-z_][\w\s\*]*?[\s\*])?{re.escape(name)}\s*\(")
    for i, text in enumerate(lines):
        if text and text[0] not in " \t#/*" and head.match(text) and not text.rstrip().endswith(";"):
            if 0 < text.count("{") == text.count("}"):
                return i + 1, i + 1  # `void b(void) { a(); }`
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("}"):
                    return i + 1, j + 1
                if lines[j].rstrip().endswith(";") and j == i + 1 and "{" not in lines[j]:
                    break  # a declaration spread over two lines
            else:
                return None
    return None


_CAST = re.compile(r"\((?:const\s+|unsigned\s+|signed\s+)*[A-Za-z_]\w*(?:\s*\*)*\)\s*(?=[-\w(])")


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


def _match_pattern(m: Message) -> re.Pattern:
    """A new template as a pattern over old texts: each hole takes any text (or an old hole)."""
    return re.compile("".join(re.escape(p) if isinstance(p, str) else ".+?" for p in m.template.parts), re.S)


def build_formula(text: str) -> Any:
    """A build condition as a normalised boolean formula (sympy), so that equal conditions
    written differently compare equal; the text itself when it does not parse."""
    if not text:
        return True
    return _formula(text)


_FORMULAS: dict[str, Any] = {}


def _formula(text: str) -> Any:
    if text in _FORMULAS:
        return _FORMULAS[text]
    from sympy import Symbol
    from sympy.logic.boolalg import simplify_logic
    from sympy.parsing.sympy_parser import parse_expr

    atoms: dict[str, Symbol] = {}

    def atom(t: str) -> str:
        t = re.sub(r"\s+", "", t)
        t = re.sub(r"^defined\(?(\w+)\)?$", r"defined(\1)", t)
        name = f"a{len(atoms)}" if t not in atoms else atoms[t].name
        atoms.setdefault(t, Symbol(name))
        return atoms[t].name

    try:
        expr = _atomize(text, atom)
        value = simplify_logic(parse_expr(expr, local_dict={s.name: s for s in atoms.values()}), form="dnf")
        names = {s.name: t for t, s in atoms.items()}
        result: Any = str(value.subs({Symbol(k): Symbol(v) for k, v in names.items()}))
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
