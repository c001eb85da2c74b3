"""The matcher: a catalog's templates compiled into one multi-pattern database.

Every non-dynamic template becomes one anchored regular expression (literal text, one
sub-pattern per typed hole); messages with the same expression share it, and the
expressions are kept in order of specificity. Message texts are scanned in blocks against
all expressions at once by Hyperscan (`hyperscan`), else by an RE2 set (`google-re2`), else
by Python's `re` (engines.py); each distinct text of a block is scanned once. Hyperscan was
chosen by measurement (benchmarks/explain.py, README "srcscan explain").

A Matcher is plain data plus a compiled database built on first use: it pickles (the
database is left out and rebuilt), so Dask workers can receive it. Knows nothing about line
formats or output.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from itertools import accumulate, compress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from srcscan.explain.engines import ENGINES as _COMPILERS
from srcscan.explain.engines import PLAIN as _PLAIN
from srcscan.explain.engines import TAIL as _TAIL
from srcscan.formats.template import Hole, Template

# What each kind of hole can print (glibc printf; lighttpd's legacy descriptors print the
# same kinds). Widths pad with spaces on either side ("%-5d"), so numbers allow them.
_HOLE = {
    "str": rb".*?", "any": rb".*?", "errno": rb".*?",
    "int": rb" *[-+]?\d+ *", "uint": rb" *\+?\d+ *", "hex": rb" *(?:0[xX])?[0-9a-fA-F]+ *",
    "float": rb" *[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+|inf|nan|INF|NAN) *", "char": rb".",
    "ptr": rb"(?:0x[0-9a-fA-F]+|\(nil\))",
}


def escape_bytes(data: bytes, newline: int = 0x0A) -> bytes:
    """A literal as a regular expression every engine reads alike (PCRE, RE2 Latin-1, re)."""
    out = bytearray()
    for b in data:
        if b == 0x0A:
            b = newline
        out += bytes((b,)) if b in _PLAIN else b"\\x%02x" % b
    return bytes(out)


# An integer constant as C writes it (decimal, hex or octal, a U/L suffix, in parentheses or not).
_INTEGER = re.compile(r"\(?\s*(-?)\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[uUlL]*\s*\)?")
# printf conversions Python's % writes alike once C's length modifiers are dropped (u is d)
_SPEC = re.compile(r"%([-+ 0#]*)(\d*)(?:\.(\d+))?(?:hh|h|ll|l|j|z|t|L)?([diouxX])")


def constant_text(hole: Hole) -> str | None:
    """What a hole prints when its argument is an integer constant (`4`, `0U`, `(-1)`) and its
    conversion an integer one: the call always writes that text (a ternary the catalog expanded
    into one message per branch: `%d` of `4` and of `6`). None otherwise. Unsigned conversions of
    a negative constant wrap in C: None then."""
    if hole.arg is None or hole.kind not in ("int", "uint", "hex"):
        return None
    m, spec = _INTEGER.fullmatch(hole.arg.strip()), _SPEC.fullmatch(hole.spec)
    if m is None or spec is None:
        return None
    value = int(m.group(2), 0) if not m.group(2).startswith("0") or m.group(2) == "0" or m.group(2)[1:2] in "xX" \
        else int(m.group(2), 8)
    value = -value if m.group(1) else value
    flags, width, precision, conversion = spec.groups()
    if value < 0 and conversion not in "di":
        return None
    python = "%" + flags + width + (f".{precision}" if precision is not None else "") + (
        "d" if conversion in "iu" else conversion)
    try:
        return python % value
    except (TypeError, ValueError):
        return None


def template_pattern(t: Template, newline: int = 0x0A, capture: bool = False) -> bytes:
    """The template's body as a regular expression (no anchors), holes optionally captured; a hole
    whose argument is an integer constant matches only what it prints (`constant_text`)."""
    out = []
    for k, p in enumerate(t.parts):
        if isinstance(p, str):
            if _blank_optional(t, k):
                # Leading blanks (after an indentation `%*s` of ""): one may be missing, since a
                # reader may take it for the separator (RFC 5424's SP before MSG, which rsyslog
                # writes twice) and cannot tell.
                out.append(rb"(?: ?)")
                p = p[1:]
            out.append(escape_bytes(p.encode("utf-8", "surrogateescape"), newline))
        else:
            constant = constant_text(p)
            if constant is not None:
                sub = escape_bytes(constant.encode("ascii"), newline)
            else:
                sub = _HOLE.get(p.kind, rb".*?") if p.arg != '""' else rb" *"  # `%*s` of "": an indent
            out.append(b"(" + sub + b")" if capture else b"(?:" + sub + b")")
    return b"".join(out)


def _blank_optional(t: Template, k: int) -> bool:
    """Part k of the template is literal text starting with a blank that only indentation holes
    (`%*s` of "") come before: its pattern lets that first blank be missing (template_pattern)."""
    p = t.parts[k]
    return isinstance(p, str) and p.startswith(" ") and all(isinstance(q, Hole) and q.arg == '""' for q in t.parts[:k])


def specificity(t: Template) -> tuple[int, int, int]:
    """Rank of a template among those matching one line: more literal bytes first (a line
    matching `Open of %s failed` and `%s failed` is the former's; a hole of a constant counts as
    the text it prints; a leading blank the pattern lets be missing does not count, since the line
    need not hold it: `Reload scheduled for %s` before ` Reload scheduled for %s%s` on a line without
    the blank), then more holes that
    constrain what they print (`= %u` before `= %s`; `%*s` of "" prints only spaces), then
    fewer holes. Only the literal text decides between templates that match one line: the
    other two order those with as much literal text as each other, all of which are the line's
    answer (Matcher.best_sets), since a `%s` prints digits as well as `%u` does (`VS [%u]` and
    `VS [%s]` on `VS [963]`): a line tells them apart only by text one of them writes itself."""
    literal = sum(len(p.encode()) - _blank_optional(t, k) if isinstance(p, str) else len(constant_text(p) or "")
                  for k, p in enumerate(t.parts))
    holes = [p for p in t.parts if isinstance(p, Hole) and constant_text(p) is None]
    constrained = sum(1 for p in holes if p.kind not in ("str", "any", "errno") or p.arg == '""')
    return literal, constrained, -len(holes)


@dataclass(frozen=True)
class Pattern:
    """One distinct expression and the catalog messages (by index) whose template it is."""

    body: bytes  # regular expression, newlines as \x0a
    messages: tuple[int, ...]
    rank: tuple[int, int, int]
    holes: tuple[str | None, ...]  # each hole's argument expression, in order


ENGINES = ("hyperscan", "re2", "re")


def available_engine(preferred: str = "auto") -> str:
    """The first engine of ENGINES that imports (or `preferred` when it does)."""
    order = ENGINES if preferred == "auto" else (preferred,)
    for name in order:
        if name == "re":
            return name
        try:
            __import__({"hyperscan": "hyperscan", "re2": "re2"}[name])
        except ImportError:
            continue
        return name
    return "re"


class Matcher:
    """Templates of catalog messages compiled for matching message texts.

    `patterns[i]` is one distinct expression (those with literal text first, in increasing
    specificity); `best(texts)` gives, per text, the index of the most specific pattern fully
    matching it (-1: none); `all_matches(texts)` every one, most
    specific first; `values(i, text)` the hole values named by argument expression. `sites`
    maps (basename, line) of the messages to their indexes, for lighttpd's stamps.
    Picklable: the compiled database is rebuilt on first use after unpickling.
    """

    def __init__(self, templates: Sequence[Template], sites: Sequence[tuple[str, int]] = (), engine: str = "auto",
                 cache_dir: Path | None = None) -> None:
        by_body: dict[bytes, list[int]] = defaultdict(list)
        first: dict[bytes, Template] = {}
        loose_body: dict[bytes, list[int]] = defaultdict(list)
        for i, t in enumerate(templates):
            body = template_pattern(t)
            if t.dynamic or not any(isinstance(p, str) and p.strip() for p in t.parts):
                loose_body[body].append(i)  # no literal text (`%s`, a format not literal): matches anything
            else:
                by_body[body].append(i)
            first.setdefault(body, t)
        strict = [Pattern(body, tuple(ids), specificity(first[body]),
                          tuple(p.arg for p in first[body].parts if isinstance(p, Hole)))
                  for body, ids in by_body.items()]
        loose = [Pattern(body, tuple(ids), specificity(first[body]),
                         tuple(p.arg for p in first[body].parts if isinstance(p, Hole)))
                 for body, ids in loose_body.items()]
        # patterns[:strict] go to the engine, least specific first (a higher index is a better match;
        # among equals, the message first in the catalog); the loose ones are tried only on texts
        # nothing else matches
        strict.sort(key=lambda p: (p.rank, -p.messages[0]))
        self.strict = len(strict)
        # per pattern with literal text, its class: patterns with as much literal text as each other
        # (a run of indexes: the rank starts with it) have one, and all of them that match a text are its answer
        self.classes = array("i", accumulate((a.rank[0] != b.rank[0] for a, b in zip(strict, strict[1:])), initial=0))
        self.patterns: tuple[Pattern, ...] = tuple(strict + loose)
        self.templates = tuple(templates)
        self.sites: dict[tuple[str, int], tuple[int, ...]] = _site_index(sites)
        self.engine = available_engine(engine)
        self.cache_dir = cache_dir  # where a compiled Hyperscan database is kept
        self._compiled: Any = None

    # pickling: a Hyperscan database travels serialized; other engines are rebuilt (fast)
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("_captures", "_prefixes", "_pattern_of")}
        if self.engine != "hyperscan":
            state["_compiled"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.engine = available_engine(self.engine)

    @property
    def compiled(self) -> Any:
        if self._compiled is None:
            self._compiled = _COMPILERS[self.engine]([p.body for p in self.patterns[:self.strict]], self.cache_dir)
        return self._compiled

    def best(self, texts: Sequence[bytes]) -> list[int]:
        """Per text, the most specific matching pattern's index, or -1 (each distinct text is
        matched once: logs repeat their texts)."""
        compiled = self.compiled
        if getattr(compiled, "distinct", False):  # the engine finds the repeats itself (libhs, in C)
            return compiled.best(texts)
        distinct = sorted(dict.fromkeys(texts))  # in order: texts alike are scanned one after another
        return list(map(dict(zip(distinct, compiled.best(distinct))).__getitem__, texts))

    def best_sets(self, texts: Sequence[bytes], keep: Sequence[bool] | None = None, skipped: int = -1
                  ) -> tuple[list[int], dict[int, tuple[int, ...]]]:
        """`best(texts)`, and for each text that patterns of the best one's class match too (as much
        literal text: `%u-%u` and `%u-%d` on `12-7`, `VS [%u]` and `VS [%s]` on `VS [963]`), text
        index -> those patterns, the best first: the line may be any of them. With `keep`, only the texts
        whose `keep` is true are matched; the others get `skipped`."""
        compiled = self.compiled
        if keep is not None:
            done = compiled.best_ties_kept(texts, self.classes, bytes(keep), skipped) \
                if hasattr(compiled, "best_ties_kept") else None
            if done is not None:
                return done[0], self._sets(texts, *done)
            todo = list(compress(range(len(texts)), keep))
            found, sets = self.best_sets([texts[i] for i in todo])
            best = [skipped] * len(texts)
            for i, p in zip(todo, found):
                best[i] = p
            return best, {todo[k]: group for k, group in sets.items()}
        if getattr(compiled, "distinct", False):  # the engine finds the repeats itself (libhs, in C)
            best, tied = compiled.best_ties(texts, self.classes)
        else:
            distinct = sorted(dict.fromkeys(texts))
            found, ties = compiled.best_ties(distinct, self.classes)
            best = list(map(dict(zip(distinct, found)).__getitem__, texts))
            alike = {distinct[k] for k in ties}
            tied = [k for k, t in enumerate(texts) if t in alike] if alike else []
        return best, self._sets(texts, best, tied)

    def _sets(self, texts: Sequence[bytes], best: Sequence[int], tied: Sequence[int]) -> dict[int, tuple[int, ...]]:
        """For the texts `tied`, the patterns of the best one's class that match them, best first."""
        classes = self.classes
        sets = {}
        for k, found in zip(tied, self.compiled.all([texts[k] for k in tied])):
            top = classes[best[k]]
            sets[k] = tuple(sorted({p for p in found if classes[p] == top}, reverse=True))
        return sets

    def all_matches(self, texts: Sequence[bytes], loose: bool = False) -> list[list[int]]:
        """Per text, every matching pattern's index, most specific first; with `loose`, a text no
        pattern with literal text matches gets the patterns without any (`%*s%.*s`) it fits."""
        found = self.compiled.all(texts)
        out = [sorted(set(f), reverse=True) for f in found]
        if loose:
            for k, f in enumerate(out):
                if not f:
                    f.extend(self.loose_matches(texts[k]))
        return out

    def loose_matches(self, text: bytes) -> list[int]:
        """Patterns without literal text that fully match `text`, most specific first."""
        hits = [i for i in range(self.strict, len(self.patterns)) if self.fullmatch(i, text)]
        return sorted(hits, key=lambda i: self.patterns[i].rank, reverse=True)

    def is_loose(self, index: int) -> bool:
        return index >= self.strict

    def fullmatch(self, index: int, text: bytes) -> re.Match[bytes] | None:
        return self._capture(index).fullmatch(text)

    def values(self, index: int, text: bytes) -> dict[str, str]:
        """Hole values of `text` under pattern `index`, named by their argument expressions
        (`vrrp->iname`; `hole 2` where the catalog knows no argument). {} when it does not match."""
        m = self.fullmatch(index, text)
        if m is None:
            return {}
        out: dict[str, str] = {}
        for k, (arg, value) in enumerate(zip(self.patterns[index].holes, m.groups()), 1):
            name = arg or f"hole {k}"
            if name in out:
                name = f"{name} ({k})"
            out[name] = value.decode("utf-8", "replace").strip(" ") if value is not None else ""
        return out

    def prefix_values(self, index: int, text: bytes) -> dict[str, str] | None:
        """Hole values when the text starts with the pattern's (what follows is `rest of the line`);
        None when it does not."""
        cache = self.__dict__.setdefault("_prefixes", {})
        rx = cache.get(index)
        if rx is None:
            t = self.templates[self.patterns[index].messages[0]]
            rx = cache[index] = re.compile(template_pattern(t, capture=True) + rb"(.*)", re.S)
        m = rx.fullmatch(text)
        if m is None:
            return None
        out = {}
        for k, (arg, value) in enumerate(zip(self.patterns[index].holes, m.groups()[:-1]), 1):
            out[arg or f"hole {k}"] = value.decode("utf-8", "replace").strip(" ")
        out["rest of the line"] = m.groups()[-1].decode("utf-8", "replace")
        return out

    def _capture(self, index: int) -> re.Pattern[bytes]:
        cache = self.__dict__.setdefault("_captures", {})
        rx = cache.get(index)
        if rx is None:
            t = self.templates[self.patterns[index].messages[0]]
            rx = cache[index] = re.compile(template_pattern(t, capture=True) + _TAIL, re.S)
        return rx

    def at_stamp(self, basename: str, line: int) -> tuple[int, ...]:
        """Messages (indexes) written at `basename:line`."""
        return self.sites.get((basename, line), ())

    def pattern_of(self, message: int) -> int:
        """The pattern index of a message (-1 for a catch-all or dynamic one)."""
        index = self.__dict__.get("_pattern_of")
        if index is None:
            index = self.__dict__["_pattern_of"] = {m: i for i, p in enumerate(self.patterns) for m in p.messages}
        return index.get(message, -1)


def _site_index(sites: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, ...]]:
    index: dict[tuple[str, int], list[int]] = defaultdict(list)
    for i, (file, line) in enumerate(sites):
        index[(file.rsplit("/", 1)[-1], line)].append(i)
    return {k: tuple(v) for k, v in index.items()}
