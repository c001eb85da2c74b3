"""Attribute log records to catalog messages: which call site, which process, which options.

An Explainer holds one catalog's Matcher and process table. `explain(records)` gives each
record its ranked matches with hole values, the process its ident names and whether that
process can write the message, the facility the catalog expects, the options the line
proves and where the line's own facility or priority disagrees with the catalog.
`attribute(records)` is the fast path (one best pattern per record) behind `--summary`.
No I/O and no printing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import compress
from pathlib import Path
from typing import Iterable, Sequence

from srcscan.catalog import Catalog, Message
from srcscan.explain.blocks import Block
from srcscan.explain.catalogview import ident_table
from srcscan.explain.lines import SEVERITIES, Record, Stamp
from srcscan.explain.matcher import Matcher
from srcscan.explain.neighbours import Context, carry, resolve

# Forms whose lines carry no program name: a file the daemon writes itself.
OWN_FORMS = frozenset({"keepalived", "lighttpd", ""})
# Forms whose line carries the priority of the message (RFC 5424's PRI, logread's level, the journal's).
_PRIORITY_FORMS = frozenset({"rfc5424", "logread", "json"})
# Codes of Explainer.attribute besides a pattern index (PINNED is neighbours.PINNED).
NONE, OTHER, PINNED = -1, -2, -3


@dataclass(frozen=True)
class Hit:
    """One message a record may be."""

    message: Message
    values: dict[str, str]  # hole values by argument expression
    pinned: bool = False  # a lighttpd stamp names this very call site
    process_ok: bool | None = None  # the ident's process can write it (None: no ident to tell)
    loose: bool = False  # the message has no literal text: it fits, and so would nearly any line
    likely: bool = False  # of several best ones, the call that follows the line before of its process (neighbours.py)


@dataclass(frozen=True)
class Explanation:
    record: Record
    daemon: bool  # the record is the daemon's (its ident, or a form only the daemon writes)
    processes: tuple[str, ...]  # processes the ident names
    hits: tuple[Hit, ...]  # best first: hits[:best] are the answer, the others alternatives
    best: int  # how many of `hits` the line fits alike (one text, or as much literal text), after narrowing
    notes: tuple[str, ...] = ()  # disagreements between the line and the catalog

    @property
    def matched(self) -> bool:
        return bool(self.hits)


@dataclass
class Summary:
    """Counts per message (by pattern), first and last time, unmatched and other lines."""

    records: int = 0
    other: int = 0  # lines of other programs
    unmatched: int = 0  # lines of the daemon no message matches
    unmatched_examples: list[str] = field(default_factory=list)
    by_pattern: Counter = field(default_factory=Counter)
    by_stamp: Counter = field(default_factory=Counter)  # (message index,) pinned by a stamp
    first: dict[object, str] = field(default_factory=dict)
    last: dict[object, str] = field(default_factory=dict)
    examples: dict[object, tuple[bytes, object]] = field(default_factory=dict)  # key -> (text, stamp) of its first line
    unmatched_texts: dict[bytes, object] = field(default_factory=dict)  # distinct texts (up to 1000) -> stamp

    def merge(self, other: "Summary") -> "Summary":
        out = Summary(self.records + other.records, self.other + other.other, self.unmatched + other.unmatched,
                      (self.unmatched_examples + other.unmatched_examples)[:20],
                      self.by_pattern + other.by_pattern, self.by_stamp + other.by_stamp,
                      {**other.first, **self.first}, {**self.last, **other.last}, {**other.examples, **self.examples},
                      dict(list({**self.unmatched_texts, **other.unmatched_texts}.items())[:1000]))
        return out


class Explainer:
    """A catalog ready to explain records: its matcher, ident table and messages.

    Picklable (the Matcher rebuilds its database on first use), for Dask workers."""

    def __init__(self, catalog: Catalog, engine: str = "auto", matcher: Matcher | None = None,
                 cache_dir: Path | None = None) -> None:
        self.project = catalog.project
        self.version = catalog.version
        self.messages: tuple[Message, ...] = catalog.messages
        self.matcher = matcher or Matcher([m.template for m in catalog.messages],
                                          [(m.file, m.line) for m in catalog.messages], engine=engine,
                                          cache_dir=cache_dir)
        self.idents = ident_table(catalog.sections.processes or ())

    # ------------------------------------------------------------------ per record
    def processes_of(self, record: Record) -> tuple[bool, tuple[str, ...]]:
        """(is the daemon's, processes its ident names)."""
        if record.ident is None:
            return record.form in OWN_FORMS, ()
        cache = self.__dict__.setdefault("_by_ident", {})
        found = cache.get(record.ident)
        if found is None:
            found = cache[record.ident] = self._processes_of_ident(record)
        return found

    def _processes_of_ident(self, record: Record) -> tuple[bool, tuple[str, ...]]:
        names = tuple(sorted({name for rx, name in self.idents if rx.fullmatch(record.ident)}))
        # An ident the table does not list but named after the project (`keepalived` from a
        # service manager capturing stderr, a catalog without idents) is still the daemon's.
        return bool(names) or record.ident.lower().startswith(self.project.lower()), names

    def explain(self, records: Sequence[Record], context: Context | None = None) -> list[Explanation]:
        """Each record explained. `context`: the records before these in their file (None: the
        file starts here), for the neighbour rule (which of several best call sites is the likeliest);
        it is moved on past these records."""
        mine = [self.processes_of(r) for r in records]
        texts = [r.text for r in records]
        found = self.matcher.all_matches(texts, loose=True)
        done = [self._explanation(r, d, p, f) for r, (d, p), f in zip(records, mine, found)]
        # several call sites writing one text: the line before of the same process may say which is likeliest
        context = context if context is not None else Context()
        index = self._message_index()
        codes = [PINNED if e.daemon and e.hits and not e.hits[0].loose else NONE for e in done]
        pinned = {k: tuple(index[id(h.message)] for h in e.hits[:e.best]) for k, e in enumerate(done) if codes[k] == PINNED}
        idents = [e.record.ident for e in done]
        many = [k for k, e in enumerate(done) if codes[k] == PINNED and e.best > 1]
        lines = [e.record.n for e in done]
        t = len(context.lines)
        for k, (site, j) in resolve(codes, pinned, idents, many, context, self.matcher.patterns, self.follows).items():
            b = self.messages[pinned[j][0] if j >= 0 else context.tail[len(context.tail) + j][1][0]]  # type: ignore[index]
            done[k] = self._after_neighbour(done[k], site, b, lines[j] if j >= 0 else context.lines[t + j])
        carry(context, codes, pinned, idents, self.matcher.patterns, lines)
        return done

    def _message_index(self) -> dict[int, int]:
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = {id(m): i for i, m in enumerate(self.messages)}
        return index

    def _after_neighbour(self, e: Explanation, site: int, b: Message, line: int) -> Explanation:
        """`e` with call site `site` (the one that follows the line before of its process, written
        at `b`, physical line `line`) first among its best ones and marked `likely`. The answer stays
        all of them: the line before says which is likeliest, not which it is (a function that ends
        well and another that fails write the same two lines as one that fails)."""
        index = self._message_index()
        at = [index[id(h.message)] for h in e.hits[:e.best]].index(site)
        hits = (replace(e.hits[at], likely=True),) + e.hits[:at] + e.hits[at + 1:]
        m = self.messages[site]
        note = (f"{e.best} call sites write this text alike; the likeliest is {m.file}:{m.line} in {m.function}(): "
                f"it follows there {b.file}:{b.line}, the call the line before of this process (line {line}) "
                f"is given to first")
        return replace(e, hits=hits, notes=e.notes + (note,))

    def _explanation(self, record: Record, daemon: bool, processes: tuple[str, ...], found: list[int]) -> Explanation:
        if not daemon:
            return Explanation(record, False, processes, (), 0)
        m = self.matcher
        ranked: list[tuple[int, bool]] = []  # (message index, pinned)
        how = ""
        if record.stamp is not None:
            at, how = self.pinned(record.stamp, record.text)
            ranked += [(i, True) for i in at]
            if how == "site":  # the stamp's call, whatever the text: the text finds no other
                found = []
        seen = {i for i, _ in ranked}
        best = len(ranked)
        stamped = bool(ranked)
        for k, p in enumerate(found):
            if stamped and m.is_loose(p):
                continue  # a pinned line needs no message that fits any text
            group = [i for i in m.patterns[p].messages if i not in seen]
            if record.stamp is not None:  # a stamp names the file: same-file sites first
                group.sort(key=lambda i: self.messages[i].file.rsplit("/", 1)[-1] != record.stamp.basename)
            ranked += [(i, False) for i in group]
            seen.update(group)
            if k == 0 and not best:
                best = len(group)
            elif k and not stamped and best == len(ranked) - len(group) and (
                    m.is_loose(p) or m.patterns[p].rank[0] == m.patterns[found[0]].rank[0]):
                best = len(ranked)  # no literal text, or as much as the first's: nothing in the line tells these apart
        hits = []
        for i, pinned in ranked:
            msg = self.messages[i]
            ok = None if not processes else any(p in msg.processes for p in processes)
            p = m.pattern_of(i)
            values = (m.values(p, record.text) if not pinned or how == "exact" else m.prefix_values(p, record.text)) or {}
            hits.append(Hit(msg, values, pinned, ok, m.is_loose(p) and not pinned))
        # Among equally specific messages (one text, several call sites), those the line fits are the
        # answer: the ident's process can write them, and they write at the priority the line carries.
        # The others follow as alternatives; when the line fits all or none, all stay.
        top = hits[:best]
        if len(top) > 1:
            fit = [h for h in top if h.process_ok is not False and _priority_fits(h.message, record.priority)]
            if fit and len(fit) < len(top):
                hits[:best] = fit + [h for h in top if not (h.process_ok is not False
                                                           and _priority_fits(h.message, record.priority))]
                best = len(fit)
        notes = self._notes(record, hits[0] if hits else None)
        if how == "prefix":
            notes += ("the call's text is a prefix of the line: the writer appends to it (lighttpd's log_perror "
                      "appends the error; log_error_multiline writes one line per line of a buffer)",)
        elif how == "site":
            notes += ("the stamp names this call, whose text in the catalog does not match the line "
                      "(a value the build fills in, or another release)",)
        return Explanation(record, True, processes, tuple(hits), best, notes)

    def pinned(self, stamp: Stamp, text: bytes) -> tuple[tuple[int, ...], str]:
        """The messages a lighttpd stamp pins, and how: "exact" (the text matches them), "prefix"
        (the text starts with theirs: log_perror, log_error_multiline), "site" (only the stamp
        agrees), or ((), "") when no message of the catalog is at that file and line."""
        m = self.matcher
        at = m.at_stamp(stamp.basename, stamp.line)
        if not at:
            return (), ""
        exact = tuple(i for i in at if m.fullmatch(m.pattern_of(i), text))
        if exact:
            return exact, "exact"
        prefix = tuple(i for i in at if m.prefix_values(m.pattern_of(i), text) is not None)
        if prefix:
            return prefix, "prefix"
        return at, "site"

    def _notes(self, record: Record, hit: Hit | None) -> tuple[str, ...]:
        if hit is None:
            return ()
        notes = []
        msg = hit.message
        if record.facility and msg.facility and record.facility not in msg.facility and "errorlog" not in msg.facility:
            notes.append(f"the line says facility {record.facility}; the catalog expects {', '.join(msg.facility)}")
        if record.priority and msg.priority.startswith("LOG_") and record.priority != msg.priority:
            notes.append(f"the line says priority {record.priority}; the call writes {msg.priority}")
        if hit.process_ok is False:
            notes.append(f"ident {record.ident} names a process the catalog does not list for this message "
                         f"({', '.join(msg.processes) or 'none listed'})")
        return tuple(notes)

    # ------------------------------------------------------------------ fast path
    def attribute(self, records: Sequence[Record]) -> tuple[list[int], dict[int, tuple[int, ...]]]:
        """The fast path: per record the most specific pattern's index, OTHER (another program's
        line), NONE (the daemon's, no message matches) or PINNED; and for PINNED records the
        messages their lighttpd stamp names, or those of the pattern's call sites that the line's
        process and priority fit when that is fewer than all (record index -> message indexes)."""
        codes = [OTHER] * len(records)
        pinned: dict[int, tuple[int, ...]] = {}
        todo, texts = [], []
        m = self.matcher
        own = OWN_FORMS
        for i, r in enumerate(records):
            if r.ident is None:
                if r.form not in own:
                    continue
            elif not self.processes_of(r)[0]:
                continue
            if r.stamp is not None:
                at, _ = self.pinned(r.stamp, r.text)
                if at:
                    codes[i], pinned[i] = PINNED, at
                    continue
            todo.append(i)
            texts.append(r.text)
        shared = self._shared_patterns()
        best, sets = m.best_sets(texts)
        for k, (i, p) in enumerate(zip(todo, best)):
            codes[i] = p
            if p in shared or k in sets:
                r = records[i]
                code, sites = self._answer(p, sets.get(k), self.processes_of(r)[1], r.priority)
                codes[i] = code
                if sites is not None:
                    pinned[i] = sites
        return codes, pinned

    def _answer(self, p: int, group: tuple[int, ...] | None, processes: Sequence[str],
                priority: str | None) -> tuple[int, tuple[int, ...] | None]:
        """The code of a record the matcher gave pattern `p` (`group`: the patterns of p's rank
        that match it too, or None), and the call sites when it is PINNED: those the line fits
        (`narrow`) when fewer than all, else all of the group's; a pattern's own code when they are
        exactly its messages."""
        m = self.matcher
        messages = m.patterns[p].messages if group is None else tuple(sorted({i for q in group for i in m.patterns[q].messages}))
        sites = self.narrow(messages, processes, priority) or messages
        q = m.pattern_of(sites[0])
        return (q, None) if m.patterns[q].messages == sites else (PINNED, sites)

    def attribute_block(self, b: Block) -> tuple[list[int], dict[int, tuple[int, ...]]]:
        """`attribute` for a Block (the --summary path): the same codes; a record whose line tells
        apart the call sites writing its text (its process by the ident, its priority where the line
        carries one) is PINNED to those it fits (`narrow`). What the line itself cannot tell apart
        stays a set: the line before (neighbours.py) only orders the per-line answer."""
        n = len(b.texts)
        pinned: dict[int, tuple[int, ...]] = {}
        m = self.matcher
        idents, forms, stamps, all_texts = b.idents, b.forms, b.stamps, b.texts
        cache = self.__dict__.setdefault("_by_ident_bytes", {})
        distinct = set(idents)
        for ident in distinct.difference(cache):
            cache[ident] = self._ident_facts(ident)
        # the daemon's records: by the ident's process, or (no ident) by a form only the daemon writes
        daemon = {ident: cache[ident][0] for ident in distinct}
        if None in daemon:
            keep = [daemon[ident] if ident is not None else form in OWN_FORMS for ident, form in zip(idents, forms)]
        else:
            keep = list(map(daemon.__getitem__, idents))
        if any(stamps):
            for i in compress(range(n), keep):
                stamp = stamps[i]
                if stamp is not None:
                    at, _ = self.pinned(stamp, all_texts[i])
                    if at:
                        pinned[i] = at
            for i in pinned:
                keep[i] = False
        # per record its pattern, OTHER for the records not matched (other programs', stamped)
        codes, sets = m.best_sets(all_texts, keep, OTHER)
        for i in pinned:
            codes[i] = PINNED
        shared = self._shared_patterns()
        answers = self.__dict__.setdefault("_answers", {})  # (pattern or group, ident, priority) -> _answer()
        several: Iterable[int] = list(compress(range(n), map(shared.__contains__, codes)))
        if sets:
            several = sorted(set(several).union(sets))
        known = b.priorities
        for i in several:
            p = codes[i]
            ident = idents[i]
            if known and known[i] != 9:  # the C reader read the line's priority (8: it carries none)
                priority = SEVERITIES[known[i]] if known[i] < 8 else None
            else:
                priority = b.priority(i) if forms[i] in _PRIORITY_FORMS or b.inputs[i][:1] == b"<" else None
            group = sets.get(i)
            key = (p if group is None else group, ident, priority)
            answer = answers.get(key)
            if answer is None:
                answer = answers[key] = self._answer(p, group, cache[ident][1] if ident is not None else (), priority)
            code, sites = answer
            codes[i] = code
            if sites is not None:
                pinned[i] = sites
        return codes, pinned

    def follows(self, sites: Sequence[int], before: int) -> int | None:
        """Of `sites` (message indexes; call sites writing one text), the one that follows the call
        `before` in its function: the nearest after it in the same file and function; None when
        none is there. The line before of the same process, written at `before`, then tells them
        apart: a function writes its lines in the order of its calls (a dump, an error and its
        detail)."""
        b = self.messages[before]
        after = [i for i in sites if self.messages[i].function == b.function and self.messages[i].file == b.file
                 and self.messages[i].line > b.line]
        return min(after, key=lambda i: self.messages[i].line) if after else None

    def _ident_facts(self, ident: bytes | None) -> tuple[bool, tuple[str, ...]]:
        if ident is None:
            return False, ()
        return self.processes_of(Record(0, 1, b"", "", b"", ident.decode("utf-8", "surrogateescape")))

    def _shared_patterns(self) -> frozenset[int]:
        """Patterns whose text several call sites write."""
        shared = self.__dict__.get("_shared")
        if shared is None:
            shared = self.__dict__["_shared"] = frozenset(
                p for p, pat in enumerate(self.matcher.patterns) if len(pat.messages) > 1)
        return shared

    def narrow(self, messages: Sequence[int], processes: Sequence[str], priority: str | None) -> tuple[int, ...] | None:
        """The call sites among `messages` (indexes; all writing one text) that a line of these
        processes (from its ident) at this priority (where the line carries one) can come from,
        when that is fewer than all and not none; None otherwise (nothing in the line tells them apart)."""
        fit = [i for i in messages
               if (not processes or any(p in self.messages[i].processes for p in processes))
               and _priority_fits(self.messages[i], priority)]
        return tuple(fit) if fit and len(fit) < len(messages) else None

    def summarise_block(self, b: Block) -> Summary:
        """`summarise` for a Block (records of one file in order: blocks of a file are summarised
        apart and merged in order, Summary.merge)."""
        codes, pinned = self.attribute_block(b)
        return self.summary_of_codes(b, codes, pinned)

    def summary_of_codes(self, b: Block, codes: Sequence[int], pinned: dict[int, tuple[int, ...]]) -> Summary:
        """The Summary of a block attributed (attribute_block)."""
        s = Summary(records=len(b.texts))
        by_pattern, by_stamp, first, last, examples = s.by_pattern, s.by_stamp, s.first, s.last, s.examples
        keys: list[object] = list(codes)  # per record: a pattern, ("stamp", sites), OTHER or NONE
        for i, sites in pinned.items():
            keys[i] = ("stamp", sites)
        for i in compress(range(len(codes)), map(NONE.__eq__, codes)):
            if len(s.unmatched_examples) < 20:
                s.unmatched_examples.append(b.inputs[i].rstrip(b"\r\n").decode("utf-8", "replace"))
            if len(s.unmatched_texts) < 1000:
                s.unmatched_texts.setdefault(b.texts[i], b.stamps[i])
        counts = Counter(keys)
        s.other, s.unmatched = counts.pop(OTHER, 0), counts.pop(NONE, 0)
        for key, count in counts.items():
            (by_stamp if isinstance(key, tuple) else by_pattern)[key] += count
        firsts = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
        lasts = dict(zip(keys, range(len(keys))))
        for drop in (OTHER, NONE):
            firsts.pop(drop, None)
            lasts.pop(drop, None)
        times = b.times
        for key, i in firsts.items():
            examples[key] = (b.texts[i], b.stamps[i])
            first[key] = times[i].decode("utf-8", "replace") if times[i] else ""
        for key, i in lasts.items():
            last[key] = times[i].decode("utf-8", "replace") if times[i] else ""
        return s

    def summarise(self, records: Sequence[Record]) -> Summary:
        """Counts per message for `--summary`: one best pattern per record, no hole values."""
        s = Summary(records=len(records))
        codes, pinned = self.attribute(records)
        by_pattern, first, last, examples = s.by_pattern, s.first, s.last, s.examples
        for i, code in enumerate(codes):
            r = records[i]
            if code >= 0:
                by_pattern[code] += 1
                key: object = code
            elif code == OTHER:
                s.other += 1
                continue
            elif code == NONE:
                s.unmatched += 1
                if len(s.unmatched_examples) < 20:
                    s.unmatched_examples.append(r.input.decode("utf-8", "replace"))
                if len(s.unmatched_texts) < 1000:
                    s.unmatched_texts.setdefault(r.text, r.stamp)
                continue
            else:
                key = ("stamp", pinned[i])
                s.by_stamp[key] += 1
            if key not in examples:
                examples[key] = (r.text, r.stamp)
                first[key] = r.time or ""
            last[key] = r.time or ""
        return s

    def rows(self, s: Summary) -> list[tuple[tuple[Message, ...], int, str, str]]:
        """(messages of one row, count, first time, last time), most frequent first."""
        out = []
        for p, n in s.by_pattern.items():
            out.append((tuple(self.messages[i] for i in self.matcher.patterns[p].messages), n,
                        s.first.get(p, ""), s.last.get(p, "")))
        for key, n in s.by_stamp.items():
            out.append((tuple(self.messages[i] for i in key[1]), n, s.first.get(key, ""), s.last.get(key, "")))
        return sorted(out, key=lambda r: (-r[1], r[0][0].file, r[0][0].line))


def _priority_fits(message: Message, priority: str | None) -> bool:
    """The line's priority (None: it carries none) is the one the call writes (or the call's is
    computed at run time)."""
    return priority is None or not message.priority.startswith("LOG_") or message.priority == priority


def _times(s: Summary, key: object, time: str | None) -> None:
    if time:
        s.first.setdefault(key, time)
        s.last[key] = time
