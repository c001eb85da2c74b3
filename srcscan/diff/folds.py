"""Passes of the matcher that fold what other passes paired one by one into N -> 1 merges:
several old call sites whose pairs are texts of one new call site (a helper writing its
callers' constants), and old checks whose tests became alternatives of one new message's test."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from srcscan.catalog import Message
from srcscan.diff.analysis import squeezed
from srcscan.diff.model import Change, Merge
from srcscan.diff.text import DISTINCT_LITERAL, _site, _text, _uncast, literal_length
from srcscan.diff.ternary import split_top_level


class _FoldPasses:
    """Mixin of srcscan.diff.passes._Matcher (uses its olds, news, pairs, _with_partners)."""

    def _sites_into_one(self, merges: list[Merge]) -> list[Merge]:
        """Pairs whose new messages are texts of one new call site while their old ones are
        two or more call sites (with those of a merge into a text of that site): the old
        checks were folded into one call (a helper that writes its callers' constants), N -> 1,
        "helper". keepalived 2.2.7 wrote nine literal `... name too long` messages in three
        handlers; 2.3.3's check_valid_iptables_ipset_nftables_name() writes `VRRP Error : %s %s
        name too long - ignored` with each caller's constants, one text per old message: one
        merge, not nine changes of the helper's conditions and requirements. The new message of
        the pair of the first old site (file, line) stands for the call, or that of a merge
        into the site, which takes the others (lighttpd 1.4.79's cgi_create_err(): two `pipe
        failed` copies, `lseek %s` and `fcntl failed`); the site's other texts are left over
        (added, as further texts of a merged site). A pair the identity pass made keeps its old
        message's id (`survivor`). Pairs of a build split stay. Returns `merges` with these."""
        by_site: dict[tuple, list[tuple[Message, Message, float, str]]] = defaultdict(list)
        for p in self.pairs:
            if p[3] != "build-split":
                by_site[_site(p[1])].append(p)
        merged_at = {_site(m.new): m for m in merges}
        out, taken = list(merges), set()
        for site, group in by_site.items():
            into = merged_at.get(site)
            if len({_site(a) for a, _, _, _ in group} | {_site(o) for o in (into.olds if into else ())}) < 2:
                continue
            group.sort(key=lambda p: (p[3] != "identity", p[0].file, p[0].line, p[0].id))
            olds = tuple(sorted([a for a, _, _, _ in group] + list(into.olds if into else ()),
                                key=lambda a: (a.file, a.line, a.id)))
            texts = tuple(Change(a, b, (), similarity, how) for a, b, similarity, how in group)
            if into is not None:
                out[out.index(into)] = Merge(olds, into.new, into.how, into.survivor, into.texts + texts)
                self.news += [p[1] for p in group]
            else:
                first = group[0]
                out.append(Merge(olds, first[1], "helper", first[0] if first[3] == "identity" else None, texts))
                self.news += [p[1] for p in group[1:]]
            taken.update(id(p[1]) for p in group)
        self.pairs = [p for p in self.pairs if id(p[1]) not in taken]
        return out

    def _folded_disjuncts(self, merges: list[Merge]) -> list[Merge]:
        """Old messages left over whose own test (their innermost condition) is now one of the
        alternatives (`A || B || C`) of the innermost condition of a new message that took a
        sibling of their function and prints the same values: the separate checks were folded
        into one message (N -> 1, "folded"). lighttpd 1.4.69 wrote `stating existing pid-file
        failed: %s` under `0 != stat(pidfile, &st)` and `pid-file exists and isn't regular file:
        %s` under `!S_ISREG(st.st_mode)` beside `opening pid-file failed: %s`; 1.4.79 writes the
        last under `errno != EEXIST || 0 != stat(pidfile, &st) || !S_ISREG(st.st_mode) || ...`."""
        known = [(a, b) for a, b, _, _ in self.pairs] + [(o, m.new) for m in merges for o in m.olds]
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            args = _hole_args(a)
            if a.dynamic or not a.conditions or not args or "" in args:
                continue
            test = squeezed(_uncast(a.conditions[-1]))
            found = {id(b): b for o, b in known if o.file == a.file and o.function == a.function and o is not a
                     and not b.dynamic and b.conditions and _hole_args(b) == args
                     and len(alternatives := _alternatives(b.conditions[-1])) > 1
                     and test in {squeezed(_uncast(x)) for x in alternatives}}
            if len(found) == 1:
                (b,) = found.values()
                into.setdefault(id(b), (b, []))[1].append(a)
        return self._join(merges, into, "folded")

    def _folded_into_prefix(self, merges: list[Merge]) -> list[Merge]:
        """Old messages left over whose text is that of a message of their function that a new
        message of the same function still writes, with more words after it (`config read from
        stdin is way too large` beside `config read from stdin`): the specific case now reported
        by the general message (lighttpd 1.4.79 reads stdin with a size limit and writes `config
        read from stdin` when it fails), N -> 1, "folded"."""
        known = [(a, b) for a, b, _, _ in self.pairs] + [(o, m.new) for m in merges for o in m.olds]
        into: dict[int, tuple[Message, list[Message]]] = {}
        for a in self.olds:
            text = " ".join(_text(a).split())
            found = {id(b): b for o, b in known if o.file == a.file and o.function == a.function and o is not a
                     and b.function == a.function and not b.dynamic and literal_length(b) >= DISTINCT_LITERAL
                     and text.startswith(" ".join(_text(b).split()) + " ")}
            if not a.dynamic and len(found) == 1:
                (b,) = found.values()
                into.setdefault(id(b), (b, []))[1].append(a)
        return self._join(merges, into, "folded")

    def _join(self, merges: list[Merge], into: dict[int, tuple[Message, list[Message]]], how: str) -> list[Merge]:
        """`merges` with the old messages of `into` (new message id -> (new message, old
        messages)): joined to the merge into that new message, else a new merge `how` with the
        old message the new one was paired with."""
        if not into:
            return merges
        taken = {id(a) for _, olds in into.values() for a in olds}
        self.olds = [m for m in self.olds if id(m) not in taken]
        out = []
        for m in merges:
            olds = into.pop(id(m.new), (None, []))[1]
            out.append(replace(m, olds=tuple(sorted(m.olds + tuple(olds), key=lambda a: (a.file, a.line, a.id))))
                       if olds else m)
        return out + self._with_partners([Merge(tuple(olds), b, how) for b, olds in into.values()])


def _hole_args(m: Message) -> list[str]:
    """The arguments a message's holes print, in order, white space runs as one ("" for a hole
    whose argument is unknown)."""
    return [" ".join((p.arg or "").split()) for p in m.template.parts if not isinstance(p, str)]


def _alternatives(condition: str) -> list[str]:
    """The operands of a condition's top-level `||` (the condition alone when it has none)."""
    return split_top_level(condition, "||")
