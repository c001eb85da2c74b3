"""The matcher: the passes of srcscan.diff's docstring over two catalogs' messages, with the
site evidence they share (line mapping, offsets, order of repeats). Passes that pair by the
call's place are in srcscan.diff.sites, the N -> 1 passes in srcscan.diff.merges."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from srcscan.catalog import Catalog, Message
from srcscan.diff.checks import _CheckPasses
from srcscan.diff.folds import _FoldPasses
from srcscan.diff.merges import _MergePasses
from srcscan.diff.model import FileTexts, Merge
from srcscan.diff.sites import _best_first, _SitePasses
from srcscan.diff.rewrites import _RewritePasses
from srcscan.diff.splits import Split, _BuildTwinPass, _SplitPasses
from srcscan.diff.text import (DISTINCT_LITERAL, SIMILARITY_THRESHOLD, HELPER_CHAR_THRESHOLD, SAME_FUNCTION_CHAR_THRESHOLD,
                               LineMap, _sorted, _text, _spaced, _uncast, char_similarity, literal_length,
                               numerically_impossible)
from srcscan.formats.template import template_similarity

class _Matcher(_SplitPasses, _BuildTwinPass, _SitePasses, _MergePasses, _RewritePasses, _FoldPasses, _CheckPasses):
    """The passes of the module docstring over two catalogs' messages."""

    def __init__(self, old: Catalog, new: Catalog, texts: FileTexts | None) -> None:
        # a message no build compiles (its build bounds a version number from both sides) is
        # written by neither release: no side of a pair
        self.olds, self.news = ([m for m in _sorted(c.messages) if not numerically_impossible(m.build)] for c in (old, new))
        self.all_news = list(self.news)  # self.news: those no pass has taken yet
        self.texts = texts
        self.maps: dict[str, LineMap | None] = {}
        self.offsets: dict[str, int] = {}
        self.new_functions = {(m.file, m.function) for m in new.messages}
        self.old_functions = {(m.file, m.function) for m in old.messages}
        self.new_files = {m.file for m in new.messages} | {f.path for f in new.files}
        self.pairs: list[tuple[Message, Message, float, str]] = []
        self.splits: dict[int, Split] = {}  # id of a new message of a build split -> what it is compared with

    def run(self) -> tuple[list[tuple[Message, Message, float, str]], list[Merge]]:
        self._build_splits()
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
        merges += self._checks_into_helper()  # before a copy of one of their texts elsewhere takes them
        merges += self._duplicates() + self._folded()
        self._rewritten_in_place()  # what is left of one function's old and new messages
        merges += self._folded_traces() + self._reworded_beside_copy()
        merges = self._shared(merges)  # what is left, into a function its siblings' messages now share
        self._build_twins()  # another build's copy of a paired new message
        merges = self._one_site(merges)
        merges = self._sites_into_one(merges)  # (before self.pairs is read: it takes pairs)
        merges = self._folded_disjuncts(merges)
        merges = self._folded_into_prefix(merges)
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
        copies), then the most innermost conditions in common (a switch's error handling taken
        out of its loop into a helper keeps each copy's own test: lighttpd 1.4.79's
        mod_wolfssl_write_err() `SSL: %d %d %s` under `0 != (err = ERR_get_error())` and under
        `(err = ERR_get_error())`), then equal conditions (and build), then the
        offset-corrected distance."""
        line, exact = self._mapped(a, b.file)
        same_site = exact and line == b.line and self._mapped(a, b.file, a.line - 1) == (b.line - 1, True)
        return (not same_site, -_common_innermost(a, b), a.conditions != b.conditions, a.build != b.build,
                abs(line - b.line))

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
                if b.function != a.function and literal_length(a) < DISTINCT_LITERAL and not self._now_calls(a, b.function):
                    # too little text to tell, unless the old function now calls the new one (a
                    # helper taken out of it): lighttpd 1.4.69's network_init_ssl() `SSL: %s %s`
                    # is not 1.4.79's ECH key loader's `SSL: %s: %s`
                    continue
                s = template_similarity(a.template, b.template)
                if s < SIMILARITY_THRESHOLD and literal_length(a) >= DISTINCT_LITERAL:
                    # into a new helper, a prefix is often added ("VRRP Error : " + "nftables ... name too
                    # long"): words alone fall just short, characters tell; in the same function, a
                    # prefix and a contraction spelled out (lighttpd 1.4.85's `Couldn't decode range
                    # after filename: %s` -> `X-Sendfile2: could not decode range after filename: %s`,
                    # 0.57 on words, 0.81 on characters)
                    bar = HELPER_CHAR_THRESHOLD if b.function != a.function else SAME_FUNCTION_CHAR_THRESHOLD
                    s = char_similarity(a, b) if char_similarity(a, b) >= bar else s
                if s >= SIMILARITY_THRESHOLD:
                    line, _ = self._mapped(a, b.file)
                    candidates.append((-s, abs(line - b.line), a.id, b.id, a, b))
        self._take(_best_first(candidates, "similar"))


def _common_innermost(a: Message, b: Message) -> int:
    """How many of the two messages' conditions, innermost first, read the same (white space
    and casts aside) before the first that differs."""
    n = 0
    for x, y in zip(reversed(a.conditions), reversed(b.conditions)):
        if _uncast(x) != _uncast(y):
            break
        n += 1
    return n
