"""The diff's result types: a pair that changed or moved, a merge (N old messages -> 1 new),
and the whole DiffResult."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from srcscan.catalog import Catalog, Message
from srcscan.diff.reworded import reworded_sites as find_reworded_sites
from srcscan.diff.text import DISTINCT_LITERAL, _site, _text, _uncast, literal_length

DIFF_SCHEMA = "srcscan.diff/1"


@dataclass(frozen=True)
class Change:
    old: Message
    new: Message
    fields: tuple[str, ...]  # names from FIELDS that differ
    similarity: float  # template closeness used to pair them (1.0 for identical templates)
    # the pass that paired them: identity, renamed, other-file, moved-file, site, similar, ...,
    # build-split (one old call, one pair per build's new call), rewritten, contained
    how: str = "identity"
    analysis_only: tuple[str, ...] = ()  # of `fields`: changed while the enclosing conditions read the same
    # of `fields`: changed by the release in runtime tests no setting controls only (`conditions`
    # whose added or dropped guards each test a call of fixed arguments: srcscan.diff.runtime)
    runtime_only: tuple[str, ...] = ()
    # what the pair changed that is no field of its own: a template whose signed conversions
    # are now unsigned with other arguments (compare._same_digits)
    notes: tuple[str, ...] = ()

    @property
    def release_fields(self) -> tuple[str, ...]:
        """Of `fields`: what the release changed that an operator can see (neither srcscan's
        reading, analysis_only, nor runtime tests alone, runtime_only)."""
        return tuple(f for f in self.fields if f not in self.analysis_only and f not in self.runtime_only)


@dataclass(frozen=True)
class Merge:
    """Several old messages that became one new message (a helper, or one copy of many)."""

    olds: tuple[Message, ...]
    new: Message
    how: str  # "helper": the new template matches each old text; "copies": one template, N -> 1
    # of `olds`: the copy the new message was paired with before the others were folded into
    # it (the same call site). Since 08a2d90 srcscan.history reads `texts` instead (the
    # survivor is among them, as a Change): nothing reads this field any more
    survivor: Message | None = None
    # of `olds`: each paired with the text of the new call site that it still is, when the
    # site writes one text per old message (a helper writing its callers' constants:
    # keepalived 2.3.0's write_fifo_details() writes ` VRRP notify fifo = %s, ...` with its
    # caller's "VRRP", which 2.2.8 wrote as a literal), compared as any pair (`fields`,
    # `analysis_only`): srcscan.history keeps each one's stable id on that text
    texts: tuple[Change, ...] = ()


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
        return bool(self.added or self.removed or self.merged or any(c.release_fields for c in self.changed))

    @property
    def variants(self) -> tuple[Message, ...]:
        """Of `added`: further texts of a call site whose other text is paired (lighttpd
        1.4.79's gw_backend_error_trace() writes `for %s %s?%s` and, when the request has no
        Host, `for  %s?%s`; the old message pairs with one, the other is the same site's
        text, not a new message), or of a new call site whose first text is added (keepalived
        2.3.3's new check_valid_iptables_ipset_nftables_name() writes `%s %s name empty -
        ignored` with ten pairs of its callers' constants: one new call, not ten). Still in
        `added`, so that each has an id of its own."""
        return _further_texts(self.added, {_site(b) for _, b in self.pairs})

    @property
    def new_sites(self) -> tuple[tuple[Message, Message], ...]:
        """Of `added` (first texts of their call site): a new call of a message the old release
        already wrote and the new one still writes, as (new message, the old message of that
        text): keepalived 2.3.3's dump_if() writes `   Tracking VRRP instances :` in a new
        early branch for deleted interfaces too; lighttpd 1.4.79's certificate refresh writes
        `PEM cert and private key did not verify (%s) (%s)`, and `SSL: %s %s` when
        wolfSSL_CTX_use_certificate_chain_buffer() fails, as its load did. The same text (white
        space aside) in the file of a surviving copy, and in its function, or with enough literal
        text (DISTINCT_LITERAL), or under the same innermost test; or the words of such a
        text, with enough literal text, holes and punctuation added (`failed to set default
        certificate for socket: %s %s: (%s) %s`). A
        dump line of the same words about another object (`     alive = %d` of the sorry
        server, in dump_vs(), beside dump_rs()'s) stays added. Still in `added`, so that
        each has an id of its own."""
        surviving: dict[str, list[Message]] = defaultdict(list)
        for a, b in self.pairs:
            if _squeezed(a) == _squeezed(b):
                surviving[_squeezed(a)] += [a, b]
        further = set(map(id, self.variants))
        out = []
        for m in self.added:
            if id(m) in further or m.dynamic or literal_length(m) < 3:
                continue
            old = _same_message(m, surviving.get(_squeezed(m), [])) or _extended(m, surviving)
            if old is not None:
                out.append((m, old))
        return tuple(out)

    @property
    def reworded_sites(self) -> tuple[tuple[Message, Message, Message], ...]:
        """Of `added` (neither variants nor new_sites): a new call rewording a message the
        old release wrote and the new one still writes, as (new message, the old message, the
        new call of its text): keepalived 2.3.3's dump_notify_script() writes `... script =
        %s, params = %s, uid:gid %u:%u` when the script has a path, 2.2.7's line in the `else`;
        its parser drops a sync group without members (`Sync group %s has no members -
        removing`) under the member test its validation still makes with 2.2.7's words. See
        srcscan.diff.reworded. Still in `added`, so that each has an id of its own."""
        taken = set(map(id, self.variants)) | {id(m) for m, _ in self.new_sites}
        return find_reworded_sites([m for m in self.added if id(m) not in taken], self.pairs)

    @property
    def gone_sites(self) -> tuple[tuple[Message, Message], ...]:
        """Of `removed` (first texts of their call site): a call the release dropped of a
        message it still writes, as (old message, the new message writing its text): lighttpd
        1.4.79 put mod_deflate_file_chunk_mmap() under `#if 0`, but deflate_compress_response()
        still writes `compress failed.` and mod_deflate_file_chunk_setjmp() `SIGBUS in mmap: %s
        %d` (the auditors: not removed from a user's point of view). The same text (white space
        aside) of a surviving pair in the message's file, in its function, or with enough
        literal text (DISTINCT_LITERAL), or under the same innermost test, as for new_sites. Still
        in `removed`."""
        surviving: dict[str, list[Message]] = defaultdict(list)
        for a, b in self.pairs:
            if _squeezed(a) == _squeezed(b):
                surviving[_squeezed(a)] += [b, a]
        further = set(map(id, self.gone_variants))
        out = []
        for m in self.removed:
            if id(m) in further or m.dynamic or literal_length(m) < 3:
                continue
            still = _same_message(m, surviving.get(_squeezed(m), []))
            if still is not None:
                out.append((m, still))
        return tuple(out)

    @property
    def gone_variants(self) -> tuple[Message, ...]:
        """Of `removed`: texts a call site no longer writes while another text of it is
        paired (keepalived 2.3.3's timeout_epilog() still writes `%s server %s.`, but no
        caller hands it "Timeout WEB write" any more; open_dump_file() builds the name at run
        time instead of writing one text per caller's constant), or further texts of a removed
        call site whose first text is removed. Still in `removed`."""
        return _further_texts(self.removed, {_site(a) for a, _ in self.pairs})

    @property
    def pairs(self) -> list[tuple[Message, Message]]:
        """Every (old, new) the matcher made, merges included: what a message id follows."""
        out = list(self.kept) + [(c.old, c.new) for c in self.changed + self.moved]
        out += [(o, m.new) for m in self.merged for o in m.olds]
        return out


def _squeezed(m: Message) -> str:
    return "".join(_text(m).split())


def _same_message(m: Message, copies: list[Message]) -> Message | None:
    """The first message of `copies` (messages of one text, pairs in turn: the first of each
    pair is returned) that m repeats: in the file of a copy, and in its function, with enough literal text, or under a copy's
    innermost test, or a text two or more functions of that file write on each side."""
    def innermost(x: Message) -> str:
        return " ".join(_uncast(x.conditions[-1]).split()) if x.conditions else ""
    # a text two or more functions of m's file write on both sides: the file's message, which
    # one more function writes too (lighttpd's mod_wolfssl.c writes `SSL: %s %s` for each
    # certificate, key and CRL it loads; 1.4.79's mod_wolfssl_reload_crl_file() once more)
    shared = all(len({c.function for c in copies[side::2] if c.file == m.file}) >= 2 for side in (0, 1))
    in_file = [k for k in range(0, len(copies), 2) if m.file in (copies[k].file, copies[k + 1].file)]
    for k in in_file:
        if any(m.function == c.function or (innermost(m) and innermost(m) == innermost(c)) for c in copies[k:k + 2]) \
                or literal_length(m) >= DISTINCT_LITERAL:
            return copies[k]
    return copies[in_file[0]] if in_file and shared else None


def _words_only(m: Message) -> str:
    """m's literal letters and digits, holes and the rest aside."""
    return re.sub(r"[^A-Za-z0-9]", "", "".join(p for p in m.template.parts if isinstance(p, str)))


def _extended(m: Message, surviving: dict[str, list[Message]]) -> Message | None:
    """An old message of m's file that survives, whose words m writes with holes or
    punctuation added (`... for socket: (%s) %s` -> `... for socket: %s %s: (%s) %s`), when
    they say enough (DISTINCT_LITERAL) or m is in a surviving copy's function (keepalived
    2.3.3's dump_vscript() writes `   Timeout = %lu.%3.3lu sec` beside `   Timeout = %lu sec`)."""
    words = _words_only(m)
    for copies in surviving.values():
        for k in range(0, len(copies), 2):
            if m.file in (copies[k].file, copies[k + 1].file) and _words_only(copies[k]) == words \
                    and (literal_length(m) >= DISTINCT_LITERAL or m.function in (copies[k].function, copies[k + 1].function)):
                return copies[k]
    return None


def _further_texts(messages: tuple[Message, ...], paired_sites: set[tuple]) -> tuple[Message, ...]:
    """The messages of a paired site, and those of a site an earlier message of `messages`
    (in file and line order, then id) already stands for."""
    seen: set[tuple] = set()
    out = []
    for m in sorted(messages, key=lambda m: (m.file, m.line, m.id)):
        site = _site(m)
        if site in paired_sites or site in seen:
            out.append(m)
        seen.add(site)
    return tuple(out)


# A file's text on one side, or None when it is not at hand: `texts(side, file)`, side "old" or "new".
FileTexts = Callable[[str, str], "str | None"]
