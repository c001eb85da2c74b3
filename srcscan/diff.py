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
    def pairs(self) -> list[tuple[Message, Message]]:
        """Every (old, new) the matcher made, merges included: what a message id follows."""
        out = list(self.kept) + [(c.old, c.new) for c in self.changed + self.moved]
        out += [(o, m.new) for m in self.merged for o in m.olds]
        return out


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
    for a, b, similarity, how in pairs:
        fields = tuple(name for name, get in FIELDS if get(a) != get(b))
        if fields:
            same_guards = a.conditions == b.conditions and a.build == b.build
            analysis = tuple(f for f in fields if f in ANALYSIS_FIELDS) if same_guards else ()
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
        self._by_key(lambda m: (m.file, _spaced(m)), "respaced")
        self._unique_anywhere(_spaced, "respaced")
        # Merges before similarity: one old copy would take the helper's message.
        merges = self._merges(several=True) + self._copies_reworded()
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
        paired = [b for _, b, _, _ in self.pairs if not b.dynamic]
        by_file: dict[str, list[Message]] = defaultdict(list)
        for b in paired:
            by_file[b.file].append(b)
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            if a.dynamic:
                continue
            view = _literal_view(a)
            for b in by_file.get(a.file, ()):
                if _text(b) == _text(a) or (literal_length(b) >= DISTINCT_LITERAL // 2 and any(isinstance(p, Hole) for p in b.template.parts)
                                            and _match_pattern(b).fullmatch(view)):
                    into.setdefault(id(b), (b, []))[1].append(a)
                    break
        merges = [Merge(tuple(olds), b, "duplicate") for b, olds in into.values()]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return merges

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
        self._at_helper_call()

    def _at_helper_call(self) -> None:
        """An old call whose place now holds a call handing a literal to a helper, whose
        message (one per constant its callers pass) writes that literal: lighttpd's
        `log_error(..., "unexpected end-of-file (perhaps the ajp13 process died):pid: %d ...")`
        became `gw_backend_error_trace(hctx, r, "unexpected end-of-file (perhaps the ajp13
        process died)")`, whose message is in gw_backend.c."""
        if self.texts is None:
            return
        candidates = []
        for a in self.olds:
            lines = self._map(a.file)
            text = self.texts("new", a.file) if lines is not None and not a.dynamic else None
            if text is None:
                continue
            line, _ = lines.at(a.line)
            window = "\n".join(text.split("\n")[max(0, line - 4): line + 3])
            for literal in _literals(window):
                if len(re.sub(r"[^A-Za-z0-9]", "", literal)) < DISTINCT_LITERAL:
                    continue
                for b in self.news:
                    if not b.dynamic and literal in _literal_view(b):
                        s = max(template_similarity(a.template, b.template), char_similarity(a, b))
                        if s >= SITE_CHAR_THRESHOLD:
                            candidates.append((-s, 0, a.id, b.id, a, b))
        self._take(_best_first(candidates, "helper-call"))

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

    return {
        "schema": DIFF_SCHEMA,
        "with": list(with_options),
        "old": side(d.old),
        "new": side(d.new),
        "added": [message(m, "new") for m in d.added],
        "removed": [message(m, "old") for m in d.removed],
        "changed": [change(c) for c in d.changed],
        "moved": [change(c) for c in d.moved],
        "merged": [merge(m) for m in d.merged],
    }
