"""The matcher's first pass: one call site that a release split by build into several call
sites, each under its own preprocessor branch. keepalived 2.3.4's open_vrrp_read_socket():

    2.3.3:  #if !HAVE_DECL_IPV6_FREEBIND
                if (family == AF_INET6) { ... } else
            #endif
                if (setsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, ...))
                    log_message(LOG_INFO, "IP%s_FREEBIND failed %d - %m", family == AF_INET ? "" : "V6", errno);

    2.3.4:  #if !HAVE_DECL_IPV6_FREEBIND
                if (family == AF_INET6) { ... } else if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, ...))
                    log_message(LOG_INFO, "IP_FREEBIND failed %d - %m", errno);
            #else
                if (setsockopt(fd, family == AF_INET ? ...))
                    log_message(LOG_INFO, "IP%s_FREEBIND failed %d - %m", family == AF_INET ? "" : "V6", errno);
            #endif

The old call is both new calls, one per build: each new text pairs with the old site's
text it writes. Paired before anything else, since identity would take one build's copy
only and call the other added."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from srcscan.catalog import Message
from srcscan.diff.ternary import resolved_guards
from srcscan.diff.text import _site, _text, build_expr, build_or, build_possible


@dataclass(frozen=True)
class Split:
    """What a new message of a build split is compared against: the builds of all the split's
    new call sites together (the old call's build when the split covers it), and the messages
    of the other builds' sites, whose guards the old catalog may have read for the old call
    (2.3.3's `!(family == AF_INET6)` is the `#if !HAVE_DECL_IPV6_FREEBIND` branch's `else`)."""

    build: Any  # sympy expression: the OR of the split sites' builds
    others: tuple[Message, ...]


class _SplitPasses:
    """Mixin of srcscan.diff.passes._Matcher (uses its olds, news, pairs, _take)."""

    splits: dict[int, Split]

    def _build_splits(self) -> None:
        """Pair each old call site whose function now writes its texts only at two or more
        call sites under mutually exclusive build conditions, each within the old site's
        build, with every one of them (one old message may so pair with several new ones).
        The old site must be its function's only one writing those texts, and no new
        call of them keep the old build."""
        old_sites: dict[tuple, list[Message]] = defaultdict(list)
        olds_by_text: dict[tuple, set[tuple]] = defaultdict(set)
        for a in self.olds:
            if not a.dynamic:
                old_sites[_site(a)].append(a)
                olds_by_text[(a.file, a.function, _text(a))].add(_site(a))
        news_by_text: dict[tuple, list[Message]] = defaultdict(list)
        for b in self.news:
            if not b.dynamic:
                news_by_text[(b.file, b.function, _text(b))].append(b)
        found = []
        for site, group in old_sites.items():
            keys = {(a.file, a.function, _text(a)) for a in group}
            if any(len(olds_by_text[k]) > 1 for k in keys):
                continue
            old_build = build_expr(group[0].build)
            news = [b for k in keys for b in news_by_text.get(k, ())]
            builds = {_site(b): build_expr(b.build) for b in news}
            if old_build is None or len(builds) < 2 or any(e is None or e == old_build for e in builds.values()):
                continue
            exprs = list(builds.values())
            if any(build_possible(exprs[i] & exprs[j]) for i in range(len(exprs)) for j in range(i + 1, len(exprs))) \
                    or any(build_possible(e & ~old_build) for e in exprs):
                continue
            union = build_or(exprs)
            by_text = {_text(a): a for a in group}
            for b in news:
                self.splits[id(b)] = Split(union, tuple(o for o in news if _site(o) != _site(b)))
                found.append((by_text[_text(b)], b, 1.0, "build-split"))
        self._take(found)


def guards_for_text(a: Message, b: Message, split: Split | None, texts: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The guards of a pair as compared: each side's read for its own text
    (srcscan.diff.ternary), and, for a build split, the old guards b lacks that another
    build's site has dropped (they were that build's). `texts` is a FileTexts or None."""
    ga = resolved_guards(a, texts("old", a.file) if texts else None)
    new_text = texts("new", b.file) if texts else None
    gb = resolved_guards(b, new_text)
    if split is not None:
        mine = {_norm(g) for g in gb}
        other = {_norm(g) for o in split.others for g in resolved_guards(o, new_text)}
        ga = tuple(g for g in ga if _norm(g) in mine or _norm(g) not in other)
    return ga, gb


class _BuildTwinPass:
    """Mixin of srcscan.diff.passes._Matcher (uses its news, pairs, splits). (A copy of a paired
    message in a new function its old callers now call is no pair: DiffResult.new_sites lists it.)"""

    def _build_twins(self) -> None:
        """A new message left unpaired that writes, in its function, the text of a paired new
        message under a build condition excluding that one's: the same call written once per
        build (`#ifdef _WIN32 ... #else ... #endif`), one old message with each build's call
        ("build-split", as _build_splits pairs an old call split without rewording). lighttpd
        1.4.79's network_server_init() writes `testing socket failed: connect() %s` in both
        branches of its `#ifdef _WIN32`; 1.4.69 wrote `testing socket failed: %s` once: its
        reworded pair with the other build's call is the Windows copy's pair too."""
        paired: dict[tuple, list[int]] = defaultdict(list)
        for k, (a, b, _, _) in enumerate(self.pairs):
            if not b.dynamic:
                paired[(b.file, b.function, _text(b))].append(k)
        found = []
        for b in self.news:
            twins = [k for k in paired.get((b.file, b.function, _text(b)), ()) if _site(self.pairs[k][1]) != _site(b)]
            if b.dynamic or len(twins) != 1:
                continue
            a, twin, similarity, how = self.pairs[twins[0]]
            mine, theirs = build_expr(b.build), build_expr(twin.build)
            if mine is None or theirs is None or build_possible(mine & theirs):
                continue
            union = build_or([mine, theirs])
            self.splits[id(b)] = Split(union, (twin,))
            self.splits[id(twin)] = Split(union, (b,))
            self.pairs[twins[0]] = (a, twin, similarity, "build-split")
            found.append((a, b, similarity, "build-split"))
        self.pairs += found
        taken = {id(b) for _, b, _, _ in found}
        self.news = [m for m in self.news if id(m) not in taken]


def same_build(a: Message, split: Split) -> bool:
    """Do the split's sites together cover exactly the old call's build?"""
    old = build_expr(a.build)
    return old is not None and not build_possible(old ^ split.build)


def _norm(guard: str) -> str:
    return " ".join(guard.split())
