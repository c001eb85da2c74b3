"""Passes of the matcher for N -> M rewrites inside one function: what is left of a function's
old messages after every other pass, against what is left of its new ones.

lighttpd 1.4.85 rewrote mod_openssl_write_err(): the old switch logged `SSL: %d %d %s` per
queued error (twice: SSL_ERROR_SYSCALL and default), `SSL: %d %d` under `switch (errno)
default:` and `SSL (error): %d %d`; the new one logs `SSL: addr:%s ssl_err:%d wr:%d errno:%d`
at the place of the errno one and calls elogc() (`SSL: addr:%s ssl_err:%d %s`) after the
switch. Texts that short share too little to pair by similarity; where the line mapping puts
them (a few lines apart, in the same function, the same first word) does. mod_wstunnel.c's
recv_rfc_6455() folded three `specified payload size=%llx` traces into one `frame type=%s,
specified payload size=%llu`; recv_ietf_00() the `got continuous payload` trace into the
`recv payload, size=%u` of its sibling `got final payload`."""

from __future__ import annotations

import re
from collections import defaultdict

from srcscan.catalog import Message
from srcscan.diff.model import Merge
from srcscan.diff.text import (DISTINCT_LITERAL, SIMILARITY_THRESHOLD, _alnum, _first_word, _literal_view, _negated,
                               _other_branch, _text, _words,
                               char_similarity)
from srcscan.formats.template import template_similarity
from srcscan.textcalls import enclosing_guards

# Lines between where the line mapping puts an old call and a new call of the same function
# for them to be one rewritten call (mod_openssl_write_err's elogc() call: 3 lines below).
REWRITE_WINDOW = 8


