"""Passes of the matcher that pair by the call's place: the line mapping puts the old call on
the new one (a rewording in place), the old place now calls a helper that logs, the same
guard of the same function, and copies of one template moved to other files."""

from __future__ import annotations

import difflib
from collections import defaultdict

from srcscan.catalog import Message
from srcscan.diff.model import Merge
from srcscan.diff.text import (DISTINCT_LITERAL, HELPER_REGION, SIMILARITY_THRESHOLD, SITE_CHAR_THRESHOLD, _CALL, _NOT_CALLS, _alnum,
                               _call_text, _first_word, _function_span, _guard_overlap, _literal_view, _literals,
                               _WORD, _sorted, _spaced_all, _text, _uncast, _words, char_similarity)
from srcscan.formats.template import Hole, template_similarity
from srcscan.textcalls import enclosing_function


class _SitePasses:
    """Mixin of srcscan.diff.passes._Matcher (uses its olds, news, texts, _map, _take, _calls,
    _is_new_function)."""

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
                words = template_similarity(a.template, b.template)
                s = max(words, char_similarity(a, b))
                # close by characters only: the same first word or the same values too ("fcntl" ->
                # "fcntl()"; not keepalived's "Master advert int = %.2f sec" -> "Roger adver interval")
                if s >= SITE_CHAR_THRESHOLD and (words >= SIMILARITY_THRESHOLD or _first_word(_text(a)) == _first_word(_text(b))
                                                 or _same_values(a, b)) \
                        and (words >= SIMILARITY_THRESHOLD or not self._closer_in_new_helper(a, s)):
                    candidates.append((-s, abs(line - b.line), a.id, b.id, a, b))
        self._take(_best_first(candidates, "site"))

    def _closer_in_new_helper(self, a: Message, s: float) -> bool:
        """Is there, for old message a, a message much closer than `s` (>= 0.8 and above `s`)
        in a function that wrote nothing before and that a's function now calls? Then a went
        into that helper, and a new message at its old place that only shares a first word is
        another one: lighttpd 1.4.85's http_response_xsendfile2() writes `X-Sendfile2: could
        not decode range after filename: %s` where 1.4.79 wrote `X-Sendfile2 invalid UTF-8
        after url-decode: %s`, which went into http_response_xsendfile_path_check() (`X-Sendfile:
        invalid UTF-8 after url-decode: %s`)."""
        for h in self.all_news:  # taken or not
            if h.file == a.file and h.function != a.function and not h.dynamic and self._is_new_function(h):
                close = max(template_similarity(a.template, h.template), char_similarity(a, h))
                if close >= 0.8 and close > s and self._calls(a.file, a.function, h.function):
                    return True
        return False

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
        anywhere: set[int] = set()  # old messages whose candidates are from anywhere in their function
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
                    wide = [c for c in self._helper_candidates(a, "\n".join(new_lines[span[0] - 1: span[1]]), helpers,
                                                               long_literals=False) if -c[0] >= SIMILARITY_THRESHOLD
                            or _first_word(_text(a)) == _first_word(_text(c[5])) != "" or _reworded_words(a, (_text(c[5]),))]
                    if len({_text(c[5]) for c in wide}) == 1:
                        found_here = wide
                        anywhere.add(id(a))
            candidates += found_here
        # each old message into its best helper message; several into one are a merge, but one
        # found anywhere in its function only if no other old message of the function (found at
        # its place, else closer) takes that helper message: lighttpd 1.4.79 recv_rfc_6455()'s
        # `type is invalid` is where 1.4.85 hands wstunnel_err() "frame type invalid", its `BUG:
        # invalid frame type` elsewhere is not
        candidates.sort(key=lambda c: c[:4])
        best: dict[str, tuple] = {}
        for c in candidates:
            best.setdefault(c[2], c)
        taken_in: set[tuple] = set()
        into: dict[int, list[tuple]] = defaultdict(list)
        for c in sorted(best.values(), key=lambda c: (id(c[4]) in anywhere, c[:4])):
            key = (c[4].file, c[4].function, id(c[5]))
            if id(c[4]) in anywhere and key in taken_in:
                continue
            taken_in.add(key)
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
                # a short constant names the thing the old text started with ("pipe failed" -> "pipe()"),
                # or says most of what the old text said in other order (_reworded_words)
                if s >= SITE_CHAR_THRESHOLD or (helper and first and first == _first_word(_text(a))) \
                        or (helper and _reworded_words(a, literals)):
                    out.append((-s, a.build != b.build, a.id, b.id, a, b))
        return out


def _reworded_words(a: Message, literals: tuple[str, ...]) -> bool:
    """Do the literals a helper call is handed hold two or more of the old text's words, and
    at least two thirds of them, in any order? (lighttpd 1.4.79 recv_ietf_00()'s `recv invalid
    frame`, at the place where 1.4.85 calls wstunnel_err(hctx, 1002, "frame type invalid").)"""
    old = _words(a)
    handed = {w for lit in literals for w in _WORD.findall(lit.lower())}
    shared = len(old & handed)
    return shared >= 2 and 3 * shared >= 2 * len(old)


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


def _same_values(a: Message, b: Message) -> bool:
    """Do the two messages print the same arguments (at least one, each known), in order?"""
    args_a = [p.arg for p in a.template.parts if isinstance(p, Hole)]
    args_b = [p.arg for p in b.template.parts if isinstance(p, Hole)]
    return bool(args_a) and all(args_a) and all(args_b) and [" ".join(x.split()) for x in args_a] == [" ".join(y.split()) for y in args_b]
