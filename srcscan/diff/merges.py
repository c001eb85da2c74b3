"""Passes of the matcher that make N -> 1 merges: old copies of one template into one new
message, old messages a new helper's template matches, and leftovers whose text a paired new
message still writes."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from srcscan.catalog import Message
from srcscan.diff.model import Change, Merge
from srcscan.diff.text import (DISTINCT_LITERAL, SIMILARITY_THRESHOLD, SITE_CHAR_THRESHOLD, _WORD, _first_word, function_span,
                               _literal_view, _literals, _match_pattern, _site, _text, _uncast, _words,
                               char_similarity, literal_length)
from srcscan.formats.template import Hole, template_similarity
from srcscan.preprocessor import blank_comments_and_literals
from srcscan.textcalls import enclosing_function

# How close (words or characters) an old message must be to a sibling in another function for
# the two to be one message the functions now share (`X-Sendfile (%s) not under ...` and
# `X-Sendfile2 (%s) not under ...`: 0.94 on words, 0.99 on characters).
SHARED_SIBLING = 0.8


class _MergePasses:
    """Mixin of srcscan.diff.passes._Matcher (uses its olds, news, pairs, texts, _take)."""

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
                # the same text (white space aside) counts when it says enough: the release still
                # writes it, whatever became of this copy's function (lighttpd 1.4.79 keeps one
                # `compress failed.` of two, the mmap path's copy went into `#if 0`; one `SSL:Private
                # key does not match ...` of 1.4.69's `SSL:` and `SSL: ` copies); a generic `%s = %s`
                # left over is another case that went (1.4.79's ssl.ca-crl-file case of mod_gnutls)
                same = "".join(_text(b).split()) == "".join(_text(a).split()) and literal_length(a) >= DISTINCT_LITERAL // 2
                if same and self._still_defined(a) and not self._now_calls(a, b.function):
                    continue  # its function is still there, neither writes it nor calls b's (`#if 0`): removed
                # a message of a copy's text: a copy whose function no longer logs went with it
                # (deleted, or into `#if 0`), unless into a new helper or the function now calls it
                if not same and (a.file, a.function) not in self.new_functions and not self._is_new_function(b) \
                        and not self._now_calls(a, b.function):
                    continue
                if same or (literal_length(b) >= DISTINCT_LITERAL // 2 and any(isinstance(p, Hole) for p in b.template.parts)
                            and _match_pattern(b).fullmatch(view)):
                    into.setdefault(id(b), (b, []))[1].append(a)
                    break
        merges = [Merge(tuple(olds), b, "duplicate") for b, olds in into.values()]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return self._with_partners(merges)

    def _with_partners(self, merges: list[Merge]) -> list[Merge]:
        """Each merge with the old message its new one was paired with: every old copy is
        listed (lighttpd 1.4.79's chunk.c:903 `close() temp-file %s failed` is the one of
        chunk.c:810 and :838), and the pair is no change or move of its own."""
        into = {id(m.new) for m in merges}
        partners: dict[int, list[tuple[Message, Message, float, str]]] = defaultdict(list)
        for p in self.pairs:
            if id(p[1]) in into:
                partners[id(p[1])].append(p)
        self.pairs = [p for p in self.pairs if id(p[1]) not in into]
        out = []
        for m in merges:
            if not partners[id(m.new)]:
                out.append(m)
                continue
            (a, b, similarity, how), *_ = partners[id(m.new)]
            olds = tuple(sorted(m.olds + tuple(p[0] for p in partners[id(m.new)]), key=lambda o: (o.file, o.line, o.id)))
            # the pair's old message is still the new one's text (srcscan.history keeps its id)
            out.append(replace(m, olds=olds, survivor=a, texts=m.texts + (Change(a, b, (), similarity, how),)))
        return out

    def _still_defined(self, a: Message) -> bool:
        """Is a's function gone from the new catalog while the new text of its file still
        defines it? (lighttpd 1.4.79 keeps mod_deflate_file_chunk_mmap() under `#if 0`: its
        `compress failed.` is removed, though the other copy still writes that text.)"""
        if (a.file, a.function) in self.new_functions or self.texts is None:
            return False
        text = self.texts("new", a.file)
        return bool(text) and function_span(text, a.function) is not None

    def _now_calls(self, a: Message, name: str) -> bool:
        """Does a's function, in the new text of a's file, call `name`?"""
        return self._calls(a.file, a.function, name)

    def _calls(self, file: str, function: str, name: str) -> bool:
        """Does `function`, in the new text of `file`, call `name`? (Each `name(` outside a
        declaration, in the function whose definition opens nearest above it.)"""
        text = self.texts("new", file) if self.texts is not None else None
        if not text:
            return False
        lines = text.split("\n")
        for m in re.finditer(rf"\b{re.escape(name)}\s*\(", text):
            line = text.count("\n", 0, m.start()) + 1
            before = lines[line - 1][: m.start() - (text.rfind("\n", 0, m.start()) + 1)]
            if before[:1] not in (" ", "\t") and re.fullmatch(r"[\w\s*]*", before):
                continue  # its own definition or declaration (`static int name(...`)
            if enclosing_function(lines, line) == function:
                return True
        return False

    def _writes_literal(self, file: str, function: str, b: Message) -> bool:
        """Is the longest literal piece of b's text written in `function` of the new text of
        `file`? (A helper's text filled with its callers' constants is one caller's: lighttpd
        1.4.85's wstunnel_err() writes `frame size has exceeded 0xfffff` for recv_ietf_00(),
        not for recv_rfc_6455(), which calls it too.)"""
        text = self.texts("new", file) if self.texts is not None else None
        pieces = [p for p in b.template.parts if isinstance(p, str)]
        if not text or not pieces:
            return False
        piece = max(pieces, key=len)
        lines = text.split("\n")
        at = text.find(piece)
        while at >= 0:
            if enclosing_function(lines, text.count("\n", 0, at) + 1) == function:
                return True
            at = text.find(piece, at + 1)
        return False

    def _shared(self, merges: list[Merge]) -> list[Merge]:
        """Old messages left over whose close sibling in another function of the file (the
        same text, or similarity >= SHARED_SIBLING; or a copy of the same text in its own
        function) went into a message of a function the two now share: a new helper their
        function calls, or the dispatcher that calls it. The
        left-over message joins its sibling's (N -> 1, "shared"), when its own text is still
        close to the new one (>= SIMILARITY_THRESHOLD), the new one's function wrote nothing
        before (and, a helper writing one text per caller's constant, the left-over one's
        function hands it this text: _writes_literal), and one new message is so named.
        lighttpd 1.4.85 moved the docroot check of http_response_xsendfile() (`X-Sendfile (%s)
        not under configured x-sendfile-docroot(s)`) and of http_response_xsendfile2()
        (`X-Sendfile2 (%s) ...`) into http_response_xsendfile_path_check(), which both call
        (`X-Sendfile: file not under configured x-sendfile-docroot(s): %s`); mod_wstunnel's
        send_ietf_00() and send_rfc_6455() each wrote `send data to client (fd=%d), frame
        size=%zx`, now mod_wstunnel_frame_send(), which calls them, writes `send to client
        (fd=%d), frame type=%s, payload size=%zu`; recv_ietf_00()'s two `frame size has been
        exceeded: %x` copies (one per branch) are one check calling wstunnel_err() (`frame
        size has exceeded 0xfffff`)."""
        known = [(a, b) for a, b, _, _ in self.pairs] + [(o, m.new) for m in merges for o in m.olds]
        paired_sites = {_site(a) for a, _ in known}
        site_texts: dict[tuple, int] = defaultdict(int)
        for b in self.all_news:
            site_texts[_site(b)] += 1
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            if a.dynamic or literal_length(a) < DISTINCT_LITERAL or _site(a) in paired_sites:
                continue  # (a text of a paired call site is that site's)
            found = {id(b): b for o, b in known
                     if o.file == a.file and (o.function != a.function or _text(o) == _text(a))
                     and b.function != a.function and not b.dynamic
                     and self._is_new_function(b)
                     and max(template_similarity(a.template, o.template), char_similarity(a, o)) >= SHARED_SIBLING
                     and max(template_similarity(a.template, b.template), char_similarity(a, b)) >= SIMILARITY_THRESHOLD
                     and (self._calls(a.file, a.function, b.function) or self._calls(b.file, b.function, a.function))
                     and (site_texts[_site(b)] == 1 or self._writes_literal(a.file, a.function, b))}
            if len(found) == 1:
                (b,) = found.values()
                into.setdefault(id(b), (b, []))[1].append(a)
        self._traces_into_holes(known, into, paired_sites)
        if not into:
            return merges
        taken = {id(a) for _, olds in into.values() for a in olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        out = []
        for m in merges:  # a sibling already merged: the left-over ones join that merge
            olds = into.pop(id(m.new), (None, []))[1]
            out.append(replace(m, olds=tuple(sorted(m.olds + tuple(olds), key=lambda a: (a.file, a.line, a.id))))
                       if olds else m)
        return out + self._with_partners([Merge(tuple(olds), b, "shared") for b, olds in into.values()])

    def _traces_into_holes(self, known: list[tuple[Message, Message]], into: dict[int, tuple[Message, list[Message]]],
                           paired_sites: set[tuple]) -> None:
        """Old traces left over whose every word the new message that took a sibling of their
        function (in a function the two now share, as _shared) still writes: in its literal
        text, or among the constants of the array one of its holes indexes. lighttpd 1.4.79's
        send_rfc_6455() traced `type = text` (binary, ping, pong, close) and `payload size=%x`
        beside `send data to client (fd=%d), frame size=%zx`; 1.4.85's mod_wstunnel_frame_send(),
        which calls it, writes one `send to client (fd=%d), frame type=%s, payload size=%zu`,
        the `%s` from mod_wstunnel_frame_type_str[] = {"text", "binary", "close", "ping",
        "pong"}. Adds to `into` (new message id -> (new message, old messages))."""
        taken = {id(a) for _, olds in into.values() for a in olds}
        known = known + [(a, b) for b, olds in into.values() for a in olds]
        for a in self.olds:
            words = _words(a)
            if id(a) in taken or a.dynamic or not words or _site(a) in paired_sites:
                continue
            found = {id(b): b for o, b in known
                     if o.file == a.file and o.function == a.function and o is not a and not b.dynamic
                     and words <= _words(b) | self._hole_constants(b)
                     and (b.function != a.function and self._is_new_function(b)
                          and (self._calls(a.file, a.function, b.function) or self._calls(b.file, b.function, a.function))
                          or b.function == a.function and b.file == a.file and self._case_reaches(a, b))}
            if len(found) == 1:
                (b,) = found.values()
                into.setdefault(id(b), (b, []))[1].append(a)

    def _case_reaches(self, a: Message, b: Message) -> bool:
        """Is old message a a trace under `case X:` of a switch whose new `case X:` (in b's
        function, above b) goes on past the switch (a `break`, or the switch's end, before any
        `return` or `goto` that is a statement of its own)? lighttpd 1.4.79 recv_rfc_6455()
        traced `type = text` under `case MOD_WEBSOCKET_OPCODE_TEXT:`; 1.4.85's case breaks and
        the function then traces `frame type=%s, ...` with the type's name, while its `case
        MOD_WEBSOCKET_OPCODE_CLOSE:` returns first, so `type = close` is not written any more."""
        if self.texts is None:
            return False
        old, new = self.texts("old", a.file), self.texts("new", b.file)
        if not old or not new:
            return False
        label = _case_label(old.split("\n"), a.line)
        if label is None:
            return False
        new = blank_comments_and_literals(new)
        lines = new.split("\n")
        for m in re.finditer(rf"\bcase\s+{re.escape(label)}\s*:", new):
            line = new.count("\n", 0, m.start()) + 1
            if line < b.line and enclosing_function(lines, line) == b.function:
                return _goes_past(new, m.end())
        return False

    def _reworded_beside_copy(self) -> list[Merge]:
        """Old messages left over whose place (the line mapping's changed region, 8 lines or less)
        now holds a new message of their function that took another old copy of its own text,
        a copy not at that place: the old message was reworded into the copy's text and the
        copy dropped (N -> 1, "site"). keepalived 2.2.7's dump_vrrp() wrote `Master advert int
        = %.2f sec` under `if (fp)` and `Master advert interval = %u milli-sec` further down;
        2.3.3 writes the second text where the first was, and no copy further down."""
        if self.texts is None:
            return []
        by_new = {id(b): (a, b) for a, b, _, _ in self.pairs}
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            lines = self._map(a.file) if not a.dynamic else None
            region = lines.region(a.line) if lines is not None else None
            if region is None or region[1] - region[0] > 8:
                continue
            here = [(o, b) for o, b in by_new.values() if b.file == a.file and b.function == a.function
                    and region[0] <= b.line < region[1] and o.function == a.function and _text(o) == _text(b)
                    and not region[0] <= lines.at(o.line)[0] < region[1] and o.line != a.line
                    and _first_word(_text(a)) == _first_word(_text(b)) != ""
                    and max(template_similarity(a.template, b.template), char_similarity(a, b)) >= SITE_CHAR_THRESHOLD]
            if len(here) == 1:
                b = here[0][1]
                into.setdefault(id(b), (b, []))[1].append(a)
        merges = [Merge(tuple(olds), b, "site") for b, olds in into.values()]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return self._with_partners(merges)

    def _hole_constants(self, b: Message) -> set[str]:
        """Words of the string constants of the arrays b's holes index (`names[type]`), read
        from the initializer `names[] = { "text", ... }` in the new text of b's file."""
        text = self.texts("new", b.file) if self.texts is not None else None
        out: set[str] = set()
        for p in b.template.parts:
            m = re.match(r"\s*([A-Za-z_]\w*)\s*\[", p.arg or "") if isinstance(p, Hole) else None
            if m and text:
                init = re.search(rf"\b{re.escape(m.group(1))}\s*\[[^\]]*\]\s*=\s*\{{([^}}]*)\}}", text)
                if init:
                    out |= {w for literal in _literals(init.group(1)) for w in _WORD.findall(literal.lower())}
        return out

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

    def _folded(self) -> list[Merge]:
        """Old checks folded into another message of the same function: the old message is
        left over, and a paired new message of its function writes the same values (two
        holes or more, the same arguments in any order), and the new one's innermost guard is
    written in one of the old one's guards.
        keepalived 2.2.7's vrrp_check_packet() had an early `(%s) received an unexpected ip
        number count %u, expected %u!` (vrrp->iname, hd->naddr, vrrp->vip_cnt, under
        `check_vip_addr && hd->naddr != vrrp->vip_cnt`) besides the later `(%s) expected %u
        VIPs but received %u`; 2.3.3 keeps the later one only, under `hd->naddr != vrrp->vip_cnt`."""
        paired = [b for _, b, _, _ in self.pairs if not b.dynamic]
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            args = _hole_args(a)
            if a.dynamic or len(args) < 2 or "" in args or not a.conditions or literal_length(a) < DISTINCT_LITERAL:
                continue
            same = [b for b in paired if b.file == a.file and b.function == a.function and _hole_args(b) == args
                    and b.conditions and any(_uncast(b.conditions[-1]) in _uncast(c) for c in a.conditions)]
            if len(same) == 1:
                into.setdefault(id(same[0]), (same[0], []))[1].append(a)
        merges = [Merge(tuple(olds), b, "folded") for b, olds in into.values()]
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        return self._with_partners(merges)

    def _one_site(self, merges: list[Merge]) -> list[Merge]:
        """A "merge" of the texts of one old call site into one new message is that site
        changing what it writes, wherever the new one is (keepalived's open_dump_file() wrote
        `Can't open dump file keepalived_bfd.data ...` etc., one text per caller's constant;
        2.3.3 builds the name at run time: `Can't open dump file %s ...`; 2.2.7's
        check_parser.c:78 `SSL %s already specified - replacing`, one text per caller, is
        2.3.3's set_string() call writing `Duplicate %s - overwriting %s with %s`): the
        closest old text pairs with it, the others are left as texts the site no longer writes."""
        kept = []
        for m in merges:
            olds = m.olds
            if len(olds) > 1 and len({_site(a) for a in olds}) == 1:
                if any(b is m.new for _, b, _, _ in self.pairs):  # the site is paired already
                    self.olds += list(olds)
                    continue
                best = max(olds, key=lambda a: (char_similarity(a, m.new), -a.line))
                self.pairs.append((best, m.new, round(char_similarity(best, m.new), 3), "site"))
                self.olds += [a for a in olds if a is not best]
            else:
                kept.append(m)
        return kept


_CASE = re.compile(r"^\s*(?:case\s+(\w+)|default)\s*:")
_STATEMENT_END = re.compile(r"[;{}:]\s*$")


def _case_label(lines: list[str], line: int) -> str | None:
    """The `case X:` label nearest above 1-based `line` (None: `default:`, or none within the
    function)."""
    for i in range(line - 2, -1, -1):
        m = _CASE.match(lines[i])
        if m:
            return m.group(1)
        if lines[i].startswith("{") or lines[i].startswith("}"):
            return None
    return None


def _goes_past(text: str, start: int) -> bool:
    """From just after a `case X:` label: does control reach a `break` (or the switch's
    closing brace) before a `return`/`goto` written as a statement of its own? Other case
    labels fall through; a `return` after `if (...)` is conditional and does not count."""
    depth = 0
    for m in re.finditer(r"\b(break|return|goto)\b|[{}]", text[start:]):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return True
        elif depth == 0:
            before = text[start: start + m.start()]
            if token == "break":
                return True
            if not before.strip() or _STATEMENT_END.search(before):
                return False
    return False


def _hole_args(m: Message) -> list[str]:
    """The arguments a message's holes print, sorted ("" for a hole whose argument is unknown)."""
    return sorted(" ".join((p.arg or "").split()) for p in m.template.parts if isinstance(p, Hole))