class _RewritePasses:
    """Mixin of srcscan.diff.passes._Matcher (uses its olds, news, pairs, _mapped, _take,
    _with_partners)."""

    def _rewritten_in_place(self) -> None:
        """Old and new messages left in one function (on both sides), with the same first
        word or a shared word of four letters or more (`send-file error: couldn't get
        stat_cache entry for X-Sendfile2: %s` -> `X-Sendfile2: could not open/fstat: %s`), the
        new call within REWRITE_WINDOW lines of where the line mapping puts the old one, neither under the negation of a guard of the other: each the other's nearest such
        message (no tie; then the closer text) is one call rewritten. Not keepalived 2.3.3's
        `   Master advert int = %.2f sec` (under `vrrp->state == VRRP_STATE_BACK`) -> `   Rogue
        master counter = %u` (under `!(vrrp->state == VRRP_STATE_BACK)`): another branch. Nor
        an old message much closer to one of a new helper its function now calls
        (_closer_in_new_helper)."""
        news: dict[tuple[str, str], list[Message]] = defaultdict(list)
        for b in self.news:
            if not b.dynamic:
                news[(b.file, b.function)].append(b)
        near: dict[int, list[tuple[tuple[int, float], Message]]] = defaultdict(list)  # by old and by new message
        for a in self.olds:
            if a.dynamic:
                continue
            line, _ = self._mapped(a, a.file)
            for b in news.get((a.file, a.function), ()):
                close = max(template_similarity(a.template, b.template), char_similarity(a, b))
                if _a_word_kept(a, b) and abs(line - b.line) <= REWRITE_WINDOW and not _contradict(a, b) \
                        and not self._closer_in_new_helper(a, close):
                    # nearest first, then the closest text (four old traces mapped onto one line)
                    rank = (abs(line - b.line), -round(close, 3))
                    near[id(a)].append((rank, b))
                    near[id(b)].append((rank, a))

        def nearest(m: Message) -> Message | None:
            found = sorted(near.get(id(m), ()), key=lambda c: c[0])
            if not found or (len(found) > 1 and found[0][0] == found[1][0]):
                return None
            return found[0][1]

        found = []
        for a in self.olds:
            b = nearest(a)
            if b is not None and nearest(b) is a:
                found.append((a, b, round(max(template_similarity(a.template, b.template), char_similarity(a, b)), 3),
                              "rewritten"))
        self._take(found)

    def _other_branch(self, a: Message, o: Message) -> bool:
        """Are a and o in two branches of one `if`: under the same guards but one, which one of
        them tests and the other negates, or so up to that guard and then any guards of their
        own when the old text shows each inside a branch of one `if ... else` chain (lighttpd
        1.4.79's mod_openssl_write_err() wrote `SSL (error): %d %d` in the `else {` and `SSL:
        %d %d` in the `else if (wr == -1) {`, under the `default:` of a `switch (errno)`; a
        message after an early exit `if (x) { ...; break; }` is under `!(x)` too, in no
        branch of it)."""
        if _other_branch(a, o):
            return True
        for x, y in zip(a.conditions, o.conditions):
            if " ".join(x.split()) != " ".join(y.split()):
                if not _negated(x, y):
                    return False
                break
        else:
            return False
        text = self.texts("old", a.file) if self.texts is not None else None
        if not text:
            return False
        lines = text.split("\n")
        heads = [enclosing_guards(lines, m.line) for m in (a, o)]
        k = 0
        while k < min(map(len, heads)) and heads[0][k] == heads[1][k]:
            k += 1
        if k >= min(map(len, heads)):
            return False
        first = [h[k] for h in heads]
        return all(_BRANCH_HEAD.match(h) for h in first) and any(re.match(r"^(?:\}\s*)?else\b", h) for h in first)

    def _folded_traces(self) -> list[Merge]:
        """Old messages left in a function folded into a new message of it: one whose literal
        text (holes aside, DISTINCT_LITERAL letters and digits or more) the new text writes
        whole (`specified payload size=%llx` in `frame type=%s, specified payload size=%llu`),
        when one new message of the function does; or a close sibling (similarity >=
        SIMILARITY_THRESHOLD) in the other branch of one `if` (the same guards but one, negated)
        of an old message the function's rewording took (`got continuous payload, size=%x`
        under `mem == NULL`, `got final payload, size=%zx` under `!(mem == NULL)` -> `recv
        payload, size=%u`), or the same text as one (both `SSL: %d %d %s` loops -> elogc());
        only when one new message is so named."""
        news: dict[tuple[str, str], list[Message]] = defaultdict(list)
        for b in self.news:
            if not b.dynamic:
                news[(b.file, b.function)].append(b)
        reworded = [(a, b) for a, b, _, how in self.pairs if how in ("similar", "site", "guard", "rewritten")
                    and a.function == b.function and a.file == b.file and _text(a) != _text(b)]
        into: dict[int, tuple[Message, list[Message]]] = {}
        left = [a for a in self.olds if not a.dynamic and (a.file, a.function) in self.new_functions]
        for a in left:
            view = _literal_view(a).strip(" \x00")
            holders = [b for b in news.get((a.file, a.function), ()) if _alnum(view) >= DISTINCT_LITERAL
                       and view in _literal_view(b) and _text(b) != _text(a)]
            if len(holders) == 1:
                into.setdefault(id(holders[0]), (holders[0], []))[1].append(a)
        taken = {id(a) for _, olds in into.values() for a in olds}
        while True:  # a sibling of a sibling folded in goes with it
            known = reworded + [(o, b) for b, olds in into.values() for o in olds]
            more = False
            for a in left:
                if id(a) in taken:
                    continue
                # each new message by its best old sibling: the same text, else the closest text
                # in the other branch of an `if`
                siblings: dict[int, tuple[tuple[int, float], Message]] = {}
                for o, b in known:
                    if o.file != a.file or o.function != a.function:
                        continue
                    rank = (1, 1.0) if _text(a) == _text(o) else (0, template_similarity(a.template, o.template))
                    if (rank[0] or (rank[1] >= SIMILARITY_THRESHOLD and self._other_branch(a, o))) \
                            and rank > siblings.get(id(b), ((-1, 0.0), b))[0]:
                        siblings[id(b)] = (rank, b)
                best = sorted(siblings.values(), key=lambda s: s[0], reverse=True)
                if best and (len(best) == 1 or best[0][0] > best[1][0]):
                    b = best[0][1]
                    into.setdefault(id(b), (b, []))[1].append(a)
                    taken.add(id(a))
                    more = True
            if not more:
                break
        paired = {id(b) for _, b, _, _ in self.pairs}
        merges = [Merge(tuple(olds), b, "folded") for b, olds in into.values() if len(olds) > 1 or id(b) in paired]
        # one old text the new one writes whole, nothing else into it: a rewording
        self._take([(olds[0], b, round(char_similarity(olds[0], b), 3), "contained") for b, olds in into.values()
                    if len(olds) == 1 and id(b) not in paired])
        taken = {id(a) for m in merges for a in m.olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        merged_new = {id(m.new) for m in merges}
        self.news = [m for m in self.news if id(m) not in merged_new]
        return self._with_partners(merges)


def _negations(guard: str) -> set[str]:
    """A guard's negation as srcscan writes it, and the guard a negation negates."""
    g = " ".join(guard.split())
    out = {f"!({g})", f"!{g}"}
    if g.startswith("!(") and g.endswith(")"):
        out.add(g[2:-1])
    elif g.startswith("!"):
        out.add(g[1:])
    return out


def _contradict(a: Message, b: Message) -> bool:
    """Is one of the two messages under the negation of a guard of the other?"""
    others = {" ".join(g.split()) for g in b.conditions}
    return any(_negations(g) & others for g in a.conditions)


def _a_word_kept(a: Message, b: Message) -> bool:
    """The same first word, or a shared word of four letters or more."""
    first = _first_word(_text(a))
    return (first != "" and first == _first_word(_text(b))) or any(len(w) >= 4 for w in _words(a) & _words(b))


_BRANCH_HEAD = re.compile(r"^(?:\}\s*)?(?:else\b|if\b)")
